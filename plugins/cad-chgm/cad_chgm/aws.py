"""Turning AWS client failures into the investigation's error kinds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cad_core.errors import InfrastructureError, one_line


@contextmanager
def aws_call(what: str) -> Iterator[None]:
    """Raise :class:`InfrastructureError` (the runner retries) when an AWS call fails.

    A failed query says nothing about the cluster, so it must never become a finding.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise InfrastructureError(one_line(error), context=what) from error
