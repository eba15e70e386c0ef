"""Loopback simulators of the services CAD talks to, seeded from scenario files.

Nothing is imported here on purpose: ``python -m cad_sandbox.fake_verifier`` and the pytest
plugin must stay quick to start.
"""
