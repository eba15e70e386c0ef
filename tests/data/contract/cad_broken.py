"""A plugin that cannot even be imported here."""

raise ImportError("cad_broken needs libfoo, which is not installed")
