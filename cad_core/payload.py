"""Reading the webhook payload: raw JSON, or base64 as the Tekton interceptor hands it over."""

from __future__ import annotations

import base64
import binascii
import json

from cad_core.errors import BadInputError

MAX_PAYLOAD = 5 * 1024 * 1024


def decode_payload(data: bytes, name: str = "payload") -> bytes:
    """The JSON body bytes; base64 input is decoded. Anything else is a BadInputError."""
    text = data.strip()
    if not text:
        raise BadInputError(f"{name} is empty; expected a webhook body (JSON or base64)")
    if not text.startswith((b"{", b"[")):
        try:
            text = base64.b64decode(text, validate=True).strip()
        except (binascii.Error, ValueError):
            raise BadInputError(f"{name} is neither JSON nor base64-encoded JSON") from None
    try:
        json.loads(text)
    except ValueError as error:  # also bad UTF-8, and integers too long to convert
        raise BadInputError(f"{name} is not valid JSON: {error}") from None
    except RecursionError:
        raise BadInputError(f"{name} is not valid JSON: nested too deeply") from None
    return text


def read_payload(path: str) -> bytes:
    """Read through the bounded reader: a device, FIFO or huge file cannot hang or bloat."""
    from cad_core.inputs import read_bounded

    return decode_payload(read_bounded(path, "payload", MAX_PAYLOAD), f"payload {path}")
