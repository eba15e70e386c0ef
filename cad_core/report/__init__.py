"""What a run reports to people: the text output and the critical path of a request log."""
