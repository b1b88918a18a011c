"""Erasure: what is left of a case once its personal data is gone (decision 019). Pure.

Erasure keeps the structure — the case item, every timeline item, the survey, the attachment
items — because the statistics are a function of them (decision 010: the backfill rebuilds the
counters from the case partitions and deletes counter items no case explains). It removes what
identifies or describes the citizen: what they wrote, their contact details, their files and the
link from the citizen to the case. Counts never change: every attribute that
``domain.statistics.contribution`` or the events read is kept.

Staff's own words and names are the entity's accountability record, not the citizen's personal
data; what staff wrote *about the case* (answers, notes, reasons) may quote the citizen, so it goes
too. Staff user ids (``actor_id`` of staff entries, ``assignee``) stay.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from tawasul.domain.case import ActorRole, Case, EventKind, TimelineEntry, Visibility, timeline_entry
from tawasul.domain.lifecycle import FINAL

#: The owner of an erased case: no token's subject and no ``nid-`` id can be this (a Cognito
#: ``sub`` is a UUID, a national id is digits).
ERASED_CITIZEN = "#erased"
#: The subject and description of an erased case (the API and the web app still render them).
ERASED_TEXT = ""

#: Timeline ``data`` keys that stay: codes, entity ids and names, dates, numbers and staff ids —
#: everything the statistics, the events, the clocks and the wording read. Any other key (a free
#: text reason, a file name, a key added later and not listed here) is erased: the safe default.
KEPT_DATA_KEYS: frozenset[str] = frozenset(
    {
        # transfers (statistics: holder, transferred_in/out; wording: the target's name)
        "from_entity",
        "to_entity",
        "to_name_ar",
        "to_name_en",
        # rejections, outcomes, deadlines, the SLA clock
        "reason_code",
        "duplicate_of",
        "outcome",
        "due_at",
        "previous_due_at",
        "level",
        "role",
        "entity_id",
        "worked_by",
        "cycle",
        "assignee",
        "channel",
        # surveys (statistics: satisfaction)
        "round",
        "closes_at",
        "survey",
        "satisfaction",
        "resolved",
        # attachments
        "attachment_id",
        "content_type",
        "size",
        # the erasure itself
        "erasure",
    }
)
#: ``reason`` is free text (a transfer's, an extension's) except on these events, where it is a code.
CODED_REASON_EVENTS: frozenset[str] = frozenset({EventKind.CLOSED.value})


class ErasureCause(StrEnum):
    REQUEST = "request"  # oversight's erasure procedure (POST /v1/admin/erasures)
    RETENTION = "retention"  # the daily retention job


def erasable(case: Case) -> bool:
    """Only a final case is erased: nothing more will be done with it (decision 019)."""
    return case.status in FINAL


def scrub_case(case: Case, now: datetime) -> Case:
    """The case without personal data: no subject, description, contact or owner; a new version
    (so that the erasure cannot race a live change); ``updated_at`` kept (the last real change)."""
    return case.evolve(
        subject=ERASED_TEXT,
        description=ERASED_TEXT,
        contact=None,
        citizen_id=ERASED_CITIZEN,
        erased_at=case.erased_at or now,
    )


def scrub_data(kind: str, data: dict[str, str]) -> dict[str, str]:
    kept = {k: v for k, v in data.items() if k in KEPT_DATA_KEYS}
    if kind in CODED_REASON_EVENTS and "reason" in data:
        kept["reason"] = data["reason"]
    return kept


def scrub_entry(entry: TimelineEntry) -> TimelineEntry:
    """A timeline item without its text, its free-text data and, when the citizen wrote it, its
    author's id; kind, time, visibility, statuses and the counted data stay."""
    return replace(
        entry,
        text=None,
        actor_id=None if entry.actor_role is ActorRole.CITIZEN else entry.actor_id,
        data=scrub_data(entry.kind, entry.data),
    )


def erasure_entry(now: datetime, cause: ErasureCause, actor_id: str | None) -> TimelineEntry:
    """The audit trail of an erasure: internal, with no text and no status change."""
    return timeline_entry(
        EventKind.ERASED,
        now,
        actor_role=ActorRole.STAFF if cause is ErasureCause.REQUEST else ActorRole.SYSTEM,
        actor_id=actor_id,
        visibility=Visibility.INTERNAL,
        data={"erasure": cause.value},
    )
