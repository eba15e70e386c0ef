"""CAD investigation ``chgm``: find out why a managed OpenShift cluster has gone missing.

The entry point is :mod:`cad_chgm.plugin`; the decision table lives in
:mod:`cad_chgm.investigation`. Nothing heavy (boto3) is imported at package import time.
"""

__version__ = "0.1.0"
