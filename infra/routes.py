"""The HTTP API route table: one place for the CDK api construct, the local gateway's tests,
the authorization matrix and the OpenAPI generator. Pure Python: no CDK import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway syntax: /v1/cases/{reference}
    function: str  # folder name under functions/
    public: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/entities", "citizen_api", public=True),
    Route("POST", "/v1/cases", "citizen_api"),
    Route("GET", "/v1/cases", "citizen_api"),
    Route("GET", "/v1/cases/{reference}", "citizen_api"),
    Route("POST", "/v1/cases/{reference}/messages", "citizen_api"),
    Route("POST", "/v1/cases/{reference}/withdraw", "citizen_api"),
    Route("POST", "/v1/cases/{reference}/attachments", "citizen_api"),
    Route("GET", "/v1/cases/{reference}/attachments", "citizen_api"),
    Route("GET", "/v1/cases/{reference}/attachments/{attachment_id}", "citizen_api"),
    Route("GET", "/v1/cases/{reference}/survey", "citizen_api"),
    Route("POST", "/v1/cases/{reference}/survey", "citizen_api"),
    Route("POST", "/v1/cases/{reference}/reopen", "citizen_api"),
    Route("GET", "/v1/staff/queue", "staff_api"),
    Route("POST", "/v1/staff/cases", "staff_api"),
    Route("GET", "/v1/staff/cases/{reference}", "staff_api"),
    *(
        Route("POST", f"/v1/staff/cases/{{reference}}/{action}", "staff_api")
        for action in (
            "assign",
            "respond",
            "request-info",
            "notes",
            "transfer",
            "reject",
            "outcome",
            "extend",
        )
    ),
    Route("POST", "/v1/staff/cases/{reference}/attachments", "staff_api"),
    Route("GET", "/v1/staff/cases/{reference}/attachments", "staff_api"),
    Route("GET", "/v1/staff/cases/{reference}/attachments/{attachment_id}", "staff_api"),
    Route("POST", "/v1/admin/entities", "admin_api"),
    Route("GET", "/v1/admin/entities/{entity_id}", "admin_api"),
    Route("PATCH", "/v1/admin/entities/{entity_id}", "admin_api"),
    Route("PUT", "/v1/admin/entities/{entity_id}/sla/{case_type}", "admin_api"),
    Route("PUT", "/v1/admin/entities/{entity_id}/calendar", "admin_api"),
    Route("GET", "/v1/admin/entities/{entity_id}/audit", "admin_api"),
    Route("POST", "/v1/admin/erasures", "admin_api"),
    Route("GET", "/v1/reports/summary", "reports"),
    Route("GET", "/v1/reports/summary.csv", "reports"),
    Route("GET", "/v1/reports/monthly", "reports"),
    Route("GET", "/v1/public/performance", "reports", public=True),
    Route("GET", "/v1/me/preferences", "citizen_api"),
    Route("PUT", "/v1/me/preferences", "citizen_api"),
    Route("POST", "/v1/me/phone", "citizen_api"),
    Route("POST", "/v1/me/phone/verify", "citizen_api"),
    Route("GET", "/v1/me/export", "citizen_api"),
    Route("GET", "/v1/staff/entities/{entity_id}/replies", "staff_api"),
    Route("POST", "/v1/staff/entities/{entity_id}/replies", "staff_api"),
    Route("PUT", "/v1/staff/entities/{entity_id}/replies/{template_id}", "staff_api"),
    Route("DELETE", "/v1/staff/entities/{entity_id}/replies/{template_id}", "staff_api"),
)

API_FUNCTIONS: tuple[str, ...] = tuple(dict.fromkeys(r.function for r in ROUTES))
