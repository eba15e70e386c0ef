"""Deprecated: the one TLS context per bundle is the core's now (:mod:`cad_core.http`).

``SharedTrustAdapter`` and ``trust_context`` keep working for a release, with a
DeprecationWarning: use ``cad_core.http.shared_trust_adapter()`` and
``cad_core.http.tls_context(bundle)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


def _trust_context(cafile: str | None, capath: str | None) -> Any:
    from cad_core.http import tls_context

    return tls_context(cafile or capath)


def __getattr__(name: str) -> Any:
    from cad_core.http import shared_trust_adapter

    moved: dict[str, Callable[[], Any]] = {
        "SharedTrustAdapter": shared_trust_adapter,
        "trust_context": lambda: _trust_context,
    }
    if name not in moved:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"cad_ocm.trust.{name} moved to cad_core.http (shared_trust_adapter, tls_context)",
        DeprecationWarning,
        stacklevel=2,
    )
    return moved[name]()
