"""Signed plan words: the plan inform mode held back, bound to what it was made for.

A held plan travels from CAD through an incident note and a person's shell to ``cad
apply``. Anyone who can write a note can write text that looks like CAD's, so the word is
authenticated with a key only CAD holds (``CAD_PLAN_KEY``, HMAC-SHA256) and carries what
it was made for: the cluster, the incident and its alert source, the investigations that
planned it, and when it expires. ``cad apply`` refuses it if any of that does not hold.

The word is ``cad1.<payload>.<mac>``: ``payload`` is base64url (no padding) of compact
JSON, ``mac`` is base64url of HMAC-SHA256(key, ``"cad1." + payload``). The signature is
checked against the text of the word as given, before anything in it is decoded, so a
word that differs in any character is refused. ``CAD_PLAN_KEY`` may hold several keys
(rotation, like ``PD_SIGNATURE``): the first signs, any verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cad_core.errors import ActionValidationError, BadInputError, MissingSettingError
from cad_core.plan.actions import Action, from_dict, to_dict

VERSION = "cad1"
KEY_SETTING = "CAD_PLAN_KEY"
TTL_SETTING = "CAD_PLAN_TTL_SECONDS"
KEY_PURPOSE = "the key CAD signs held plans with"


class PlanRefused(BadInputError):
    """``cad apply`` will not apply this plan; the message says why (exit 2)."""


@attrs.frozen
class PlanBinding:
    """What a plan was made for. An empty ``incident_id`` means a run without an incident."""

    cluster_id: str
    incident_id: str = ""
    alert_source: str = ""
    investigations: tuple[str, ...] = ()
    issued: int = 0  # seconds since the epoch
    expires: int = 0


@attrs.frozen
class SignedPlan:
    binding: PlanBinding
    actions: tuple[Action, ...]


# -- settings ----------------------------------------------------------------------------


def plan_keys(environ: Mapping[str, str] | None = None) -> list[str]:
    """The configured keys, first (the signing one) first; blanks are ignored."""
    from cad_core.settings import setting_values

    # Unchecked: a short key is refused at start-up; here it must still verify old plans.
    return setting_values(KEY_SETTING, environ, check=False)


def required_keys() -> list[str]:
    keys = plan_keys()
    if not keys:
        raise MissingSettingError([KEY_SETTING], KEY_PURPOSE)
    return keys


def plan_ttl() -> float:
    from cad_core.settings import number

    return number(TTL_SETTING)


# -- signing -----------------------------------------------------------------------------


def plan_items(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """The actions as JSON; a prerequisite that was not held back already ran, so it is
    not required again."""
    kept = {a.type_id for a in actions}
    items = []
    for action in actions:
        item = to_dict(action)
        requires = [t for t in item.pop("requires", []) if t in kept]
        items.append({**item, **({"requires": requires} if requires else {})})
    return items


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _mac(key: str, signed_text: str) -> str:
    return _b64(hmac.new(key.encode(), signed_text.encode("ascii"), hashlib.sha256).digest())


def sign_plan(actions: Sequence[Action], binding: PlanBinding, key: str) -> str:
    """The plan as one shell-safe word, signed with ``key``."""
    body = {
        "cluster": binding.cluster_id,
        "incident": binding.incident_id,
        "source": binding.alert_source,
        "investigations": list(binding.investigations),
        "issued": binding.issued,
        "expires": binding.expires,
        "actions": plan_items(actions),
    }
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    signed = f"{VERSION}.{_b64(text.encode())}"
    return f"{signed}.{_mac(key, signed)}"


def new_binding(
    cluster_id: str,
    incident_id: str,
    alert_source: str,
    investigations: Sequence[str],
    now: float | None = None,
) -> PlanBinding:
    issued = int(time.time() if now is None else now)
    return PlanBinding(
        cluster_id,
        incident_id,
        alert_source,
        tuple(dict.fromkeys(i for i in investigations if i)),
        issued,
        issued + int(plan_ttl()),
    )


# -- verifying ---------------------------------------------------------------------------

UNSIGNED = (
    "this plan is not signed (CAD wrote unsigned plans before version cad1, and anyone "
    "can write one); cad apply applies only plans CAD signed: run the investigation again"
)
NOT_OURS = f"the plan is not one CAD wrote (expected {VERSION}.<plan>.<signature>)"
FORGED = (
    f"the plan's signature matches no {KEY_SETTING} key: it was changed, or not written "
    "by a CAD holding this key; nothing was applied"
)


def verify_plan(word: str, keys: Sequence[str], now: float | None = None) -> SignedPlan:
    """The plan in ``word`` if a key signed it and it has not expired; else PlanRefused."""
    word = word.strip()
    parts = word.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise PlanRefused(UNSIGNED if _looks_unsigned(word) else NOT_OURS)
    signed, given = f"{parts[0]}.{parts[1]}", parts[2]
    # Every key is tried, so the time taken says nothing about which one matched.
    matches = [hmac.compare_digest(_mac(key, signed), given) for key in keys]
    if not keys or not any(matches):
        raise PlanRefused(FORGED)
    plan = _decode(parts[1])
    expires = plan.binding.expires
    if (time.time() if now is None else now) > expires:
        raise PlanRefused(
            f"the plan expired at {_utc(expires)} (it was made at "
            f"{_utc(plan.binding.issued)}): run the investigation again for a fresh plan"
        )
    return plan


def _looks_unsigned(word: str) -> bool:
    """An old plan word: base64url of a JSON list of actions."""
    try:
        raw = base64.urlsafe_b64decode(word + "=" * (-len(word) % 4))
        return isinstance(json.loads(raw), list)
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        return False


def _decode(payload: str) -> SignedPlan:
    """The signed payload. A key signed it, so trouble here is a CAD bug or a key leak:
    refused all the same, in one line."""
    try:
        body: Any = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        binding = PlanBinding(
            _text(body, "cluster"),
            _text(body, "incident"),
            _text(body, "source"),
            tuple(_text({"i": i}, "i") for i in body["investigations"]),
            _int(body, "issued"),
            _int(body, "expires"),
        )
        items = body["actions"]
        if not isinstance(items, list) or not items:
            raise ValueError("no actions")
        return SignedPlan(binding, tuple(from_dict(item) for item in items))
    except ActionValidationError as error:
        raise PlanRefused(f"the plan holds an invalid action: {error}") from None
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as error:
        raise PlanRefused(f"the plan's content is malformed ({error})") from None


def _text(body: Any, key: str) -> str:
    value = body[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not a string")
    return value


def _int(body: Any, key: str) -> int:
    value = body[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} is not a whole number")
    return value


def _utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def expiry_text(binding: PlanBinding) -> str:
    return _utc(binding.expires)


def check_binding(
    binding: PlanBinding, cluster_id: str, incident_id: str, alert_source: str
) -> None:
    """The command line must name what the plan was made for; PlanRefused otherwise."""
    if cluster_id != binding.cluster_id:
        raise PlanRefused(
            f"the plan was made for cluster {binding.cluster_id!r}, not {cluster_id!r}"
        )
    wanted = (binding.incident_id, binding.alert_source)
    if (incident_id, alert_source) == wanted:
        return
    if not binding.incident_id:
        raise PlanRefused("the plan was made without an incident: drop --incident-id")
    raise PlanRefused(
        f"the plan was made for incident {binding.incident_id!r} of {binding.alert_source!r}, "
        f"not {incident_id or '(none)'!r} of {alert_source or '(none)'!r}: use the command "
        "in that incident's note"
    )
