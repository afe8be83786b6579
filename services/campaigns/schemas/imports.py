"""Rows of the campaigns' imports (kinds `initiatives` and `kpi_values`): the create bodies
plus their key in the source system, with codes that may stand for ids."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.campaigns.schemas.common import Code
from services.campaigns.schemas.initiatives import InitiativeCreate
from services.campaigns.schemas.kpis import ValueIn
from services.common.i18n import text

_SEPARATORS = re.compile(r"[;,|\s]+")
ExternalId = Field(min_length=1, max_length=200, description="Its id in the source system.")
ExternalSource = Field(
    None,
    min_length=1,
    max_length=100,
    description="The source system (default: the import's `source`).",
)
OrganizationCode = Field(None, max_length=100, description="Stands for `organization_id`.")


def _default_source(data: Any, info: ValidationInfo) -> Any:
    if isinstance(data, dict) and not data.get("external_source") and info.context:
        data = {**data, "external_source": info.context.get("source")}
    return data


def _one_of(row: Any, id_name: str, code_name: str) -> None:
    given = (getattr(row, id_name) is not None, getattr(row, code_name) is not None)
    if given == (True, True):
        raise ValueError(
            text(f"أرسل {id_name} أو {code_name} لا كليهما", f"Send {id_name} or {code_name}")
        )
    if given == (False, False):
        raise ValueError(
            text(f"الحقل {id_name} أو {code_name} مطلوب", f"{id_name} or {code_name} is required")
        )


class InitiativeImportRow(InitiativeCreate):
    """`POST /v1/initiatives`'s body (the same validation) plus `external_id` /
    `external_source`; `organization_code`, `axis_code` and `parent_code` (the parent's
    code in the same organization) may stand for the ids; in a CSV,
    `participating_organization_ids` are separated by `;`."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = ExternalId
    external_source: str | None = ExternalSource
    organization_id: uuid.UUID | None = None  # type: ignore[assignment]
    organization_code: str | None = OrganizationCode
    axis_id: uuid.UUID | None = None  # type: ignore[assignment]
    axis_code: Code | None = Field(None, description="Stands for `axis_id`.")
    parent_code: Code | None = Field(
        None, description="The parent initiative's code, in the same organization."
    )

    @model_validator(mode="before")
    @classmethod
    def _source(cls, data: Any, info: ValidationInfo) -> Any:
        return _default_source(data, info)

    @field_validator("participating_organization_ids", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in _SEPARATORS.split(value) if part]
        return value

    @model_validator(mode="after")
    def _references(self) -> InitiativeImportRow:
        _one_of(self, "organization_id", "organization_code")
        _one_of(self, "axis_id", "axis_code")
        if self.parent_id is not None and self.parent_code is not None:
            raise ValueError(text("أرسل parent_id أو parent_code", "Send parent_id or parent_code"))
        return self


class KpiValueImportRow(ValueIn):
    """`POST /v1/kpis/{kpi_id}/values`'s body (the same validation) plus the KPI (`kpi_id`,
    or `kpi_code`: the KPI of that code owned by the value's organization or the nearest
    one above it) and `external_id` / `external_source`; `organization_code` may stand for
    `organization_id`."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = ExternalId
    external_source: str | None = ExternalSource
    kpi_id: uuid.UUID | None = None
    kpi_code: Code | None = Field(None, description="Stands for `kpi_id`.")
    organization_id: uuid.UUID | None = None  # type: ignore[assignment]
    organization_code: str | None = OrganizationCode

    @model_validator(mode="before")
    @classmethod
    def _source(cls, data: Any, info: ValidationInfo) -> Any:
        return _default_source(data, info)

    @model_validator(mode="after")
    def _references(self) -> KpiValueImportRow:
        _one_of(self, "organization_id", "organization_code")
        _one_of(self, "kpi_id", "kpi_code")
        return self
