"""What the services need from the outside world. Adapters implement these; unit tests use
small in-memory fakes (tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.catalogue import AuditRecord, Entity, EntityProfile
from tawasul.domain.lifecycle import Status
from tawasul.domain.sla import SlaPolicy


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    next_token: str | None


class CaseRepository(Protocol):
    def create(self, case: Case, entry: TimelineEntry) -> None:
        """Store a new case and its first timeline item atomically (never overwrites)."""

    def get(self, reference: str) -> tuple[Case, list[TimelineEntry]] | None:
        """The case and its timeline, oldest first, or None."""

    def save(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        """Replace ``before`` by ``after`` and append ``entry`` atomically, only if the stored
        case is still ``before`` (same version and status); else ``ConcurrentChange``."""

    def list_by_citizen(self, citizen_id: str, limit: int, token: str | None) -> Page:
        """The citizen's cases, newest first."""

    def queue(self, entity_ids: list[str], status: Status, limit: int, token: str | None) -> Page:
        """Cases addressed to any of ``entity_ids`` in ``status``, soonest due first."""


class Directory(Protocol):
    def groups_of(self, user_id: str) -> frozenset[str] | None:
        """The groups of the user with this ``sub``, or None when there is no such user."""


class Catalogue(Protocol):
    def get(self, entity_id: str) -> Entity | None: ...

    def profile(self, entity_id: str) -> EntityProfile | None:
        """The entity with its calendar and SLA policies (one read)."""

    def all(self) -> list[Entity]:
        """Every entity of the catalogue."""

    def seed(self, entities: list[Entity]) -> int:
        """Add the entities that are missing; never overwrite existing ones."""

    def central(self) -> Entity: ...


class Idempotency(Protocol):
    def run(
        self,
        scope: str,
        caller: str,
        key: str,
        payload: Any,
        produce: Callable[[], dict],
        context: Any = None,
    ) -> dict:
        """``produce()`` once per (scope, caller, key); a retry returns the first answer."""


class CatalogueAdmin(Protocol):
    """Writes of the catalogue, each with its audit record in the same transaction."""

    def create_entity(self, entity: Entity, audit: AuditRecord) -> None:
        """Store a new entity; ``EntityExists`` if the id is taken."""

    def update_entity(self, before: Entity, after: Entity, audit: AuditRecord) -> None:
        """Replace the entity only if it is still ``before``; else ``ConcurrentChange``."""

    def put_policy(self, entity_id: str, policy: SlaPolicy, audit: AuditRecord) -> None: ...

    def put_calendar(self, entity_id: str, calendar: dict[str, Any], audit: AuditRecord) -> None: ...

    def audit_log(self, entity_id: str, limit: int, token: str | None) -> Page: ...


class GroupAdmin(Protocol):
    def ensure_groups(self, names: list[str]) -> None:
        """Create the directory groups that do not exist yet."""
