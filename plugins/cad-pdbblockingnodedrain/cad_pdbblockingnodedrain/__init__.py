"""CAD investigation ``pdbblockingnodedrain``: PodDisruptionBudgets that keep nodes from
draining. The decision table is docs/investigations/pdbblockingnodedrain.md; the logic
lives in :mod:`cad_pdbblockingnodedrain.investigation`."""

__version__ = "0.1.0"
