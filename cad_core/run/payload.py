"""Reading the webhook payload: raw JSON, or base64 as the Tekton interceptor hands it over."""

from __future__ import annotations

import base64
import binascii
import json
import re

from cad_core.errors import BadInputError

MAX_PAYLOAD = 5 * 1024 * 1024
MAX_SKELETON = 64 * 1024  # bytes outside JSON strings; a real webhook has ~2 KiB
MAX_STRINGS = 20_000
# A JSON string, written so the regex engine loops instead of backtracking.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def shape_problem(
    raw: bytes, max_skeleton: int = MAX_SKELETON, max_strings: int = MAX_STRINGS
) -> str:
    """Why ``raw`` is too costly to parse as JSON, or "" when it is fine.

    Parsing cost is in the objects built: brackets, numbers and strings. Strings cost
    about their size; everything else (the "skeleton") can make millions of objects from
    a few megabytes (``[{},{},...]``). So the skeleton and the number of strings are
    bounded before the parser runs, in one regular-expression pass that builds nothing.
    """
    covered = 0
    for count, match in enumerate(_STRING.finditer(raw), start=1):
        if count > max_strings:
            return f"more than {max_strings} strings"
        covered += match.end() - match.start()
    if len(raw) - covered > max_skeleton:
        return f"more than {max_skeleton} bytes outside strings"
    return ""


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
    problem = shape_problem(text)
    if problem:
        raise BadInputError(f"{name} is too costly to read as a webhook: {problem}")
    try:
        json.loads(text)
    except ValueError as error:  # also bad UTF-8, and integers too long to convert
        raise BadInputError(f"{name} is not valid JSON: {error}") from None
    except RecursionError:
        raise BadInputError(f"{name} is not valid JSON: nested too deeply") from None
    return text


def read_payload(path: str) -> bytes:
    """Read through the bounded reader: a device, FIFO or huge file cannot hang or bloat."""
    from cad_core.config.inputs import read_bounded

    return decode_payload(read_bounded(path, "payload", MAX_PAYLOAD), f"payload {path}")
