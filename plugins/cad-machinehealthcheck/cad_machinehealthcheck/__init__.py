"""CAD investigation ``machinehealthcheckunterminatedshortcircuitsre``: why a
MachineHealthCheck stopped remediating. The decision table is
docs/investigations/machinehealthcheck.md; the logic lives in
:mod:`cad_machinehealthcheck.investigation`."""

__version__ = "0.1.0"
