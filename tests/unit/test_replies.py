"""Reply templates (issue 13) on fakes: placeholders, the case's language, who may read and who may
change them, and the audit of every change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import Language
from tawasul.domain.replies import ReplyTemplate, TemplateProblem, check_body
from tawasul.errors import EntityNotFound, InvalidTemplate, NotAllowed, ReplyTemplateNotFound
from tawasul.services.replies import EntityReplies, TemplateText
from tests.fakes import ENTITIES, FakeCatalogue, FakeReplyTemplates

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
TEXT = TemplateText(
    title_ar="موعد العيادة",
    title_en="Clinic hours",
    body_ar="بخصوص طلبك {reference}: تعمل عيادات {entity_name} من 7 صباحًا.",
    body_en="About your case {reference}: the clinics of {entity_name} open at 7 am.",
)


def caller(*groups: str) -> Caller:
    return Caller(sub=f"user-{'-'.join(groups)}", groups=frozenset(groups))


SUPERVISOR, AGENT, HEAD = caller("supervisor:moh"), caller("agent:moh"), caller("head:moh")
OVERSIGHT, OTHER, CITIZEN = caller("oversight"), caller("supervisor:moe"), caller("citizen")


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_source(lambda: NOW)
    yield
    clock.set_source(None)


@pytest.fixture
def store() -> FakeReplyTemplates:
    return FakeReplyTemplates()


@pytest.fixture
def replies(store: FakeReplyTemplates) -> EntityReplies:
    return EntityReplies(FakeCatalogue(ENTITIES), store)


# --- the template ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.AR, "بخصوص طلبك TW-7K3M-9Q2X-D4HP: تعمل عيادات وزارة الصحة من 7 صباحًا."),
        (Language.EN, "About your case TW-7K3M-9Q2X-D4HP: the clinics of Ministry of Health open at 7 am."),
    ],
)
def test_a_template_is_filled_in_the_case_language(
    replies: EntityReplies, language: Language, expected: str
) -> None:
    template = replies.create(SUPERVISOR, "moh", TEXT)
    name = "وزارة الصحة" if language is Language.AR else "Ministry of Health"
    title, body = template.fill(language, "TW-7K3M-9Q2X-D4HP", name)
    assert body == expected and title == (TEXT.title_ar if language is Language.AR else TEXT.title_en)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "Dear {citizen_name}",
        "Case {0}",
        "Case {}",
        "Case {reference",
        "Case {reference!r}",
        "{reference:>9}",
    ],
)
def test_empty_bodies_unknown_placeholders_and_stray_braces_are_refused(body: str) -> None:
    with pytest.raises(TemplateProblem) as problem:
        check_body(body, "body_en")
    assert problem.value.message_ar


def test_known_placeholders_and_doubled_braces_pass() -> None:
    check_body("{reference} at {entity_name}; write {{ and }} for braces", "body_en")


# --- the service ----------------------------------------------------------------------------------
def test_supervisors_manage_and_every_change_is_audited(
    replies: EntityReplies, store: FakeReplyTemplates
) -> None:
    created = replies.create(SUPERVISOR, "moh", TEXT)
    changed = replies.update(
        SUPERVISOR, "moh", created.template_id, TemplateText(**{**vars(TEXT), "title_en": "Hours"})
    )
    assert (changed.title_en, changed.version) == ("Hours", 2)
    replies.delete(OVERSIGHT, "moh", created.template_id)
    assert [(a.action, a.actor_id) for a in store.audit] == [
        ("reply_template_created", SUPERVISOR.sub),
        ("reply_template_updated", SUPERVISOR.sub),
        ("reply_template_deleted", OVERSIGHT.sub),
    ]
    assert store.audit[1].before and store.audit[1].before["title_en"] == "Clinic hours"
    assert store.audit[1].after["title_en"] == "Hours"
    assert replies.list(AGENT, "moh") == []


@pytest.mark.parametrize("reader", [AGENT, HEAD, SUPERVISOR, OVERSIGHT])
def test_the_entity_staff_and_oversight_read(replies: EntityReplies, reader: Caller) -> None:
    replies.create(SUPERVISOR, "moh", TEXT)
    assert [t.title_en for t in replies.list(reader, "moh")] == ["Clinic hours"]


@pytest.mark.parametrize("who", [AGENT, HEAD, OTHER, CITIZEN])
def test_others_may_not_change_them(replies: EntityReplies, store: FakeReplyTemplates, who: Caller) -> None:
    with pytest.raises(NotAllowed):
        replies.create(who, "moh", TEXT)
    assert store.templates == {} and store.audit == []


@pytest.mark.parametrize("who", [OTHER, CITIZEN])
def test_another_entity_templates_are_403(replies: EntityReplies, who: Caller) -> None:
    replies.create(SUPERVISOR, "moh", TEXT)
    with pytest.raises(NotAllowed):
        replies.list(who, "moh")


def test_unknown_entity_and_template(replies: EntityReplies) -> None:
    with pytest.raises(EntityNotFound):
        replies.list(OVERSIGHT, "nope")
    with pytest.raises(NotAllowed):
        replies.list(SUPERVISOR, "nope")
    with pytest.raises(ReplyTemplateNotFound):
        replies.update(SUPERVISOR, "moh", "abcdef", TEXT)
    created = replies.create(SUPERVISOR, "moh", TEXT)
    with pytest.raises(NotAllowed):  # moe's supervisor cannot reach moh's template through moe either
        replies.delete(OTHER, "moh", created.template_id)


def test_bad_text_is_400_and_writes_nothing(replies: EntityReplies, store: FakeReplyTemplates) -> None:
    for text in (
        TemplateText(**{**vars(TEXT), "body_ar": " "}),
        TemplateText(**{**vars(TEXT), "body_en": "Dear {name}"}),
        TemplateText(**{**vars(TEXT), "title_ar": ""}),
    ):
        with pytest.raises(InvalidTemplate) as refused:
            replies.create(SUPERVISOR, "moh", text)
        assert refused.value.status == 400 and refused.value.message_ar
    assert store.templates == {} and store.audit == []


def test_central_supervisors_manage_the_templates_of_entities_not_joined(replies: EntityReplies) -> None:
    template = replies.create(caller("supervisor:iga"), "mofa", TEXT)
    assert isinstance(template, ReplyTemplate) and template.entity_id == "mofa"
