"""Reply templates: an entity's bilingual ready answers, with placeholders staff fill in the
case's language before they edit and send them. Pure: no I/O."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from tawasul.domain.case import Language

#: What a template may say in braces; everything else in braces is refused.
PLACEHOLDERS = frozenset({"reference", "entity_name"})
MAX_TITLE, MAX_BODY = 200, 5000


@dataclass(frozen=True)
class ReplyTemplate:
    entity_id: str
    template_id: str
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int = 1

    def fields(self) -> dict[str, str]:
        """What the audit records of a change."""
        return {
            "template_id": self.template_id,
            "title_ar": self.title_ar,
            "title_en": self.title_en,
            "body_ar": self.body_ar,
            "body_en": self.body_en,
        }

    def fill(self, language: Language, reference: str, entity_name: str) -> tuple[str, str]:
        """The title and the body in ``language`` with the placeholders filled."""
        title, body = (
            (self.title_ar, self.body_ar) if language is Language.AR else (self.title_en, self.body_en)
        )
        values = {"reference": reference, "entity_name": entity_name}
        return title, body.format(**values)


def new_template_id() -> str:
    return secrets.token_hex(8)


class TemplateProblem(ValueError):
    """What is wrong with a template's text (English, Arabic)."""

    def __init__(self, message: str, message_ar: str) -> None:
        super().__init__(message)
        self.message_ar = message_ar


def check_body(body: str, field: str) -> None:
    """``body`` is not empty, its braces are balanced, and it names known placeholders only."""
    if not body.strip():
        raise TemplateProblem(f"{field} is empty.", f"الحقل {field} فارغ.")
    try:
        fields = [
            (name, spec or conv) for _, name, spec, conv in string.Formatter().parse(body) if name is not None
        ]
    except ValueError:
        raise TemplateProblem(
            f"{field} has an unbalanced brace; write placeholders as {{reference}} or {{entity_name}}.",
            f"في الحقل {field} قوس غير مغلق؛ اكتب العناصر النائبة مثل {{reference}} أو {{entity_name}}.",
        ) from None
    unknown = sorted({name for name, _ in fields if name not in PLACEHOLDERS})
    if unknown or any(extra for _, extra in fields):
        shown = ", ".join(f"{{{n}}}" for n in unknown) or "a format specification"
        raise TemplateProblem(
            f"{field} uses an unknown placeholder: {shown}. Known: {{reference}}, {{entity_name}}.",
            f"يستخدم الحقل {field} عنصرًا نائبًا غير معروف: {shown}. المعروف: {{reference}} و{{entity_name}}.",
        )
