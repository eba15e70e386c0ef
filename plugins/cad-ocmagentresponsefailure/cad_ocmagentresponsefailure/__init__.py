"""CAD investigation ``ocmagentresponsefailure``.

Decision table: docs/investigations/ocmagentresponsefailure.md.
"""
