"""The entity catalogue: public listing and seeding from the bundled data file."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from tawasul.domain.catalogue import Entity
from tawasul.ports import Catalogue


@lru_cache(maxsize=1)
def bundled_entities() -> tuple[Entity, ...]:
    """The catalogue shipped in ``tawasul/data/entities.json``."""
    raw = json.loads(resources.files("tawasul.data").joinpath("entities.json").read_text("utf-8"))
    return tuple(
        Entity(
            id=e["id"],
            name_ar=e["name_ar"],
            name_en=e["name_en"],
            joined=bool(e["joined"]),
            central=bool(e.get("central", False)),
        )
        for e in raw
    )


def list_entities(catalogue: Catalogue) -> list[Entity]:
    """Every entity, by English name (the client re-sorts for Arabic)."""
    return sorted(catalogue.all(), key=lambda e: e.name_en.casefold())


def seed_catalogue(catalogue: Catalogue) -> int:
    """Add the bundled entities the table does not have yet; returns how many were added."""
    return catalogue.seed(list(bundled_entities()))
