"""CAD investigation ``cannotretrieveupdatessre`` (experimental upstream).

Decision table: docs/investigations/cannotretrieveupdates.md.
"""
