"""CAD investigation ``etcddatabasequotalowspace``: what fills etcd, found by analysing a
snapshot in a Job next to an etcd member. The decision table is
docs/investigations/etcddatabasequotalowspace.md; the flow lives in
:mod:`cad_etcddatabasequotalowspace.investigation`."""

__version__ = "0.1.0"
