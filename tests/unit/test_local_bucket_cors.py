"""The local bucket's CORS follows the runtime's real origin (PORT), not only the template's
`tawasul:allowedOrigins` (port 8080): otherwise every browser upload's preflight fails."""

from __future__ import annotations

from local.provision import _s3_cors_rule

TEMPLATE_RULE = {
    "AllowedMethods": ["POST"],
    "AllowedOrigins": ["http://127.0.0.1:8080", "http://localhost:8080"],
    "AllowedHeaders": ["*"],
    "MaxAge": 3000,
}
RUNTIME = ["http://127.0.0.1:8391", "http://localhost:8391"]


def test_the_runtime_origins_are_added_to_the_template_rule() -> None:
    rule = _s3_cors_rule(TEMPLATE_RULE, RUNTIME)
    assert rule["AllowedOrigins"] == [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://127.0.0.1:8391",
        "http://localhost:8391",
    ]
    assert rule["AllowedMethods"] == ["POST"] and rule["MaxAgeSeconds"] == 3000


def test_a_rule_open_to_every_origin_or_already_listing_them_is_left_as_it_is() -> None:
    assert _s3_cors_rule({**TEMPLATE_RULE, "AllowedOrigins": ["*"]}, RUNTIME)["AllowedOrigins"] == ["*"]
    same = _s3_cors_rule(TEMPLATE_RULE, ["http://127.0.0.1:8080", "http://localhost:8080"])
    assert same["AllowedOrigins"] == TEMPLATE_RULE["AllowedOrigins"]
