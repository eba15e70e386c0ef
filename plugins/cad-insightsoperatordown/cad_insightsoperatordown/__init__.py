"""CAD investigation ``insightsoperatordown``.

Decision table: docs/investigations/insightsoperatordown.md.
"""
