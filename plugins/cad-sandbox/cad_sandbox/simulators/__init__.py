"""The loopback simulators: one module per service, plus the shared server and wire code."""
