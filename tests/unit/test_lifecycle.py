"""Every legal and every illegal transition of the lifecycle table."""

from __future__ import annotations

import itertools

import pytest

from tawasul.domain.lifecycle import TRANSITIONS, Action, Status, next_status
from tawasul.errors import IllegalTransition

S, A = Status, Action

EXPECTED: dict[tuple[Status, Action], Status] = {
    (S.SUBMITTED, A.START): S.IN_PROGRESS,
    (S.REOPENED, A.START): S.IN_PROGRESS,
    (S.SUBMITTED, A.ASSIGN): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.ASSIGN): S.IN_PROGRESS,
    (S.REOPENED, A.ASSIGN): S.IN_PROGRESS,
    (S.AWAITING_INFO, A.ASSIGN): S.AWAITING_INFO,
    (S.SUBMITTED, A.RESPOND): S.RESPONDED,
    (S.IN_PROGRESS, A.RESPOND): S.RESPONDED,
    (S.REOPENED, A.RESPOND): S.RESPONDED,
    (S.AWAITING_INFO, A.RESPOND): S.RESPONDED,
    (S.SUBMITTED, A.REQUEST_INFO): S.AWAITING_INFO,
    (S.IN_PROGRESS, A.REQUEST_INFO): S.AWAITING_INFO,
    (S.REOPENED, A.REQUEST_INFO): S.AWAITING_INFO,
    (S.AWAITING_INFO, A.PROVIDE_INFO): S.IN_PROGRESS,
    (S.SUBMITTED, A.TRANSFER): S.SUBMITTED,
    (S.IN_PROGRESS, A.TRANSFER): S.SUBMITTED,
    (S.REOPENED, A.TRANSFER): S.SUBMITTED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.IN_PROGRESS, A.REJECT): S.REJECTED,
    (S.REOPENED, A.REJECT): S.REJECTED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_PROGRESS, A.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_INFO, A.WITHDRAW): S.WITHDRAWN,
    (S.REOPENED, A.WITHDRAW): S.WITHDRAWN,
    (S.RESPONDED, A.CLOSE): S.CLOSED,
    (S.RESPONDED, A.REOPEN): S.REOPENED,
    (S.CLOSED, A.REOPEN): S.REOPENED,
}


def test_table_is_exactly_the_designed_lifecycle() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize("pair", sorted(EXPECTED, key=str), ids=lambda p: f"{p[0]}-{p[1]}")
def test_legal_transition(pair: tuple[Status, Action]) -> None:
    assert next_status(*pair) == EXPECTED[pair]


ILLEGAL = [p for p in itertools.product(Status, Action) if p not in EXPECTED]


@pytest.mark.parametrize("pair", ILLEGAL, ids=lambda p: f"{p[0]}-{p[1]}")
def test_illegal_transition_is_409(pair: tuple[Status, Action]) -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_status(*pair)
    assert raised.value.status == 409


@pytest.mark.parametrize("final", [S.CLOSED, S.REJECTED, S.WITHDRAWN])
def test_no_work_on_final_cases(final: Status) -> None:
    for action in (A.RESPOND, A.REQUEST_INFO, A.TRANSFER, A.REJECT, A.WITHDRAW, A.ASSIGN):
        with pytest.raises(IllegalTransition):
            next_status(final, action)


def test_withdraw_only_before_responded() -> None:
    with pytest.raises(IllegalTransition):
        next_status(S.RESPONDED, A.WITHDRAW)
