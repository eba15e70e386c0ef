"""What a run reports to people: the text output and the HTML run report."""
