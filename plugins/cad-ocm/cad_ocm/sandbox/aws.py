"""One AWS endpoint for EC2 (Query protocol: DescribeInstances, DescribeRouteTables,
DescribeSubnets, DescribeVpcs, DescribeDhcpOptions, DescribeSecurityGroups) and CloudTrail
(JSON 1.1), as botocore sends both to ``AWS_ENDPOINT_URL``. Signatures are not checked: the
sandbox holds no secrets.

Requests are logged as ``/<Operation>`` (``/DescribeInstances``, ``/LookupEvents``): every
AWS call goes to ``/``, so the operation is what tells them apart in logs and faults.
"""

from __future__ import annotations

import json
from typing import Any

from cad_core.plugins.simulation import SimHost, SimWorld
from cad_core.plugins.simwire import (
    BaseSimulator,
    HttpProblem,
    Mount,
    Request,
    Response,
    Router,
    Simulator,
    json_response,
    mounted,
)

from cad_ocm.sandbox import cloudtrail, ec2
from cad_ocm.sandbox.aws_scenario import REGION, ScenarioView

CLOUDTRAIL_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
EC2_CODES = {
    400: "InvalidParameterValue",
    401: "AuthFailure",
    403: "UnauthorizedOperation",
    429: "RequestLimitExceeded",
    500: "InternalError",
    503: "Unavailable",
}
EC2_OPERATIONS = {
    "DescribeInstances": ec2.describe_instances,
    "DescribeRouteTables": ec2.describe_route_tables,
    "DescribeSubnets": ec2.describe_subnets,
    "DescribeVpcs": ec2.describe_vpcs,
    "DescribeDhcpOptions": ec2.describe_dhcp_options,
    "DescribeSecurityGroups": ec2.describe_security_groups,
}
CLOUDTRAIL_CODES = {
    400: "ValidationException",
    403: "AccessDeniedException",
    429: "ThrottlingException",
    500: "InternalFailure",
    503: "ServiceUnavailableException",
}


def operation_of(request: Request) -> str:
    """The AWS operation a request asks for, or '' when it names none."""
    target = request.headers.get("X-Amz-Target") or ""
    if target:
        return target.rpartition(".")[2]
    if request.method == "POST":
        return request.form().get("Action", "")
    return ""


READ_PREFIXES = ("/Describe", "/Lookup", "/Get", "/List")


def seed(scenario: ScenarioView) -> ScenarioView:
    """AWS changes nothing: its state is the scenario it reads."""
    return scenario


def is_write(method: str, path: str) -> bool:
    """AWS reads are POSTs too: the operation (the logged path) tells them apart."""
    return method not in ("GET", "HEAD", "OPTIONS") and not path.startswith(READ_PREFIXES)


def hosts(world: SimWorld, scenario: ScenarioView) -> dict[str, Mount]:
    """One host for EC2 and CloudTrail, each request logged as ``/<Operation>``."""
    simulator = AwsSimulator(world, scenario)

    def mount(request: Request) -> Simulator:
        operation = operation_of(request)
        path = f"/{operation}" if operation else request.raw_path
        return mounted(request, "aws", path, simulator)

    return {"aws": mount}


class AwsSimulator(BaseSimulator[SimWorld]):
    def __init__(self, world: SimWorld, scenario: ScenarioView) -> None:
        self.scenario = scenario
        super().__init__(world)

    def add_routes(self, router: Router) -> None:
        pass  # dispatch is by operation, not by path

    def handle(self, request: Request) -> Response:
        operation = operation_of(request)
        if _is_cloudtrail(request):
            if operation != "LookupEvents":
                raise HttpProblem(
                    400, f"Unsupported operation {operation}", aws_code="UnknownOperationException"
                )
            body = cloudtrail.lookup_events(self.scenario, _json_body(request))
            return json_response(200, body, content_type=JSON_CONTENT_TYPE)
        answer = EC2_OPERATIONS.get(operation)
        if answer is None:
            raise HttpProblem(
                400, f"Unsupported action {operation or '(none)'}", aws_code="InvalidAction"
            )
        return Response(200, answer(self.scenario, request.form()), XML_CONTENT_TYPE)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        if _is_cloudtrail(request):
            code = details.get("aws_code") or CLOUDTRAIL_CODES.get(status, "InternalFailure")
            body = {"__type": code, "message": message}
            return json_response(status, body, {"x-amzn-ErrorType": code}, JSON_CONTENT_TYPE)
        code = details.get("aws_code") or EC2_CODES.get(status, "InternalError")
        return Response(status, ec2.ec2_error_xml(code, message), XML_CONTENT_TYPE)


def _is_cloudtrail(request: Request) -> bool:
    return (request.headers.get("X-Amz-Target") or "").startswith(CLOUDTRAIL_TARGET)


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise HttpProblem(
            400, "Request body is not JSON", aws_code="SerializationException"
        ) from None
    if not isinstance(body, dict):
        raise HttpProblem(400, "Request body must be an object", aws_code="SerializationException")
    return body


def exported_settings(host: SimHost) -> dict[str, str]:
    """boto3's endpoints, region and trust; dummy keys, so it searches for no real ones."""
    return {
        "AWS_ENDPOINT_URL": host.url,
        # Service-specific settings beat the general one, so pin them too.
        "AWS_ENDPOINT_URL_EC2": host.url,
        "AWS_ENDPOINT_URL_CLOUDTRAIL": host.url,
        "AWS_DEFAULT_REGION": REGION,
        # Dummy keys stop boto3 searching profiles or instance metadata for real ones.
        "AWS_ACCESS_KEY_ID": "AKIASANDBOXDUMMYKEY0",
        "AWS_SECRET_ACCESS_KEY": "sandbox-dummy-secret-not-checked",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CA_BUNDLE": host.ca_file,
    }
