"""Bulk import of inquiries (kind `inquiries`): legacy complaint systems' exports.

A row is the create body (`InquiryCreate`, so the same validation as `POST /v1/inquiries`)
plus its key in the legacy system (`external_id`, `external_source`) and codes that may
stand for ids (`organization_code`, `category_code`). The intake's rules decide each new
inquiry: routing (`intake._route`), the receiving organization's channel, SLA policy and
business-hours calendar (`intake._read_context`, kept for the job), the due times, the
reference number, the history row and the `inquiry.created` event with its delivery job
(`intake._rows`). The importer must see the organization an inquiry goes to (its own
subtree). A key imported before updates the inquiry's texts and contact details when they
differ (`repository.imports.UPDATABLE`) and changes nothing otherwise; the import is
audited once, by the kernel, for the whole job.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, model_validator

from services.common.errors import DomainError
from services.common.i18n import text
from services.common.imports.kinds import ImportKind, JobRun, Outcome, Rejection, Row, register
from services.common.orgtree import DEFAULT_TIMEZONE
from services.inquiries import clock
from services.inquiries.repository import imports as sql
from services.inquiries.schemas.inquiries import InquiryCreate, Kind, NoNul, Priority
from services.inquiries.service.intake import create as intake
from services.inquiries.service.intake.memory import IntakeMemory

Code = Annotated[str, Field(min_length=1, max_length=50), NoNul]


class InquiryImportRow(InquiryCreate):
    """One row of an inquiries import: the create body and the row's key."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str, Field(min_length=1, max_length=200), NoNul] = Field(
        description="The row's id in the system it comes from (the upsert key).",
        examples=["CRM-2026-000917"],
    )
    external_source: Annotated[
        str | None, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    ] = Field(None, description="That system's name; default: the import's `source`.")
    organization_code: Code | None = Field(
        None, description="The organization's code, instead of `organization_id`."
    )
    category_code: Code | None = Field(
        None,
        description="The category's code (in the organization or above it), instead of "
        "`category_id`.",
    )

    @model_validator(mode="after")
    def _one_of_each(self) -> InquiryImportRow:
        for code, ident in (
            ("organization_code", "organization_id"),
            ("category_code", "category_id"),
        ):
            if getattr(self, code) is not None and getattr(self, ident) is not None:
                raise ValueError(
                    text(f"أرسل {code} أو {ident} لا كليهما", f"Give {code} or {ident}, not both")
                )
        return self


