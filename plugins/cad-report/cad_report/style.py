"""The run report's stylesheet (inline, so the file opens anywhere offline) and escaping.

Both parts of the page (:mod:`cad_report.html`, :mod:`cad_report.world`) use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

CSS = """
:root { --ok:#1b7f3b; --bad:#b3261e; --warn:#8a5a00; --muted:#5f6368; --line:#dadce0;
        --critical:#c5221f; --write:#1a73e8; --read:#9aa0a6; --bg:#ffffff; --fg:#202124; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1100px;
       padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 16px 0 6px; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
pre { background: #f8f9fa; border: 1px solid var(--line); border-radius: 6px;
      padding: 10px 12px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px;
         border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 13px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px;
         font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.good { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.neutral { color: var(--muted); }
.muted { color: var(--muted); }
.outcome { font-size: 16px; margin: 4px 0 0; }
.investigation { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px;
                 margin: 10px 0; }
.investigation h3 { margin-top: 4px; }
.why { margin: 2px 0; }
.text-block { margin: 12px 0; }
.label { font-weight: 600; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.waterfall td { padding: 2px 6px; font-size: 13px; }
table.waterfall td.req { white-space: nowrap; max-width: 520px; overflow: hidden;
                         text-overflow: ellipsis; }
table.waterfall th.axis, table.waterfall td.bar-cell { width: 40%; }
td.bar-cell { position: relative; }
.bar { height: 12px; border-radius: 2px; display: inline-block; vertical-align: middle;
       background: var(--read); }
.bar.write { background: var(--write); }
.bar.critical { background: var(--critical); }
tr.critical td.req code { font-weight: 700; }
.cp-mark { color: #fff; background: var(--critical); border-radius: 3px; padding: 0 4px;
           font-size: 11px; font-weight: 700; text-transform: uppercase; }
.write-mark { color: var(--write); font-size: 11px; font-weight: 700; }
.summary { margin: 4px 0 8px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
"""


def e(value: Any) -> str:
    """``value`` as escaped HTML text (``None`` as empty)."""
    return "" if value is None else escape(value if isinstance(value, str) else str(value))


def items(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list field; anything else in it is ignored."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
