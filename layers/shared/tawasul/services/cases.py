"""Citizen use cases: submit, follow, write, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import (
    CITIZEN_CHANNELS,
    ActorRole,
    Case,
    CaseRecord,
    CaseType,
    Channel,
    Contact,
    EventKind,
    Language,
    Visibility,
    timeline_entry,
)
from tawasul.domain.catalogue import EntityProfile
from tawasul.domain.lifecycle import OPEN_FOR_MESSAGES, Action, Status, next_status
from tawasul.domain.reference import new_reference, parse_reference
from tawasul.domain.sla import first_deadline, resumed_deadline
from tawasul.errors import (
    CaseNotFound,
    IllegalTransition,
    NotAllowed,
    ReferenceTaken,
    UnknownEntity,
    ValidationFailed,
)
from tawasul.observability import metrics
from tawasul.ports import CaseRepository, Catalogue, Page


@dataclass(frozen=True)
class NewCase:
    type: CaseType
    entity_id: str
    subject: str
    description: str
    language: Language
    channel: Channel


def open_case(
    cases: CaseRepository,
    profile: EntityProfile,
    new: NewCase,
    *,
    citizen_id: str,
    contact: Contact | None,
    actor: tuple[ActorRole, str],
    references: Callable[[], str] = new_reference,
) -> CaseRecord:
    """Store a new case with its first timeline item and the first level's deadline. A fresh
    random reference that happens to exist already (about 1 in 10^15) is simply drawn again."""
    now = clock.now()
    warn, due = first_deadline(profile, new.type, now)
    role, actor_id = actor
    for _attempt in range(3):
        case = Case(
            reference=references(),
            type=new.type,
            entity_id=profile.entity.id,
            subject=new.subject,
            description=new.description,
            language=new.language,
            channel=new.channel,
            status=Status.SUBMITTED,
            citizen_id=citizen_id,
            created_at=now,
            updated_at=now,
            due_at=due,
            warn_at=warn,
            contact=contact,
        )
        entry = timeline_entry(
            EventKind.SUBMITTED,
            now,
            actor_role=role,
            actor_id=actor_id,
            visibility=Visibility.PUBLIC,
            status_to=Status.SUBMITTED,
            data={"channel": new.channel.value},
        )
        try:
            cases.create(case, entry)
        except ReferenceTaken:
            continue
        with single_metric(
            name="CasesSubmitted", unit=MetricUnit.Count, value=1, namespace=metrics.namespace
        ) as metric:  # per channel, for the dashboard (docs/operations.md)
            metric.add_dimension(name="channel", value=new.channel.value)
        return CaseRecord(case=case, timeline=(entry,))
    raise RuntimeError("could not allocate a free reference")


class CitizenCases:
    def __init__(
        self,
        cases: CaseRepository,
        catalogue: Catalogue,
        references: Callable[[], str] = new_reference,
    ) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._references = references

    # --- commands ------------------------------------------------------------------------
    def submit(self, caller: Caller, new: NewCase, contact: Contact | None = None) -> CaseRecord:
        self._require_citizen(caller)
        if new.channel not in CITIZEN_CHANNELS:
            raise ValidationFailed("A citizen submits through the portal or the app.")
        profile = self._catalogue.profile(new.entity_id)
        if profile is None:
            raise UnknownEntity()
        return open_case(
            self._cases,
            profile,
            new,
            citizen_id=caller.citizen_id,
            contact=contact,
            actor=(ActorRole.CITIZEN, caller.sub),
            references=self._references,
        )

    def add_message(self, caller: Caller, reference: str, text: str) -> CaseRecord:
        record = self.get_mine(caller, reference)
        case = record.case
        if case.status not in OPEN_FOR_MESSAGES:
            raise IllegalTransition(f"A case that is {case.status.value} takes no more messages.")
        now = clock.now()
        if case.status is Status.AWAITING_INFO:
            after = self._resumed(case, now)
            kind = EventKind.INFO_PROVIDED
        else:
            after, kind = case.evolve(updated_at=now), EventKind.MESSAGE_ADDED
        status = after.status
        entry = timeline_entry(
            kind,
            now,
            actor_role=ActorRole.CITIZEN,
            actor_id=caller.sub,
            visibility=Visibility.PUBLIC,
            text=text,
            status_from=case.status if status is not case.status else None,
            status_to=status if status is not case.status else None,
        )
        self._cases.save(case, after, entry)
        return record.with_entry(after, entry)

    def _resumed(self, case: Case, now: datetime) -> Case:
        """The citizen answered: work resumes, and a new clock cycle with the time that was left."""
        status = next_status(case.status, Action.PROVIDE_INFO)
        profile = self._catalogue.profile(case.entity_id)
        if profile is None or case.paused_remaining_seconds is None:
            return case.evolve(status=status, updated_at=now)
        warn, due = resumed_deadline(profile, case.type, case.paused_remaining_seconds, now)
        return case.evolve(
            status=status,
            updated_at=now,
            warn_at=warn,
            due_at=due,
            cycle=case.cycle + 1,
            paused_remaining_seconds=None,
        )

    def withdraw(self, caller: Caller, reference: str) -> CaseRecord:
        record = self.get_mine(caller, reference)
        case = record.case
        status = next_status(case.status, Action.WITHDRAW)
        now = clock.now()
        after = case.evolve(status=status, updated_at=now)
        entry = timeline_entry(
            EventKind.WITHDRAWN,
            now,
            actor_role=ActorRole.CITIZEN,
            actor_id=caller.sub,
            visibility=Visibility.PUBLIC,
            status_from=case.status,
            status_to=status,
        )
        self._cases.save(case, after, entry)
        return record.with_entry(after, entry)

    # --- queries -------------------------------------------------------------------------
    def get_mine(self, caller: Caller, reference: str) -> CaseRecord:
        self._require_citizen(caller)
        ref = parse_reference(reference)  # a failed check is a 404 before any read
        found = self._cases.get(ref)
        if found is None or found[0].citizen_id != caller.citizen_id:
            raise CaseNotFound()
        case, timeline = found
        return CaseRecord(case=case, timeline=tuple(timeline))

    def list_mine(self, caller: Caller, limit: int, token: str | None) -> Page:
        self._require_citizen(caller)
        return self._cases.list_by_citizen(caller.citizen_id, limit, token)

    @staticmethod
    def _require_citizen(caller: Caller) -> None:
        if not caller.is_citizen:
            raise NotAllowed("This route is for citizens.", "هذا المسار مخصص للمواطنين.")
