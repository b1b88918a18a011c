"""Reports API: the national table, the entity league (JSON and CSV), the monthly series, and
the public performance page. Reads counters only (docs/reports.md, decision 010)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths

from tawasul.api.http import JSON, caller_of, create_app, resolve
from tawasul.api.report_models import Monthly, PublicPerformance, Summary
from tawasul.api.routing import QueryParam, Response, Routes
from tawasul.config import get_settings
from tawasul.domain.access import reads_reports
from tawasul.observability import logger, metrics
from tawasul.services.reports import reports

api = Routes()
PUBLIC = frozenset({"GET /v1/public/performance"})  # infra/routes.py: public=True
Day = Annotated[str | None, QueryParam(alias="from", max_length=10, description="YYYY-MM-DD, inclusive")]
Until = Annotated[str | None, QueryParam(max_length=10, description="YYYY-MM-DD, inclusive")]
EntityFilter = Annotated[str | None, QueryParam(max_length=64, description="one entity (default: your own)")]
PUBLIC_CACHE_CONTROL = "public, max-age=300"


@api.get("/v1/reports/summary", summary="The national table and the entity league of a period")
def get_summary(
    from_: Day = None,
    to: Until = None,
    compare: Annotated[str | None, QueryParam(max_length=20, description="previous_year")] = None,
    entity_id: EntityFilter = None,
) -> Response[Summary]:
    body = reports().summary(caller_of(api), from_, to, compare, entity_id)
    return Response(
        status_code=200,
        content_type=JSON,
        body=Summary.model_validate(body),
        headers={"Cache-Control": "private, no-store"},
    )


@api.get(
    "/v1/reports/summary.csv",
    summary="The entity league as CSV (UTF-8 with BOM, RFC 4180)",
    responses={200: {"description": "CSV", "content": {"text/csv": {}}}},
)
def get_summary_csv(from_: Day = None, to: Until = None, entity_id: EntityFilter = None) -> Response[str]:
    text = reports().summary_csv(caller_of(api), from_, to, entity_id)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=text,
        headers={
            "Content-Disposition": 'attachment; filename="tawasul-summary.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@api.get("/v1/reports/monthly", summary="Month by month: totals, channels, SLA outcomes")
def get_monthly(from_: Day = None, to: Until = None, entity_id: EntityFilter = None) -> Response[Monthly]:
    body = reports().monthly(caller_of(api), from_, to, entity_id)
    return Response(
        status_code=200,
        content_type=JSON,
        body=Monthly.model_validate(body),
        headers={"Cache-Control": "private, no-store"},
    )


@api.get("/v1/public/performance", summary="How every entity answers (public, no sign-in)")
def get_performance(from_: Day = None, to: Until = None) -> Response[PublicPerformance]:
    body = reports().public(from_, to)
    return Response(
        status_code=200,
        content_type=JSON,
        body=PublicPerformance.model_validate(body),
        headers={"Cache-Control": PUBLIC_CACHE_CONTROL},
    )


app = create_app(api)  # the resolver: each route's validators are built on its first request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings()
    return resolve(app, event, context, audience=reads_reports, public=PUBLIC)
