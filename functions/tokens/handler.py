"""Cognito pre-token-generation trigger: citizens federated from the national identity provider
are put in the `citizen` group of their tokens (the API's citizen routes require it)."""

from __future__ import annotations

from typing import Any

from tawasul.domain.access import groups_at_sign_in
from tawasul.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("request") or {}
    attributes = request.get("userAttributes") or {}
    current = list((request.get("groupConfiguration") or {}).get("groupsToOverride") or [])
    federated = (
        bool(attributes.get("identities")) or attributes.get("cognito:user_status") == "EXTERNAL_PROVIDER"
    )
    groups = groups_at_sign_in(current, federated)
    if groups is not None:
        event.setdefault("response", {})["claimsOverrideDetails"] = {
            "groupOverrideDetails": {"groupsToOverride": groups}
        }
        logger.info("federated citizen token", extra={"trigger": event.get("triggerSource")})
    return event
