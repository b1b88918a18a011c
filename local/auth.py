"""A local identity provider and the HTTP API JWT authorizer's checks.

Tokens are Cognito-shaped ID tokens (RS256) signed with a key generated for this run. The issuer
and audience are those the template's JWT authorizer expects of the user pool (resolved to the
local pool id), so a token minted here passes exactly the checks the authorizer makes on AWS:
signature, `iss`, `aud` (or `client_id`), `exp`, `nbf`, `iat` — against the runtime's clock.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_TTL_SECONDS = 3600


class Unauthorized(Exception):
    """The request carries no valid token for the route (HTTP API answers 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """The token is valid but lacks a scope the route requires (HTTP API answers 403)."""


class LocalIdentityProvider:
    def __init__(self, issuer: str, audience: str, clock: Callable[[], datetime]) -> None:
        self.issuer = issuer
        self.audience = audience
        self._clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)

    # -- minting
    def mint(
        self,
        sub: str,
        groups: Iterable[str] = (),
        *,
        email: str | None = None,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = self._clock()
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "sub": sub,
            "cognito:groups": list(groups),
            "cognito:username": sub,
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "auth_time": issued,
            "iat": issued,
            "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
            "jti": str(uuid.uuid4()),
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
        }
        if email is not None:
            claims["email"] = email
            claims["email_verified"] = True
        claims.update(extra or {})
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        public.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [public]}

    # -- verifying (what the HTTP API JWT authorizer does)
    def verify(
        self, token: str, *, issuer: str | None = None, audience: Iterable[str] = ()
    ) -> dict[str, Any]:
        """The verified claims, or Unauthorized."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        if header.get("kid") != self.kid:
            raise Unauthorized("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid signature") from exc
        expected_issuer = issuer or self.issuer
        if claims.get("iss") != expected_issuer:
            raise Unauthorized("wrong issuer")
        audiences = set(audience) or {self.audience}
        token_audience = claims.get("aud", claims.get("client_id"))
        token_audiences = set(token_audience) if isinstance(token_audience, list) else {token_audience}
        if not token_audiences & audiences:
            raise Unauthorized("wrong audience")
        now = self._clock().timestamp()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or now >= exp:
            raise Unauthorized("the token has expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and now < nbf:
            raise Unauthorized("the token is not valid yet")
        iat = claims.get("iat")
        if isinstance(iat, (int, float)) and iat > now + 1:
            raise Unauthorized("the token was issued in the future")
        return claims


def bearer_token(header_value: str | None) -> str | None:
    """The token of an Authorization header (`Bearer <jwt>`, or the bare token as HTTP API accepts)."""
    if not header_value:
        return None
    value = header_value.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return value or None


def require_scopes(claims: dict[str, Any], scopes: list[str]) -> list[str] | None:
    """The token's scopes; Forbidden when the route needs one the token lacks."""
    raw = claims.get("scope", claims.get("scp"))
    token_scopes = raw.split() if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
    if scopes and not set(scopes) & set(token_scopes):
        raise Forbidden("insufficient scope")
    return token_scopes or None


def flatten_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as HTTP API hands them to the integration: every value a string, arrays as `[a b c]`."""
    return {key: _flatten(value) for key, value in claims.items()}


def _flatten(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_flatten(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_flatten(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
