"""The case lifecycle as one explicit transition table (DESIGN.md).

Every (status, action) pair not in ``TRANSITIONS`` is illegal and answered with 409.
"""

from __future__ import annotations

from enum import StrEnum

from tawasul.errors import IllegalTransition


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    AWAITING_INFO = "awaiting_info"
    RESPONDED = "responded"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REOPENED = "reopened"


class Action(StrEnum):
    START = "start"  # assignment or any first staff action
    ASSIGN = "assign"
    RESPOND = "respond"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"  # the citizen answers an information request
    TRANSFER = "transfer"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    REOPEN = "reopen"


S, A = Status, Action
_WORKABLE = (S.SUBMITTED, S.IN_PROGRESS, S.REOPENED)

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.SUBMITTED, A.START): S.IN_PROGRESS,
    (S.REOPENED, A.START): S.IN_PROGRESS,
    (S.SUBMITTED, A.ASSIGN): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.ASSIGN): S.IN_PROGRESS,
    (S.REOPENED, A.ASSIGN): S.IN_PROGRESS,
    (S.AWAITING_INFO, A.ASSIGN): S.AWAITING_INFO,
    **{(s, A.RESPOND): S.RESPONDED for s in (*_WORKABLE, S.AWAITING_INFO)},
    **{(s, A.REQUEST_INFO): S.AWAITING_INFO for s in _WORKABLE},
    (S.AWAITING_INFO, A.PROVIDE_INFO): S.IN_PROGRESS,
    **{(s, A.TRANSFER): S.SUBMITTED for s in _WORKABLE},
    **{(s, A.REJECT): S.REJECTED for s in _WORKABLE},
    **{(s, A.WITHDRAW): S.WITHDRAWN for s in (*_WORKABLE, S.AWAITING_INFO)},
    (S.RESPONDED, A.CLOSE): S.CLOSED,
    (S.RESPONDED, A.REOPEN): S.REOPENED,
    (S.CLOSED, A.REOPEN): S.REOPENED,
}

#: Statuses in which nobody works the case any more.
FINAL: frozenset[Status] = frozenset({S.CLOSED, S.REJECTED, S.WITHDRAWN})
#: Statuses in which the citizen may still write to the entity.
OPEN_FOR_MESSAGES: frozenset[Status] = frozenset({*_WORKABLE, S.AWAITING_INFO})


def next_status(current: Status, action: Action) -> Status:
    """The status after ``action``, or ``IllegalTransition``."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(
            f"A case that is {current.value} cannot be {_PAST[action]}.",
        ) from None


_PAST = {
    A.START: "started",
    A.ASSIGN: "assigned",
    A.RESPOND: "responded to",
    A.REQUEST_INFO: "put on hold for information",
    A.PROVIDE_INFO: "given the requested information",
    A.TRANSFER: "transferred",
    A.REJECT: "rejected",
    A.WITHDRAW: "withdrawn",
    A.CLOSE: "closed",
    A.REOPEN: "reopened",
}
