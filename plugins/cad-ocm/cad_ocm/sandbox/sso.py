"""Red Hat SSO's client-credentials token endpoint (served on the OCM host)."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from cad_core.plugins.simulation import SimWorld
from cad_core.plugins.simwire import (
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
)

from cad_ocm.sandbox.state import OcmState, StateSimulator

TOKEN_PATH = "/auth/realms/redhat-external/protocol/openid-connect/token"
TOKEN_LIFETIME_S = 900
OAUTH_ERRORS = {400: "invalid_request", 401: "unauthorized_client", 404: "not_found"}


class SsoSimulator(StateSimulator):
    def __init__(self, world: SimWorld, state: OcmState) -> None:
        self.client_id = state.client_id
        self.client_secret = state.client_secret
        super().__init__(world, state)

    def add_routes(self, router: Router) -> None:
        router.add("POST", TOKEN_PATH, self.token)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        default = "server_error" if status >= 500 else "invalid_request"
        code = details.get("oauth_error") or OAUTH_ERRORS.get(status, default)
        return json_response(status, {"error": code, "error_description": message})

    def token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            raise HttpProblem(
                400, "Only client_credentials is supported", oauth_error="unsupported_grant_type"
            )
        client_id, client_secret = _credentials(request, form)
        if not (
            hmac.compare_digest(client_id, self.client_id)
            and hmac.compare_digest(client_secret, self.client_secret)
        ):
            raise HttpProblem(401, "Invalid client or Invalid client credentials")
        token = self.state.issue_token()
        return json_response(
            200,
            {
                "access_token": token,
                "expires_in": TOKEN_LIFETIME_S,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "openid",
            },
        )


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Form fields, or HTTP Basic as ocm-sdk-go sends them."""
    scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HttpProblem(401, "Malformed basic credentials") from None
        return user, password
    return form.get("client_id", ""), form.get("client_secret", "")
