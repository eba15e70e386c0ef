"""CAD investigation ``consoleerrorbudgetburn``.

Decision table: docs/investigations/consoleerrorbudgetburn.md.
"""
