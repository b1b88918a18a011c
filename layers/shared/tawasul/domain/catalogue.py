"""Government entities as the catalogue knows them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    id: str
    name_ar: str
    name_en: str
    joined: bool
    central: bool = False

