"""Cognito pre-token-generation trigger.

- Citizens federated from the national identity provider are put in the `citizen` group of their
  tokens (the API's citizen routes require it).
- The national id claim (`custom:national_id`) is vouched for by the national identity provider
  only: for any user who did not sign in through it, the claim is suppressed from the tokens, so
  no one can claim another person's call-centre cases by writing the attribute themselves.
"""

from __future__ import annotations

from typing import Any

from tawasul.domain.access import claims_to_suppress, groups_at_sign_in
from tawasul.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("request") or {}
    attributes = request.get("userAttributes") or {}
    current = list((request.get("groupConfiguration") or {}).get("groupsToOverride") or [])
    federated = (
        bool(attributes.get("identities")) or attributes.get("cognito:user_status") == "EXTERNAL_PROVIDER"
    )
    override: dict[str, Any] = {}
    groups = groups_at_sign_in(current, federated)
    if groups is not None:
        override["groupOverrideDetails"] = {"groupsToOverride": groups}
    suppressed = claims_to_suppress(attributes, federated)
    if suppressed:
        override["claimsToSuppress"] = suppressed
    if override:
        event.setdefault("response", {})["claimsOverrideDetails"] = override
    logger.info(
        "token claims",
        extra={"trigger": event.get("triggerSource"), "federated": federated, "suppressed": len(suppressed)},
    )
    return event
