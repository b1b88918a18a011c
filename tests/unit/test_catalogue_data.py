"""The packaged seed data: the entity catalogue and the Bahrain business calendar."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tawasul.domain.calendar import BusinessCalendar

DATA = Path(__file__).resolve().parents[2] / "layers" / "shared" / "tawasul" / "data"
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
SLUG = re.compile(r"^[a-z0-9-]+$")


@pytest.fixture(scope="module")
def entities() -> list[dict[str, Any]]:
    return json.loads((DATA / "entities.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def calendar_data() -> dict[str, Any]:
    return json.loads((DATA / "calendar_bh.json").read_text(encoding="utf-8"))


def test_catalogue_has_enough_entities_with_unique_slug_ids(entities: list[dict[str, Any]]) -> None:
    ids = [entity["id"] for entity in entities]
    assert len(entities) >= 20
    assert len(ids) == len(set(ids))
    assert all(SLUG.match(entity_id) for entity_id in ids)


def test_every_entity_has_exactly_the_catalogue_fields(entities: list[dict[str, Any]]) -> None:
    for entity in entities:
        assert set(entity) == {"id", "name_ar", "name_en", "joined", "central"}, entity["id"]
        assert isinstance(entity["joined"], bool)
        assert isinstance(entity["central"], bool)


def test_names_are_filled_and_the_arabic_name_is_arabic(entities: list[dict[str, Any]]) -> None:
    for entity in entities:
        assert entity["name_en"].strip(), entity["id"]
        assert entity["name_ar"].strip(), entity["id"]
        assert ARABIC_LETTER.search(entity["name_ar"]), entity["id"]
        assert not re.search(r"[A-Za-z]", entity["name_ar"]), entity["id"]


def test_exactly_one_central_authority_and_it_has_joined(entities: list[dict[str, Any]]) -> None:
    central = [entity for entity in entities if entity["central"]]
    assert len(central) == 1
    assert central[0]["id"] == "iga"
    assert central[0]["joined"] is True


def test_some_entities_have_not_joined(entities: list[dict[str, Any]]) -> None:
    assert any(not entity["joined"] for entity in entities)
    assert any(entity["joined"] and not entity["central"] for entity in entities)


def test_calendar_file_loads_and_national_day_is_a_holiday(calendar_data: dict[str, Any]) -> None:
    holidays = [date.fromisoformat(day) for day in calendar_data["holidays"]]
    assert len(holidays) == len(set(holidays))
    assert {holiday.year for holiday in holidays} >= {2026, 2027}

    calendar = BusinessCalendar.from_dict(calendar_data)
    assert date(2026, 12, 16) in calendar.holidays
    assert date(2026, 12, 17) in calendar.holidays
    assert date(2026, 5, 1) in calendar.holidays
    assert calendar == BusinessCalendar.bahrain_default()