class _Refused(Exception):
    def __init__(self, field: str | None, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


def _refusal(exc: DomainError, row: InquiryImportRow) -> _Refused:
    field = exc.errors[0].field if exc.errors else None
    reason = exc.errors[0].message if exc.errors else text(exc.detail_ar or "", exc.detail_en or "")
    if field == "organization_id" and row.organization_code is not None:
        field = "organization_code"
    if field == "category_id" and row.category_code is not None:
        field = "category_code"
    value = getattr(row, field, None) if field else None
    return _Refused(field, reason, value)


@register
class InquiriesImport(ImportKind):
    service = "inquiries"
    name = "inquiries"
    permission = "inquiries:write"
    schema = InquiryImportRow
    batch_size = 5000
    description = (
        "inquiries from a legacy system: the `POST /v1/inquiries` fields plus "
        "`external_id`, `external_source`, `organization_code`, `category_code`."
    )

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        batch = _Batch(connection, job)
        return await batch.load(rows)


class _Batch:
    def __init__(self, connection: Any, job: JobRun) -> None:
        self.connection = connection
        self.job = job
        self.memo = job.memo
        self.principal = job.principal
        self.now = clock.now()
        # the batch's templates of new inquiries (see `_new_record`)
        self.templates: dict[Any, _Template] = {}
        self.random = _Random()

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Any]:
        yield self.connection

    async def _organization_codes(self, rows: list[Row]) -> None:
        known = self.memo.setdefault("org_codes", {})
        wanted = {r.data.organization_code for r in rows} - {None} - known.keys()
        if wanted:
            found = await sql.organizations_by_code(self.connection, sorted(wanted))
            for code in wanted:
                known[code] = found.get(code)

    async def _category(self, org_id: uuid.UUID | None, code: str) -> uuid.UUID:
        key = ("category", org_id, code)
        if key not in self.memo:
            if org_id is not None:
                self.memo[key] = await sql.category_above(self.connection, org_id, code)
            else:
                root = None if self.principal.is_sector_admin else self.principal.organization_id
                found = await sql.categories_below(self.connection, root, code)
                self.memo[key] = found[0] if len(found) == 1 else None
        found_id: uuid.UUID | None = self.memo[key]
        if found_id is None:
            raise _Refused(
                "category_code",
                text(
                    "لا يوجد تصنيف بهذا الرمز للجهة",
                    "No category of the organization has this code",
                ),
                code,
            )
        return found_id

    async def _visible(self, org_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if self.principal.is_sector_admin:
            return org_ids
        seen = self.memo.setdefault("visible", {})
        unknown = [org for org in org_ids if org not in seen]
        if unknown and self.principal.organization_id is not None:
            inside = await sql.within(self.connection, unknown, self.principal.organization_id)
            for org in unknown:
                seen[org] = org in inside
        return {org for org in org_ids if seen.get(org)}

    async def _context(self, body: InquiryCreate, priority: Priority) -> Any:
        key = ("context", intake._context_key(self.principal, body, priority))
        if key not in self.memo:
            try:
                self.memo[key] = await intake._read_context(
                    self.connection, self.principal, body, priority
                )
            except DomainError as exc:
                self.memo[key] = exc
        found = self.memo[key]
        if isinstance(found, DomainError):
            raise found
        return found

    async def _decide(self, row: InquiryImportRow) -> tuple[InquiryImportRow, Priority, Any, Any]:
        """The row with codes turned into ids, its priority, context and routing."""
        # the ids the codes stand for, set on the validated row itself (a copy of the model
        # per row cost more than its validation's share)
        org_id = row.organization_id
        if row.organization_code is not None:
            org_id = self.memo["org_codes"].get(row.organization_code)
            if org_id is None:
                raise _Refused(
                    "organization_code",
                    text("لا توجد جهة بهذا الرمز", "No organization has this code"),
                    row.organization_code,
                )
            row.organization_id = org_id
        if row.category_code is not None:
            row.category_id = await self._category(org_id, row.category_code)
        try:
            intake._check_media_fields(row, self.now)
            default = Priority.HIGH if row.kind == Kind.MEDIA_REQUEST else Priority.NORMAL
            priority = row.priority or default
            context = await self._context(row, priority)
            decided = intake._decide(self.principal, row, context)
        except DomainError as exc:
            raise _refusal(exc, row) from exc
        return row, priority, context, decided

    async def load(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        await self._organization_codes(rows)
        decided_rows: list[tuple[Row, InquiryImportRow, Priority, Any, Any, tuple[str, str]]] = []
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            data: InquiryImportRow = row.data
            key = (data.external_source or self.job.source, data.external_id)
            if key in seen:
                outcome.rejections.append(
                    Rejection(
                        row.line,
                        text(
                            f"المعرّف مكرر في الملف (السطر {seen[key]})",
                            f"The same external_id is on line {seen[key]} already",
                        ),
                        "external_id",
                        data.external_id,
                    )
                )
                continue
            seen[key] = row.line
            try:
                decided_rows.append((row, *await self._decide(data), key))
            except _Refused as refused:
                outcome.rejections.append(
                    Rejection(
                        row.line,
                        refused.reason,
                        refused.field,
                        None if refused.value is None else str(refused.value)[:200],
                    )
                )
        visible = await self._visible({d[4][0] for d in decided_rows})
        stored = await sql.existing(self.connection, [d[5] for d in decided_rows])
        records: list[tuple[Any, ...]] = []
        for row, data, priority, context, decided, key in decided_rows:
            found = stored.get(key)
            owner = found[0] if found is not None else None
            if decided[0] not in visible or (owner is not None and owner not in visible):
                outcome.rejections.append(
                    Rejection(
                        row.line,
                        text(
                            "الجهة ليست ضمن جهتك أو ما يتبعها",
                            "The organization is outside your organization's subtree",
                        ),
                        "organization_code" if data.organization_code else "organization_id",
                        str(data.organization_code or decided[0]),
                    )
                )
                continue
            if found is None:
                records.append(await self._new_record(data, priority, context, decided, key))
                continue
            changes = _updatable(data)
            if changes == found[1]:
                # what the file says is what the hub holds: nothing to stage nor write
                outcome.unchanged += 1
            else:
                records.append(self._existing_record(changes, key))
        if records:
            inserted, updated = await sql.write_batch(self.connection, records)
            outcome.imported, outcome.updated = inserted, updated
            outcome.unchanged += len(records) - inserted - updated
        return outcome

    def _existing_record(self, changes: tuple[Any, ...], key: tuple[str, str]) -> tuple[Any, ...]:
        values = dict.fromkeys(sql.STAGE_COLUMNS)
        values["existing"] = True
        values["i_source"], values["i_external_id"] = key
        for name, value in zip(sql.UPDATABLE, changes, strict=True):
            values["i_" + name] = value
        return tuple(values.values())

    async def _reference(self) -> str:
        if self.job.dry_run:  # sequences are not rolled back: a dry run draws no number
            return "DRY-" + secrets.token_hex(10)
        memory: IntakeMemory | None = self.memo.get("references")
        if memory is None:
            memory = self.memo["references"] = IntakeMemory(
                reference_block=InquiriesImport.batch_size
            )
        year = self.now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year
        return await memory.reference(self._connect, year)

    async def _new_record(
        self,
        data: InquiryImportRow,
        priority: Priority,
        context: Any,
        decided: Any,
        key: tuple[str, str],
    ) -> tuple[Any, ...]:
        """The staging row of a new inquiry, with its history row and outbox event.

        The intake's `_rows` decides the first inquiry of each group of the batch that
        shares what its rules read besides the inquiry's own texts (routing, context,
        priority, kind, deadline; the batch has one `now`): SLA targets, due times in
        business hours, alarm, channel, history, event. The group's other inquiries take
        those values and differ only in `_Template.OWN` (ids, reference, token, texts,
        contact, location): the due times are computed once per group, not per row."""
        reference = await self._reference()
        group = (decided, priority, data.kind, data.deadline, id(context))
        template: _Template | None = self.templates.get(group)
        if template is not None:
            return template.record(data, reference, self.random, key)
        # the citizen of an imported inquiry has no token to see: one nobody holds
        token = secrets.token_urlsafe(24)
        _, params = intake._rows(
            self.principal, data, self.now, priority, reference, token, decided, context.receiving
        )
        params["i_source"], params["i_external_id"] = key
        values = tuple(params.get(name) for name in sql.STAGE_COLUMNS[1:])
        self.templates[group] = _Template(values)
        return (False, *values)


def _updatable(data: InquiryImportRow) -> tuple[Any, ...]:
    """The row's values of `sql.UPDATABLE`, in that order (as `sql.existing` reads them)."""
    contact, location = data.contact, data.location
    return (
        data.subject,
        data.body,
        contact.name if contact else None,
        contact.phone if contact else None,
        str(contact.email) if contact and contact.email else None,
        location.lat if location else None,
        location.long if location else None,
        location.address if location else None,
        data.outlet,
        data.deadline,
    )


_INDEX = {name: index for index, name in enumerate(sql.STAGE_COLUMNS)}


class _Template:
    """A staging row decided by the intake's rules, for the new inquiries of its group."""

    # what differs between the inquiries of a group: their own ids, texts and key
    OWN = (
        "i_id",
        "i_reference",
        "i_tracking_token_hash",
        *(f"i_{name}" for name in sql.UPDATABLE),
        "i_source",
        "i_external_id",
        "e_id",
        "e_inquiry_id",
        "o_id",
        "o_aggregate_id",
        "o_payload",
    )

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = [False, *values]
        # the event's JSON around its id and reference (both plain ASCII: a uuid, INQ-…)
        payload = json.loads(self.values[_INDEX["o_payload"]])
        marked = {**payload, "id": "\x00", "reference": "\x00"}
        self.payload = json.dumps(marked, ensure_ascii=False).split("\\u0000")
        assert len(self.payload) == 3

    def record(
        self, data: InquiryImportRow, reference: str, random: _Random, key: tuple[str, str]
    ) -> tuple[Any, ...]:
        values = self.values.copy()
        inquiry_id = random.uuid4()
        own = (
            inquiry_id,
            reference,
            # the hash of a tracking token nobody holds (as `_rows` stores for one it
            # draws and forgets): 256 random bits, the preimage of nothing anyone has
            random.take(32).hex(),
            *_updatable(data),
            *key,
            random.uuid4(),
            inquiry_id,
            random.uuid4(),
            inquiry_id,
            str(inquiry_id).join(self.payload[:2]) + reference + self.payload[2],
        )
        for index, value in zip(_OWN_INDEXES, own, strict=True):
            values[index] = value
        return tuple(values)


_OWN_INDEXES = tuple(_INDEX[name] for name in _Template.OWN)


class _Random:
    """Random bytes from the OS a block at a time (one system call for many rows' ids)."""

    BLOCK = 64 * 1024

    def __init__(self) -> None:
        self.buffer = b""
        self.at = 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.buffer):
            self.buffer, self.at = os.urandom(self.BLOCK), 0
        self.at += count
        return self.buffer[self.at - count : self.at]

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.take(16), version=4)
