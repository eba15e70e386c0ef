"""One run: its context and resources, the flows, locks, the run record and metrics."""
