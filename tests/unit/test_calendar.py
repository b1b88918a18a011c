"""Business calendar: due times, working seconds and the pause/resume arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tawasul.domain.calendar import BusinessCalendar

BAHRAIN = ZoneInfo("Asia/Bahrain")
CAL = BusinessCalendar.bahrain_default()
WORKING_DAY = 7 * 3600


def bh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BAHRAIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Instants across 2026-2027 (the years the holiday list covers), whole seconds, any zone offset.
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 11, 30),
    timezones=st.sampled_from([UTC, BAHRAIN, ZoneInfo("Europe/London")]),
).map(lambda value: value.replace(microsecond=0))
day_counts = st.integers(min_value=0, max_value=30)
second_counts = st.integers(min_value=0, max_value=30 * WORKING_DAY)


def in_working_hours_or_end(value: datetime) -> bool:
    local = value.astimezone(BAHRAIN)
    return CAL.is_working_day(local.date()) and time(7) <= local.time() <= time(14)


# -- configuration ------------------------------------------------------------------------------


def test_bahrain_default_is_sunday_to_thursday_seven_to_two() -> None:
    # Given the packaged calendar / When it loads / Then it has the Bahrain government week
    assert CAL.time_zone == "Asia/Bahrain"
    assert CAL.week == frozenset({6, 0, 1, 2, 3})
    assert (CAL.day_start, CAL.day_end) == (time(7), time(14))
    assert BusinessCalendar.bahrain_default() is CAL


def test_from_dict_accepts_the_json_shape() -> None:
    cal = BusinessCalendar.from_dict(
        {
            "time_zone": "Asia/Bahrain",
            "week": ["sun", "mon"],
            "day_start": "08:00",
            "day_end": "12:30",
            "holidays": ["2026-01-04"],
        }
    )
    assert cal.week == frozenset({6, 0})
    assert cal.day_end == time(12, 30)
    assert not cal.is_working_day(date(2026, 1, 4))
    assert cal.is_working_day(date(2026, 1, 5))


@pytest.mark.parametrize(
    "data",
    [
        {"time_zone": "Asia/Bahrain", "week": [], "day_start": "07:00", "day_end": "14:00"},
        {"time_zone": "Asia/Bahrain", "week": ["sun"], "day_start": "14:00", "day_end": "07:00"},
        {"time_zone": "Asia/Bahrain", "week": ["funday"], "day_start": "07:00", "day_end": "14:00"},
    ],
)
def test_from_dict_rejects_unusable_calendars(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar.from_dict(data)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 1, 4, 9)
    with pytest.raises(ValueError):
        CAL.add_business_days(naive, 1)
    with pytest.raises(ValueError):
        CAL.add_business_seconds(naive, 1)
    with pytest.raises(ValueError):
        CAL.business_seconds_between(naive, utc(2026, 1, 5))
    with pytest.raises(ValueError):
        CAL.warn_time(utc(2026, 1, 4), naive)


def test_negative_amounts_are_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_business_days(bh(2026, 1, 4, 9), -1)
    with pytest.raises(ValueError):
        CAL.add_business_seconds(bh(2026, 1, 4, 9), -1)


def test_working_days() -> None:
    assert CAL.is_working_day(date(2026, 1, 4))  # Sunday
    assert CAL.is_working_day(date(2026, 1, 8))  # Thursday
    assert not CAL.is_working_day(date(2026, 1, 9))  # Friday
    assert not CAL.is_working_day(date(2026, 1, 10))  # Saturday
    assert not CAL.is_working_day(date(2026, 1, 1))  # New Year, a Thursday
    assert not CAL.is_working_day(date(2026, 12, 16))  # National Day


# -- add_business_days: the due-time rule -------------------------------------------------------


def test_thursday_submission_due_next_sunday_for_one_day() -> None:
    # Given a case sent on Thursday 8 Jan 2026 at 10:00 Bahrain time
    start = bh(2026, 1, 8, 10)
    # When it has one business day
    due = CAL.add_business_days(start, 1)
    # Then it is due at the end of Sunday 11 Jan (Friday and Saturday are the weekend)
    assert due == bh(2026, 1, 11, 14)
    assert due.tzinfo is UTC
    assert due == utc(2026, 1, 11, 11)


def test_thursday_submission_due_following_thursday_for_five_days() -> None:
    # Given a Thursday submission / When it has five business days / Then the next Thursday, 14:00
    assert CAL.add_business_days(bh(2026, 1, 8, 10), 5) == bh(2026, 1, 15, 14)


def test_zero_days_is_the_end_of_the_submission_day() -> None:
    assert CAL.add_business_days(bh(2026, 1, 8, 10), 0) == bh(2026, 1, 8, 14)


def test_after_closing_time_counts_from_the_next_working_day() -> None:
    # Given a case sent on Thursday at 14:00 sharp (closing time) and one at 20:00
    # Then day 0 is Sunday, so one business day is Monday's end
    assert CAL.add_business_days(bh(2026, 1, 8, 14), 1) == bh(2026, 1, 12, 14)
    assert CAL.add_business_days(bh(2026, 1, 8, 20), 1) == bh(2026, 1, 12, 14)
    # And before opening time the day still counts as day 0
    assert CAL.add_business_days(bh(2026, 1, 8, 6), 1) == bh(2026, 1, 11, 14)


def test_weekend_submission_counts_from_sunday() -> None:
    # Given a case sent on Friday 9 Jan 2026 / When one business day / Then due Monday 12 Jan
    assert CAL.add_business_days(bh(2026, 1, 9, 11), 1) == bh(2026, 1, 12, 14)
    assert CAL.add_business_days(bh(2026, 1, 10, 23, 59), 0) == bh(2026, 1, 11, 14)


def test_holiday_is_skipped() -> None:
    # Given Labour Day 2027 (Sat 1 May) and Eid al-Adha 2027 (15-18 May): a Thursday case
    # When three business days are added to Thu 13 May 2027
    due = CAL.add_business_days(bh(2027, 5, 13, 9), 3)
    # Then Sun 16, Mon 17, Tue 18 are skipped: Wed 19, Thu 20, Sun 23
    assert due == bh(2027, 5, 23, 14)


def test_national_day_is_skipped() -> None:
    # Given a case sent on Tuesday 15 Dec 2026 / When one business day is added
    # Then National Day (Wed 16 and Thu 17 Dec) and the weekend are skipped: due Sunday 20 Dec
    assert CAL.add_business_days(bh(2026, 12, 15, 9), 1) == bh(2026, 12, 20, 14)


def test_submission_on_a_holiday_counts_from_the_next_working_day() -> None:
    # Given a case sent on National Day / Then day 0 is Sunday 20 Dec
    assert CAL.add_business_days(bh(2026, 12, 16, 9), 0) == bh(2026, 12, 20, 14)
    assert CAL.add_business_days(bh(2026, 12, 16, 9), 2) == bh(2026, 12, 22, 14)


def test_thirty_days_is_fast_and_correct() -> None:
    # Given Sunday 4 Jan 2026 / When 30 business days (6 weeks, no holidays in between)
    assert CAL.add_business_days(bh(2026, 1, 4, 9), 30) == bh(2026, 2, 15, 14)


# -- add_business_seconds ------------------------------------------------------------------------


def test_seconds_within_the_same_day() -> None:
    assert CAL.add_business_seconds(bh(2026, 1, 4, 9), 3600) == bh(2026, 1, 4, 10)


def test_seconds_landing_on_closing_time_stay_on_that_day() -> None:
    assert CAL.add_business_seconds(bh(2026, 1, 4, 13), 3600) == bh(2026, 1, 4, 14)


def test_seconds_roll_over_the_weekend() -> None:
    # Given Thursday 13:00 / When two working hours are added / Then Sunday 08:00
    assert CAL.add_business_seconds(bh(2026, 1, 8, 13), 7200) == bh(2026, 1, 11, 8)


def test_zero_seconds_outside_hours_moves_to_the_next_opening() -> None:
    assert CAL.add_business_seconds(bh(2026, 1, 9, 12), 0) == bh(2026, 1, 11, 7)
    assert CAL.add_business_seconds(bh(2026, 1, 8, 6), 0) == bh(2026, 1, 8, 7)


# -- business_seconds_between and warn_time ------------------------------------------------------


def test_seconds_between_over_a_weekend() -> None:
    # Thursday 13:00 → Sunday 08:00 is one hour on Thursday and one on Sunday
    assert CAL.business_seconds_between(bh(2026, 1, 8, 13), bh(2026, 1, 11, 8)) == 7200
    assert CAL.business_seconds_between(bh(2026, 1, 11, 8), bh(2026, 1, 8, 13)) == 0


def test_seconds_between_a_working_week() -> None:
    assert CAL.business_seconds_between(bh(2026, 1, 4), bh(2026, 1, 11)) == 5 * WORKING_DAY


def test_warn_time_three_quarters_of_a_day() -> None:
    # Given a case at Sunday 07:00 due at Sunday 14:00 / Then the warning is at 12:15
    start, due = bh(2026, 1, 4, 7), bh(2026, 1, 4, 14)
    assert CAL.warn_time(start, due) == bh(2026, 1, 4, 12, 15)
    assert CAL.warn_time(start, due, 0) == start
    assert CAL.warn_time(start, due, 1) == due


def test_warn_time_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        CAL.warn_time(bh(2026, 1, 5, 9), bh(2026, 1, 4, 9))
    with pytest.raises(ValueError):
        CAL.warn_time(bh(2026, 1, 4, 9), bh(2026, 1, 5, 9), 1.5)


# -- properties ----------------------------------------------------------------------------------


@given(start=instants, days=day_counts)
def test_due_is_the_end_of_a_working_day_after_start(start: datetime, days: int) -> None:
    due = CAL.add_business_days(start, days)
    local = due.astimezone(BAHRAIN)
    assert due.tzinfo is UTC
    assert due > start
    assert CAL.is_working_day(local.date())
    assert local.time() == time(14)


@given(start=instants, days=day_counts)
def test_due_is_monotone_in_days(start: datetime, days: int) -> None:
    assert CAL.add_business_days(start, days) < CAL.add_business_days(start, days + 1)


@given(a=instants, b=instants, days=day_counts)
def test_due_is_monotone_in_start(a: datetime, b: datetime, days: int) -> None:
    early, late = sorted((a, b))
    assert CAL.add_business_days(early, days) <= CAL.add_business_days(late, days)


@given(start=instants, days=day_counts)
def test_due_allows_at_least_days_of_working_time(start: datetime, days: int) -> None:
    # N business days after day 0 leave at least N full working days before the due time
    assert CAL.business_seconds_between(start, CAL.add_business_days(start, days)) >= days * WORKING_DAY


@given(start=instants, seconds=second_counts)
def test_add_seconds_lands_in_working_hours(start: datetime, seconds: int) -> None:
    result = CAL.add_business_seconds(start, seconds)
    assert result.tzinfo is UTC
    assert result >= start
    assert in_working_hours_or_end(result)


@given(start=instants, seconds=second_counts)
def test_seconds_between_inverts_add_seconds(start: datetime, seconds: int) -> None:
    assert CAL.business_seconds_between(start, CAL.add_business_seconds(start, seconds)) == seconds


@given(start=instants, days=day_counts, data=st.data())
def test_pause_and_resume_keeps_the_remaining_time(start: datetime, days: int, data: st.DataObject) -> None:
    # Given a clock from start to due, paused at p and resumed later at r
    due = CAL.add_business_days(start, days)
    span = int((due - start).total_seconds())
    pause = start + timedelta(seconds=data.draw(st.integers(0, span), label="pause offset"))
    resume = pause + timedelta(seconds=data.draw(st.integers(0, 30 * 86400), label="pause length"))
    # When it resumes with the remaining business time
    used = CAL.business_seconds_between(start, pause)
    remaining = CAL.business_seconds_between(pause, due)
    new_due = CAL.add_business_seconds(resume, remaining)
    # Then the whole budget is kept and the new due time follows exactly that remainder
    assert used + remaining == CAL.business_seconds_between(start, due)
    assert CAL.business_seconds_between(resume, new_due) == remaining
    assert in_working_hours_or_end(new_due)
    assert new_due >= due


@given(start=instants, days=day_counts)
def test_resume_without_pause_keeps_the_due_time(start: datetime, days: int) -> None:
    due = CAL.add_business_days(start, days)
    assert CAL.add_business_seconds(start, CAL.business_seconds_between(start, due)) == due


@given(a=instants, b=instants, c=instants)
def test_seconds_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert CAL.business_seconds_between(a, c) == (
        CAL.business_seconds_between(a, b) + CAL.business_seconds_between(b, c)
    )


@given(
    start=instants,
    days=day_counts,
    fraction=st.fractions(min_value=0, max_value=1, max_denominator=100),
)
def test_warn_time_lies_between_start_and_due(start: datetime, days: int, fraction: Fraction) -> None:
    due = CAL.add_business_days(start, days)
    warn = CAL.warn_time(start, due, fraction)
    assert start <= warn <= due
    assert CAL.warn_time(start, due) <= due
