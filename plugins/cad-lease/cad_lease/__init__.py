"""CAD lock provider ``lease``: run locks kept as Kubernetes Leases in CAD's own namespace."""

__version__ = "0.1.0"
