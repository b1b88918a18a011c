"""The composition root: real adapters for the services, built once per container."""

from __future__ import annotations

from functools import lru_cache

from tawasul.adapters.catalogue_admin import DynamoCatalogueAdmin
from tawasul.adapters.cognito import CognitoDirectory, CognitoGroups
from tawasul.adapters.dynamodb import DynamoCaseRepository, DynamoCatalogue
from tawasul.adapters.idempotency import PowertoolsIdempotency
from tawasul.config import get_settings
from tawasul.services.cases import CitizenCases
from tawasul.services.catalogue_admin import CatalogueAdministration
from tawasul.services.dispatch import Consumer
from tawasul.services.staff import StaffCases


@lru_cache(maxsize=1)
def catalogue() -> DynamoCatalogue:
    return DynamoCatalogue(get_settings().table_name)


@lru_cache(maxsize=1)
def case_repository() -> DynamoCaseRepository:
    return DynamoCaseRepository(get_settings().table_name)


@lru_cache(maxsize=1)
def citizen_cases() -> CitizenCases:
    return CitizenCases(case_repository(), catalogue())


@lru_cache(maxsize=1)
def directory() -> CognitoDirectory:
    return CognitoDirectory(get_settings().user_pool_id)


@lru_cache(maxsize=1)
def staff_cases() -> StaffCases:
    return StaffCases(case_repository(), catalogue(), directory())


@lru_cache(maxsize=1)
def idempotency() -> PowertoolsIdempotency:
    return PowertoolsIdempotency(get_settings().idempotency_table_name)


@lru_cache(maxsize=1)
def catalogue_administration() -> CatalogueAdministration:
    settings = get_settings()
    return CatalogueAdministration(
        catalogue(), DynamoCatalogueAdmin(settings.table_name), CognitoGroups(settings.user_pool_id)
    )


def stream_consumers() -> list[Consumer]:
    """What the dispatcher does with each committed change, in order."""
    return []
