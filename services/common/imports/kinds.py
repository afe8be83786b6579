"""What a service supplies for bulk imports: its kinds.

A kind names the pydantic schema of one row (the service's create body, plus
`external_id` and `external_source`, so there is one definition of a valid row) and loads
a batch of validated rows: COPY into a staging table, then one set-based upsert on
(`external_source`, `external_id`) applying the same domain rules as a single create.
The kernel does everything else: the upload, the formats, the job, batching, resuming,
rejections, counts, cancel, the errors CSV, the audit entry.
"""

from __future__ import annotations

import importlib
import types
import typing
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from services.common.auth import Principal
from services.common.i18n import text

# kinds by (service, name); each service registers its own (`services/<name>/imports.py`)
KINDS: dict[tuple[str, str], ImportKind] = {}


@dataclass(slots=True)
class Row:
    """A row that passed its schema: the line it came from and the validated model."""

    line: int
    data: Any
    values: Mapping[str, Any]


@dataclass(slots=True)
class Rejection:
    line: int
    reason: str
    field: str | None = None
    value: str | None = None


@dataclass
class Outcome:
    """What a batch did: rows inserted, changed, found identical, and rows refused."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejections.extend(other.rejections)


@dataclass
class JobRun:
    """The job as a kind sees it while loading; `memo` keeps what a kind looked up (codes,
    routing contexts) for the job's next batches."""

    id: uuid.UUID
    principal: Principal
    source: str
    dry_run: bool
    memo: dict[Any, Any] = field(default_factory=dict)


class ImportKind:
    """Subclass per kind: set the class attributes, implement `load`."""

    service: ClassVar[str]
    name: ClassVar[str]
    # held by whoever may create one such row through the API
    permission: ClassVar[str]
    schema: ClassVar[type[BaseModel]]
    formats: ClassVar[tuple[str, ...]] = ("csv", "jsonl", "xlsx")
    batch_size: ClassVar[int] = 2000
    description: ClassVar[str] = ""

    def records(self, path: Path, format: str, encoding: str | None) -> Any:
        """A reader for a format the kernel does not read (`.ics`); None: the kernel's."""
        return None

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        """Writes a batch of rows on `connection`, inside the batch's transaction (a
        savepoint: when it raises a database error the kernel splits the batch to find the
        row at fault). With `job.dry_run` the kernel rolls the batch back afterwards: a
        kind must only avoid side effects outside the transaction (sequences)."""
        raise NotImplementedError


def register(kind: type[ImportKind]) -> type[ImportKind]:
    KINDS[(kind.service, kind.name)] = kind()
    return kind


def load_kinds(services: Iterable[str]) -> None:
    """Imports `services.<name>.imports` so their kinds register (as the worker loads
    handlers)."""
    for name in services:
        module = f"services.{name}.imports"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def kinds_of(service: str) -> dict[str, ImportKind]:
    return {name: kind for (owner, name), kind in KINDS.items() if owner == service}


# --- rows: flat columns → the schema's nested objects ------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `Model | None` (or the model itself)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def nested_fields(schema: type[BaseModel]) -> dict[str, type[BaseModel]]:
    return {
        name: model
        for name, info in schema.model_fields.items()
        if (model := _model_of(info.annotation)) is not None
    }


def unflatten(values: Mapping[str, Any], nested: Mapping[str, type[BaseModel]]) -> dict[str, Any]:
    """`contact_phone` → `{"contact": {"phone": …}}` for the schema's nested objects; empty
    cells are left out (a CSV has no null)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        for name in nested:
            if key.startswith(name + "_") and key[len(name) + 1 :] in nested[name].model_fields:
                out.setdefault(name, {})[key[len(name) + 1 :]] = value
                break
        else:
            out[key] = value
    return out


def _field_name(location: Iterable[Any]) -> str:
    return "_".join(str(part) for part in location if not isinstance(part, int))


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)[:200]


def validate(
    schema: type[BaseModel],
    nested: Mapping[str, type[BaseModel]],
    line: int,
    values: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> Row | list[Rejection]:
    """The row as the schema's model, or one rejection per field at fault. `context` is
    pydantic's validation context (`source`: the job's `?source=`)."""
    for key, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            return [
                Rejection(
                    line,
                    text("النص يحوي المحرف NUL", "The text contains a NUL character"),
                    key,
                    value.replace("\x00", "\\0")[:200],
                )
            ]
    try:
        data = schema.model_validate(unflatten(values, nested), context=context)
    except ValidationError as exc:
        rejections = []
        for error in exc.errors(include_url=False):
            name = _field_name(error["loc"]) or None
            message = error["msg"]
            if error["type"] == "missing":
                message = text("الحقل مطلوب", "The field is required")
            elif error["type"] == "extra_forbidden":
                message = text("عمود غير معروف", "Unknown column")
            elif message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            shown = values.get(name) if name else None
            rejections.append(Rejection(line, message, name, _shown(shown)))
        return rejections
    return Row(line, data, values)
