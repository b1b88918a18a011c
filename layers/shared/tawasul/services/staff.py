"""Staff use cases: the entity workspace (queue, case view, transitions, intake).

Authorization is decided here, against the case's entity, on every call: a case the caller may
not read is ``CaseNotFound`` (404); a queue or an action outside the caller's role is
``NotAllowed`` (403)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from tawasul import clock
from tawasul.domain.access import Caller, Permission, is_staff, permissions_for
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseRecord,
    CaseType,
    Channel,
    Contact,
    EventKind,
    RejectReason,
    SlaState,
    SuggestionOutcome,
    Visibility,
    timeline_entry,
)
from tawasul.domain.catalogue import Entity, EntityProfile
from tawasul.domain.lifecycle import Action, Status, next_status
from tawasul.domain.reference import parse_reference
from tawasul.domain.sla import first_deadline
from tawasul.errors import (
    CaseNotFound,
    IllegalTransition,
    NotAllowed,
    UnknownEntity,
    ValidationFailed,
)
from tawasul.ports import CaseRepository, Catalogue, Directory, Page
from tawasul.services.cases import NewCase, open_case

_NATIONAL_ID = re.compile(r"^[0-9A-Za-z]{5,20}$")
STAFF_CHANNELS = frozenset({Channel.CALL_CENTRE, Channel.WALK_IN})


def citizen_id_for(national_id: str) -> str:
    """The owner key of cases of the citizen with this national id (see Caller.citizen_id)."""
    return f"nid-{national_id}"


@dataclass(frozen=True)
class Intake:
    case: NewCase
    national_id: str
    contact: Contact | None = None


#: How far a supervisor may move a due date (an approved extension, not a parking place).
MAX_EXTENSION = timedelta(days=365)


class StaffCases:
    def __init__(self, cases: CaseRepository, catalogue: Catalogue, directory: Directory) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._directory = directory

    # --- reads ---------------------------------------------------------------------------
    def queue(self, caller: Caller, entity_id: str, status: Status, limit: int, token: str | None) -> Page:
        """Cases waiting at ``entity_id`` in ``status``, soonest due first.

        The central authority's queue also holds the cases of entities that have not joined."""
        entity = self._entity(entity_id, NotAllowed)
        central = self._catalogue.central()
        if Permission.READ not in self._perms(caller, entity, central):
            raise NotAllowed("This queue is outside your role.", "هذه القائمة خارج صلاحياتك.")
        partitions = [entity.id]
        if entity.id == central.id:
            partitions += sorted(e.id for e in self._catalogue.all() if not e.joined)
        return self._cases.queue(partitions, status, limit, token)

    def get(self, caller: Caller, reference: str) -> CaseRecord:
        record, _profile, _perms = self._read(caller, reference)
        return record

    def get_for(self, caller: Caller, reference: str, needed: Permission) -> CaseRecord:
        """The case, if ``caller`` holds ``needed`` on it (404 when unreadable, else 403)."""
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, needed)
        return record

    # --- commands ------------------------------------------------------------------------
    def assign(self, caller: Caller, reference: str, assignee: str) -> CaseRecord:
        record, profile, perms = self._read(caller, reference)
        self._require(perms, Permission.MANAGE)
        worked_by = self._worked_by(profile.entity)
        groups = self._directory.groups_of(assignee)
        if groups is None or not _is_staff_of(groups, worked_by):
            raise ValidationFailed(
                "The assignee is not staff of the entity that works this case.",
                "الموظف المحدد ليس من موظفي الجهة المسؤولة عن هذا الطلب.",
            )
        case = record.case
        status = next_status(case.status, Action.ASSIGN)
        return self._commit(
            caller,
            record,
            case.evolve(status=status, assignee=assignee, updated_at=clock.now()),
            EventKind.ASSIGNED,
            Visibility.PUBLIC,
            data={"assignee": assignee},
        )

    def respond(self, caller: Caller, reference: str, message: str) -> CaseRecord:
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, Permission.WORK)
        status = next_status(record.case.status, Action.RESPOND)
        return self._commit(
            caller,
            record,
            self._worked(record.case, caller, status=status),
            EventKind.RESPONDED,
            Visibility.PUBLIC,
            text=message,
        )

    def request_info(self, caller: Caller, reference: str, message: str) -> CaseRecord:
        record, profile, perms = self._read(caller, reference)
        self._require(perms, Permission.WORK)
        case = record.case
        status = next_status(case.status, Action.REQUEST_INFO)
        # The SLA clock pauses: keep the business time left, to resume with it.
        remaining = profile.calendar.business_seconds_between(clock.now(), case.due_at)
        return self._commit(
            caller,
            record,
            self._worked(case, caller, status=status, paused_remaining_seconds=remaining),
            EventKind.INFO_REQUESTED,
            Visibility.PUBLIC,
            text=message,
        )

    def add_note(self, caller: Caller, reference: str, text: str) -> CaseRecord:
        """An internal note; on a new case it is also the first staff action."""
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, Permission.WORK)
        case = record.case
        if case.status in (Status.SUBMITTED, Status.REOPENED):
            status = next_status(case.status, Action.START)
        elif case.status in (Status.CLOSED, Status.REJECTED, Status.WITHDRAWN):
            raise IllegalTransition(f"A case that is {case.status.value} takes no more notes.")
        else:
            status = case.status
        return self._commit(
            caller,
            record,
            self._worked(case, caller, status=status),
            EventKind.NOTE_ADDED,
            Visibility.INTERNAL,
            text=text,
        )

    def transfer(self, caller: Caller, reference: str, entity_id: str, reason: str) -> CaseRecord:
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, Permission.WORK)
        case = record.case
        target = self._catalogue.profile(entity_id)
        if target is None:
            raise UnknownEntity()
        if target.entity.id == case.entity_id:
            raise ValidationFailed("The case is already with this entity.", "الطلب لدى هذه الجهة بالفعل.")
        status = next_status(case.status, Action.TRANSFER)
        now = clock.now()
        warn, due = first_deadline(target, case.type, now)
        after = case.evolve(
            status=status,
            entity_id=target.entity.id,
            assignee=None,
            updated_at=now,
            warn_at=warn,
            due_at=due,
            escalation_level=0,
            sla_state=SlaState.ON_TRACK,
            cycle=case.cycle + 1,
            paused_remaining_seconds=None,
        )
        return self._commit(
            caller,
            record,
            after,
            EventKind.TRANSFERRED,
            Visibility.PUBLIC,
            data={
                "from_entity": case.entity_id,
                "to_entity": target.entity.id,
                "to_name_ar": target.entity.name_ar,
                "to_name_en": target.entity.name_en,
                "reason": reason,
            },
        )

    def reject(
        self,
        caller: Caller,
        reference: str,
        reason_code: RejectReason,
        message: str,
        duplicate_of: str | None = None,
    ) -> CaseRecord:
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, Permission.WORK)
        data = {"reason_code": reason_code.value}
        if reason_code is RejectReason.DUPLICATE:
            data["duplicate_of"] = self._visible_duplicate(caller, record.case, duplicate_of)
        elif duplicate_of:
            raise ValidationFailed(
                "duplicate_of goes with reason_code duplicate.", "يُستخدم duplicate_of مع سبب التكرار فقط."
            )
        status = next_status(record.case.status, Action.REJECT)
        return self._commit(
            caller,
            record,
            self._worked(record.case, caller, status=status),
            EventKind.REJECTED,
            Visibility.PUBLIC,
            text=message,
            data=data,
        )

    def record_outcome(self, caller: Caller, reference: str, outcome: SuggestionOutcome) -> CaseRecord:
        record, _profile, perms = self._read(caller, reference)
        self._require(perms, Permission.MANAGE)
        case = record.case
        if case.type is not CaseType.SUGGESTION:
            raise IllegalTransition("Only suggestions have an outcome.", "النتيجة تخص الاقتراحات فقط.")
        if case.status not in (Status.RESPONDED, Status.CLOSED):
            raise IllegalTransition(
                "Record the outcome after the suggestion is answered.", "سجّل النتيجة بعد الرد على الاقتراح."
            )
        if case.outcome is outcome:
            raise IllegalTransition(
                "The suggestion already has this outcome.", "للاقتراح هذه النتيجة بالفعل."
            )
        return self._commit(
            caller,
            record,
            case.evolve(outcome=outcome, updated_at=clock.now()),
            EventKind.OUTCOME_RECORDED,
            Visibility.PUBLIC,
            data={"outcome": outcome.value},
        )

    def extend(self, caller: Caller, reference: str, until: datetime, reason: str) -> CaseRecord:
        """A supervisor approves more time: the due date moves to the end of a working day."""
        record, profile, perms = self._read(caller, reference)
        self._require(perms, Permission.MANAGE)
        case = record.case
        if case.status not in (Status.SUBMITTED, Status.IN_PROGRESS, Status.REOPENED):
            raise IllegalTransition(
                f"A case that is {case.status.value} has no running deadline.", "لا يوجد موعد جارٍ لهذا الطلب."
            )
        now = clock.now()
        if not now < until <= now + MAX_EXTENSION:  # also keeps the calendar's arithmetic in range
            raise ValidationFailed(
                f"The new due date must be within the next {MAX_EXTENSION.days} days.",
                f"يجب أن يكون الموعد الجديد خلال الأيام الـ{MAX_EXTENSION.days} القادمة.",
            )
        calendar = profile.calendar
        due = calendar.add_business_days(until, 0)
        if due <= now or due <= case.due_at:
            raise ValidationFailed(
                "The new due date must be later than the current one.",
                "يجب أن يكون الموعد الجديد بعد الموعد الحالي.",
            )
        policy = profile.policy(case.type)
        warn = calendar.warn_time(now, due, Fraction(policy.warn_fraction_percent, 100))
        after = case.evolve(
            due_at=due,
            warn_at=warn,
            sla_state=SlaState.ON_TRACK if case.sla_state is not SlaState.BREACHED else case.sla_state,
            cycle=case.cycle + 1,
            updated_at=now,
        )
        return self._commit(
            caller,
            record,
            after,
            EventKind.DEADLINE_EXTENDED,
            Visibility.PUBLIC,
            data={"reason": reason, "previous_due_at": clock.iso(case.due_at), "due_at": clock.iso(due)},
        )

    def intake(self, caller: Caller, intake: Intake) -> CaseRecord:
        """A case taken at the call centre or a counter, owned by the identified citizen."""
        new = intake.case
        if new.channel not in STAFF_CHANNELS:
            raise ValidationFailed(
                "Staff intake is by call_centre or walk_in.", "الإدخال من الموظف عبر مركز الاتصال أو الحضور."
            )
        if not _NATIONAL_ID.match(intake.national_id):
            raise ValidationFailed("The national id is not valid.", "رقم الهوية غير صالح.")
        profile = self._catalogue.profile(new.entity_id)
        if profile is None:
            raise UnknownEntity()
        central = self._catalogue.central()
        allowed = self._perms(caller, profile.entity, central) | self._perms(caller, central, central)
        self._require(allowed, Permission.WORK)
        return open_case(
            self._cases,
            profile,
            new,
            citizen_id=citizen_id_for(intake.national_id),
            contact=intake.contact,
            actor=(ActorRole.STAFF, caller.sub),
        )

    # --- helpers -------------------------------------------------------------------------
    def _entity(self, entity_id: str, missing: type[Exception]) -> Entity:
        entity = self._catalogue.get(entity_id)
        if entity is None:
            raise missing()
        return entity

    def _perms(self, caller: Caller, entity: Entity, central: Entity) -> frozenset[Permission]:
        return permissions_for(caller, entity.id, entity.joined, central.id)

    def _worked_by(self, entity: Entity) -> str:
        return entity.id if entity.joined else self._catalogue.central().id

    def _read(
        self, caller: Caller, reference: str
    ) -> tuple[CaseRecord, EntityProfile, frozenset[Permission]]:
        if not is_staff(caller):
            raise NotAllowed("This route is for staff.", "هذا المسار مخصص للموظفين.")
        ref = parse_reference(reference)
        found = self._cases.get(ref)
        if found is None:
            raise CaseNotFound()
        case, timeline = found
        profile = self._catalogue.profile(case.entity_id)
        if profile is None:
            raise CaseNotFound()
        perms = self._perms(caller, profile.entity, self._catalogue.central())
        if Permission.READ not in perms:
            raise CaseNotFound()
        return CaseRecord(case=case, timeline=tuple(timeline)), profile, perms

    @staticmethod
    def _require(perms: frozenset[Permission], needed: Permission) -> None:
        if needed not in perms:
            raise NotAllowed("Your role does not allow this action.", "صلاحياتك لا تسمح بهذا الإجراء.")

    @staticmethod
    def _worked(case: Case, caller: Caller, **changes: object) -> Case:
        """A staff action: the first one also takes the case (assigns the actor if nobody has it)."""
        assignee = case.assignee or caller.sub
        return case.evolve(assignee=assignee, updated_at=clock.now(), **changes)

    def _visible_duplicate(self, caller: Caller, case: Case, duplicate_of: str | None) -> str:
        invalid = ValidationFailed(
            "duplicate_of must be another case you can see.",
            "يجب أن يشير duplicate_of إلى طلب آخر يمكنك رؤيته.",
        )
        if not duplicate_of:
            raise invalid
        try:
            original, _profile, _perms = self._read(caller, duplicate_of)
        except CaseNotFound:
            raise invalid from None
        if original.case.reference == case.reference:
            raise invalid
        return original.case.reference

    def _commit(
        self,
        caller: Caller,
        record: CaseRecord,
        after: Case,
        kind: EventKind,
        visibility: Visibility,
        text: str | None = None,
        data: dict[str, str] | None = None,
    ) -> CaseRecord:
        before = record.case
        entry = timeline_entry(
            kind,
            after.updated_at,
            actor_role=ActorRole.STAFF,
            actor_id=caller.sub,
            visibility=visibility,
            text=text,
            status_from=before.status if after.status is not before.status else None,
            status_to=after.status if after.status is not before.status else None,
            data=data or {},
        )
        self._cases.save(before, after, entry)
        return record.with_entry(after, entry)


def _is_staff_of(groups: frozenset[str], entity_id: str) -> bool:
    return any(g in groups for g in (f"agent:{entity_id}", f"supervisor:{entity_id}", f"head:{entity_id}"))
