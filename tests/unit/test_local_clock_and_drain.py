"""The local runtime's clock can start at a chosen instant, and its drain counts the work that
state machine executions have to do now (tasks running, Waits whose time has come)."""

from __future__ import annotations

import datetime as dt

from local.clock import LocalClock
from local.stepfunctions import Activity

LEAP_DAY = dt.datetime(2028, 2, 29, 20, 30, tzinfo=dt.UTC)


def test_a_clock_started_at_an_instant_runs_on_from_it_and_resets_to_it() -> None:
    # Given a clock started on 29 February
    clock = LocalClock()
    clock.start_at(LEAP_DAY)
    assert abs((clock.now() - LEAP_DAY).total_seconds()) < 60

    # When a test moves it by a week and then resets it
    clock.advance(7 * 86400)
    assert clock.now() - LEAP_DAY > dt.timedelta(days=6)
    clock.reset()

    # Then it is back at the start instant, not at real time
    assert abs((clock.now() - LEAP_DAY).total_seconds()) < 60


def test_waits_count_as_pending_only_once_their_time_has_come() -> None:
    # Given one execution waiting an hour from now, another whose wait ended a second ago
    activity = Activity()
    now = LEAP_DAY
    activity.waiting(1, now + dt.timedelta(hours=1))
    activity.waiting(2, now - dt.timedelta(seconds=1))

    # Then only the second is work to wait for
    assert activity.pending(now) == 1

    # When the clock passes the first, both are; and once they woke, neither is
    assert activity.pending(now + dt.timedelta(hours=2)) == 2
    activity.woke(1)
    activity.woke(2)
    assert activity.pending(now + dt.timedelta(hours=2)) == 0
    assert activity.last_activity > 0


def test_a_running_task_is_pending_until_it_ends() -> None:
    activity = Activity()
    activity.task_started()
    assert activity.pending(LEAP_DAY) == 1
    activity.task_ended()
    assert activity.pending(LEAP_DAY) == 0
