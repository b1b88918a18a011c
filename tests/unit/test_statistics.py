"""The definitions of docs/reports.md: a case's contribution, periods, growth, rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tawasul.domain import statistics as st
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseType,
    Channel,
    EventKind,
    Language,
    TimelineEntry,
    Visibility,
)
from tawasul.domain.lifecycle import Status

T0 = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)  # 00:30 on 2 March in Bahrain


def _case(entity_id: str = "moh", created: datetime = T0) -> Case:
    return Case(
        reference="TW-AAAA-AAAA-AAAA",
        type=CaseType.COMPLAINT,
        entity_id=entity_id,
        subject="s",
        description="d",
        language=Language.AR,
        channel=Channel.APP,
        status=Status.SUBMITTED,
        citizen_id="c",
        created_at=created,
        updated_at=created,
        due_at=created + timedelta(days=5),
    )


def _entry(kind: EventKind, at: datetime, **data: str) -> TimelineEntry:
    return TimelineEntry(
        event_id=f"{at.isoformat()}#0000",
        kind=kind.value,
        at=at,
        actor_role=ActorRole.SYSTEM,
        visibility=Visibility.PUBLIC,
        data=data,
    )


def test_a_case_counts_on_its_local_submission_day_for_the_addressed_entity() -> None:
    timeline = [_entry(EventKind.SUBMITTED, T0)]
    assert st.contribution(_case(), timeline) == {
        ("2026-03-02", "moh"): {"total": 1, "type_complaint": 1, "channel_app": 1}
    }


def test_the_first_answer_in_time_counts_once_with_its_calendar_hours() -> None:
    timeline = [
        _entry(EventKind.SUBMITTED, T0),
        _entry(EventKind.RESPONDED, T0 + timedelta(hours=30)),
        _entry(EventKind.REOPENED, T0 + timedelta(hours=40)),
        _entry(EventKind.RESPONDED, T0 + timedelta(hours=50)),
        _entry(EventKind.SURVEY_ANSWERED, T0 + timedelta(hours=60), satisfaction="5"),
    ]
    row = st.contribution(_case(), timeline)[("2026-03-02", "moh")]
    assert row["answered_in_time"] == 1 and "breached" not in row
    assert (row["first_responses"], row["first_response_seconds"]) == (1, 30 * 3600)
    assert (row["reopened"], row["satisfaction_count"], row["satisfaction_sum"]) == (1, 1, 5)


def test_a_breach_before_the_first_answer_counts_once_even_when_answered_later() -> None:
    timeline = [
        _entry(EventKind.SUBMITTED, T0),
        _entry(EventKind.ESCALATED, T0 + timedelta(days=5), level="1", entity_id="moh"),
        _entry(EventKind.ESCALATED, T0 + timedelta(days=7), level="2", entity_id="moh"),
        _entry(EventKind.RESPONDED, T0 + timedelta(days=8)),
    ]
    row = st.contribution(_case(), timeline)[("2026-03-02", "moh")]
    assert row["breached"] == 1 and "answered_in_time" not in row


def test_a_transfer_moves_the_sla_outcome_but_not_the_total() -> None:
    timeline = [
        _entry(EventKind.SUBMITTED, T0),
        _entry(EventKind.TRANSFERRED, T0 + timedelta(hours=1), from_entity="moe", to_entity="moh"),
        _entry(EventKind.RESPONDED, T0 + timedelta(hours=3)),
    ]
    rows = st.contribution(_case(entity_id="moh"), list(reversed(timeline)))  # any order
    assert rows[("2026-03-02", "moe")] == {
        "total": 1,
        "type_complaint": 1,
        "channel_app": 1,
        "transferred_out": 1,
    }
    assert rows[("2026-03-02", "moh")] == {
        "transferred_in": 1,
        "answered_in_time": 1,
        "first_responses": 1,
        "first_response_seconds": 3 * 3600,
    }


def test_the_difference_is_what_to_add_and_nothing_for_a_repeat() -> None:
    before = {("d", "moh"): {"total": 1}}
    after = {("d", "moh"): {"total": 1, "breached": 1}, ("d", "moe"): {"transferred_in": 1}}
    assert st.difference(after, before) == {
        ("d", "moh"): {"breached": 1},
        ("d", "moe"): {"transferred_in": 1},
    }
    assert st.difference(after, after) == {}
    assert st.difference({}, before) == {("d", "moh"): {"total": -1}}
    assert st.decode_contribution(st.encode_contribution(after)) == after


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-3-01", "2026-04-01", "invalid_date"),
        ("2026-02-30", "2026-04-01", "invalid_date"),
        ("2026-04-02", "2026-04-01", "invalid_period"),
        ("2020-01-01", "2023-01-01", "period_too_long"),
    ],
)
def test_bad_periods_are_refused(start: str, end: str, code: str) -> None:
    with pytest.raises(st.PeriodError) as refused:
        st.parse_period(start, end)
    assert refused.value.code == code and refused.value.message_ar


def test_period_arithmetic() -> None:
    period = st.parse_period("2020-01-01", "2022-12-31")  # exactly three years is allowed
    assert len(period.months()) == 36
    leap = st.parse_period("2024-02-29", "2024-03-02")
    assert leap.previous_year() == st.Period(date(2023, 2, 28), date(2023, 3, 2))
    assert st.parse_period("2020-01-15", "2020-03-01").months() == ["2020-01", "2020-02", "2020-03"]


def test_rates_growth_and_rounding() -> None:
    assert st.within_sla_pct(2, 1) == 66.7
    assert st.within_sla_pct(0, 0) is None
    assert st.growth_pct(10_001, 4_654) == 114.9
    assert st.growth_pct(5, 0) is None
    assert st.growth_pct(1, 2) == -50.0
    assert st.rounded(0.125, 2) == 0.13  # half up, not to even
    assert st.satisfaction_avg({"satisfaction_sum": 7, "satisfaction_count": 2}) == 3.5
    assert st.avg_first_response_hours({"first_response_seconds": 5400, "first_responses": 1}) == 1.5
    assert st.avg_first_response_hours({}) is None
