"""The plan: the action vocabulary, the executor engine, run notes and signed plan words."""
