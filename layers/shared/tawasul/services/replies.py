"""Reply templates of an entity (issue 13): its staff read them (to answer or ask for information
with them), its supervisors and oversight write them, each change audited like the catalogue's.
Another entity's templates answer 403 (an ``entity_id`` outside the caller's role)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tawasul import clock
from tawasul.domain.access import Caller, Permission, permissions_for
from tawasul.domain.catalogue import AuditRecord, Entity
from tawasul.domain.replies import ReplyTemplate, TemplateProblem, check_body, new_template_id
from tawasul.errors import EntityNotFound, InvalidTemplate, NotAllowed, ReplyTemplateNotFound
from tawasul.ports import Catalogue, ReplyTemplates


@dataclass(frozen=True)
class TemplateText:
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str


class EntityReplies:
    def __init__(self, catalogue: Catalogue, templates: ReplyTemplates) -> None:
        self._catalogue = catalogue
        self._templates = templates

    def list(self, caller: Caller, entity_id: str) -> list[ReplyTemplate]:
        self._entity(caller, entity_id, Permission.READ)
        return self._templates.list(entity_id)

    def create(self, caller: Caller, entity_id: str, text: TemplateText) -> ReplyTemplate:
        self._entity(caller, entity_id, Permission.MANAGE)
        _check(text)
        now = clock.now()
        text = _stripped(text)
        template = ReplyTemplate(
            entity_id=entity_id,
            template_id=new_template_id(),
            title_ar=text.title_ar,
            title_en=text.title_en,
            body_ar=text.body_ar,
            body_en=text.body_en,
            created_at=now,
            updated_at=now,
            updated_by=caller.sub,
        )
        self._templates.create(template, _audit(caller, entity_id, "reply_template_created", None, template))
        return template

    def update(self, caller: Caller, entity_id: str, template_id: str, text: TemplateText) -> ReplyTemplate:
        self._entity(caller, entity_id, Permission.MANAGE)
        _check(text)
        before = self._existing(entity_id, template_id)
        text = _stripped(text)
        after = replace(
            before,
            title_ar=text.title_ar,
            title_en=text.title_en,
            body_ar=text.body_ar,
            body_en=text.body_en,
            updated_at=clock.now(),
            updated_by=caller.sub,
            version=before.version + 1,
        )
        self._templates.update(
            before, after, _audit(caller, entity_id, "reply_template_updated", before, after)
        )
        return after

    def delete(self, caller: Caller, entity_id: str, template_id: str) -> None:
        self._entity(caller, entity_id, Permission.MANAGE)
        before = self._existing(entity_id, template_id)
        self._templates.delete(before, _audit(caller, entity_id, "reply_template_deleted", before, None))

    # --- helpers -------------------------------------------------------------------------
    def _entity(self, caller: Caller, entity_id: str, needed: Permission) -> Entity:
        entity = self._catalogue.get(entity_id)
        if entity is None:
            if caller.is_oversight:
                raise EntityNotFound()
            raise NotAllowed("This entity is outside your role.", "هذه الجهة خارج صلاحياتك.")
        perms = permissions_for(caller, entity.id, entity.joined, self._catalogue.central().id)
        if needed not in perms:
            if Permission.READ in perms:
                raise NotAllowed(
                    "Only the entity's supervisors and oversight manage its reply templates.",
                    "يدير قوالب الردود مشرفو الجهة وجهة الرقابة فقط.",
                )
            raise NotAllowed("This entity is outside your role.", "هذه الجهة خارج صلاحياتك.")
        return entity

    def _existing(self, entity_id: str, template_id: str) -> ReplyTemplate:
        found = self._templates.get(entity_id, template_id)
        if found is None:
            raise ReplyTemplateNotFound()
        return found


def _stripped(text: TemplateText) -> TemplateText:
    return TemplateText(
        title_ar=text.title_ar.strip(),
        title_en=text.title_en.strip(),
        body_ar=text.body_ar.strip(),
        body_en=text.body_en.strip(),
    )


def _check(text: TemplateText) -> None:
    try:
        for field, value in (("title_ar", text.title_ar), ("title_en", text.title_en)):
            if not value.strip():
                raise TemplateProblem(f"{field} is empty.", f"الحقل {field} فارغ.")
        check_body(text.body_ar, "body_ar")
        check_body(text.body_en, "body_en")
    except TemplateProblem as problem:
        raise InvalidTemplate(str(problem), problem.message_ar) from None


def _audit(
    caller: Caller, entity_id: str, action: str, before: ReplyTemplate | None, after: ReplyTemplate | None
) -> AuditRecord:
    return AuditRecord(
        entity_id=entity_id,
        actor_id=caller.sub,
        at=clock.now(),
        action=action,
        before=before.fields() if before else None,
        after=after.fields() if after else {},
    )
