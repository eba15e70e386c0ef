"""CAD investigation ``upgradeconfigsyncfailureover4hr``.

Decision table: docs/investigations/upgradeconfigsync.md.
"""
