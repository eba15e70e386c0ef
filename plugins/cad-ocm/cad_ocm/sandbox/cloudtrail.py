"""CloudTrail LookupEvents over JSON 1.1, with events shaped like real EC2 stop records."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cad_core.plugins.simwire import HttpProblem

from cad_ocm.sandbox.aws_scenario import AWS_ACCOUNT, REGION, CloudTrailEvent, ScenarioView

MAX_RESULTS = 50
LOOKUP_KEYS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "EventName": lambda e: [e["EventName"]],
    "EventId": lambda e: [e["EventId"]],
    "Username": lambda e: [e["Username"]],
    "EventSource": lambda e: [e["EventSource"]],
    "ReadOnly": lambda e: [e["ReadOnly"]],
    "ResourceName": lambda e: [r["ResourceName"] for r in e["Resources"]],
    "ResourceType": lambda e: [r["ResourceType"] for r in e["Resources"]],
}
NEW_STATES = {"StopInstances": (64, "stopping"), "TerminateInstances": (32, "shutting-down")}


def lookup_events(scenario: ScenarioView, request: dict[str, Any]) -> dict[str, Any]:
    events = [_event(scenario, number, e) for number, e in enumerate(scenario.aws.cloudtrail)]
    events = [e for e in events if _in_window(e, request) and _has_attribute(e, request)]
    events.sort(key=lambda e: e["EventTime"], reverse=True)  # CloudTrail answers newest first
    start, size = _paging(request)
    body: dict[str, Any] = {"Events": events[start : start + size]}
    if start + size < len(events):
        body["NextToken"] = base64.b64encode(f"offset:{start + size}".encode()).decode()
    return body


def _has_attribute(event: dict[str, Any], request: dict[str, Any]) -> bool:
    attributes = request.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise _invalid("InvalidLookupAttributesException", "Only one lookup attribute is allowed")
    if not attributes:
        return True
    key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
    if key not in LOOKUP_KEYS:
        raise _invalid("InvalidLookupAttributesException", f"Unsupported attribute key {key!r}")
    return value in LOOKUP_KEYS[key](event)


def _in_window(event: dict[str, Any], request: dict[str, Any]) -> bool:
    start = _epoch(request.get("StartTime"), float("-inf"))
    end = _epoch(request.get("EndTime"), float("inf"))
    if start > end:
        raise _invalid("InvalidTimeRangeException", "StartTime must be before EndTime")
    moment: float = event["EventTime"]
    return start <= moment <= end


def _epoch(value: Any, default: float) -> float:
    """botocore sends epoch seconds; accept ISO 8601 strings too."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("ValidationException", f"Invalid timestamp {value!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _paging(request: dict[str, Any]) -> tuple[int, int]:
    size = request.get("MaxResults", MAX_RESULTS)
    if type(size) is not int or not 1 <= size <= MAX_RESULTS:
        raise _invalid("InvalidMaxResultsException", f"MaxResults must be 1 to {MAX_RESULTS}")
    token = request.get("NextToken")
    if not token:
        return 0, size
    try:
        prefix, _, offset = base64.b64decode(token).decode().partition(":")
        if prefix != "offset":
            raise ValueError(token)
        return int(offset), size
    except ValueError:
        raise _invalid("InvalidNextTokenException", "Invalid NextToken") from None


def _invalid(code: str, message: str) -> HttpProblem:
    return HttpProblem(400, message, aws_code=code)


def _event(scenario: ScenarioView, number: int, spec: CloudTrailEvent) -> dict[str, Any]:
    at = spec.at or scenario.now
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cad-sandbox/cloudtrail/{number}"))
    access_key = f"ASIASANDBOX{number:09d}"
    return {
        "EventId": event_id,
        "EventName": spec.event,
        "ReadOnly": "false",
        "AccessKeyId": access_key,
        "EventTime": at.timestamp(),
        "EventSource": "ec2.amazonaws.com",
        "Username": spec.username,
        "Resources": [
            {"ResourceType": "AWS::EC2::Instance", "ResourceName": instance}
            for instance in spec.instances
        ],
        "CloudTrailEvent": json.dumps(_record(spec, at, event_id, access_key)),
    }


def _record(spec: CloudTrailEvent, at: datetime, event_id: str, key: str) -> dict[str, Any]:
    """The trail record embedded as a string, like the StopInstances examples AWS documents."""
    when = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    code, state = NEW_STATES.get(spec.event, (16, "running"))
    return {
        "eventVersion": spec.event_version,
        "userIdentity": _identity(spec, when, key),
        "eventTime": when,
        "eventSource": "ec2.amazonaws.com",
        "eventName": spec.event,
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {
            "instancesSet": {"items": [{"instanceId": i} for i in spec.instances]},
            "force": False,
        },
        "responseElements": {
            "requestId": event_id,
            "instancesSet": {
                "items": [
                    {
                        "instanceId": i,
                        "currentState": {"code": code, "name": state},
                        "previousState": {"code": 16, "name": "running"},
                    }
                    for i in spec.instances
                ]
            },
        },
        "requestID": event_id,
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": AWS_ACCOUNT,
        "eventCategory": "Management",
    }


def _identity(spec: CloudTrailEvent, when: str, key: str) -> dict[str, Any]:
    if not spec.issuer:
        return {
            "type": "IAMUser",
            "principalId": "AIDASANDBOX0000000000",
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:user/{spec.username}",
            "accountId": AWS_ACCOUNT,
            "accessKeyId": key,
            "userName": spec.username,
        }
    return {
        "type": "AssumedRole",
        "principalId": f"AROASANDBOX0000000000:{spec.username}",
        "arn": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{spec.issuer}/{spec.username}",
        "accountId": AWS_ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROASANDBOX0000000000",
                "arn": f"arn:aws:iam::{AWS_ACCOUNT}:role/{spec.issuer}",
                "accountId": AWS_ACCOUNT,
                "userName": spec.issuer,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": when, "mfaAuthenticated": "false"},
        },
    }
