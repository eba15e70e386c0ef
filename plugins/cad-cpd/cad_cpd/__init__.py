"""CAD investigation ``cpd``: ClusterProvisioningDelay (docs/investigations/cpd.md)."""
