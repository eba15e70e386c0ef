"""CAD's manual tools, upstream's manual-run investigations: ``describenodes`` (what ``oc
describe nodes`` shows), ``clusterhealthcheck`` (a dozen health checks) and ``mustgather``
(what to collect and how, since CAD cannot run ``oc adm must-gather``). They share one
plugin because they share their shape (read the cluster, write a report and a note; no
customer-facing action) and their helpers (:mod:`cad_clustertools.kubeview`). Decision
tables: docs/investigations/clustertools.md."""

__version__ = "0.1.0"
