"""Errors of this plugin that callers may want to tell apart."""

from __future__ import annotations

from cad_core.errors import BadInputError, PermanentError


class AmbiguousClusterError(BadInputError):
    """The cluster identifier matches more than one OCM cluster."""


class DocumentationMismatchError(PermanentError):
    """A message links documentation of the product the cluster is not.

    ``kind`` names the message (service log or limited support reason).
    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
