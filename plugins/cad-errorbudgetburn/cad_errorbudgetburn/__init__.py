"""CAD investigation ``clustermonitoringerrorbudgetburn``: is a customer's user-workload-monitoring
configuration what keeps the ``monitoring`` cluster operator from being available?

The entry point is :mod:`cad_errorbudgetburn.plugin`; the decision table lives in
:mod:`cad_errorbudgetburn.investigation`.
"""

__version__ = "0.1.0"
