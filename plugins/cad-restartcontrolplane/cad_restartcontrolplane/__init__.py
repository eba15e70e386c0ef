"""CAD investigation ``restartcontrolplane``: restart an HCP cluster's control plane by
stamping its HostedCluster with ``hypershift.openshift.io/restart-date``. The decision table
is docs/investigations/restartcontrolplane.md; the write is the ``restart_control_plane``
action (:mod:`cad_restartcontrolplane.actions`), carried out by
:mod:`cad_restartcontrolplane.executor`."""

__version__ = "0.1.0"
