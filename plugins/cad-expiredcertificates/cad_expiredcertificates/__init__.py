"""CAD investigation ``expiredcertificates``: TLS certificates on the cluster that have
expired or expire soon. The decision table is docs/investigations/expiredcertificates.md;
the logic lives in :mod:`cad_expiredcertificates.investigation`."""

__version__ = "0.1.0"
