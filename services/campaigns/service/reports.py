"""Activity and media-coverage reports: draft → submitted → accepted | returned, and the
roll-up of everything filed below a ministry (its unified information center, S3-2)."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.domain.states import REPORT_EDITABLE, REPORT_TRANSITIONS, step
from services.campaigns.errors import invalid, unknown_reference
from services.campaigns.models import Report
from services.campaigns.repository import initiatives as initiatives_repo
from services.campaigns.repository import reports as repo
from services.campaigns.repository.base import flush
from services.campaigns.schemas.reports import (
    ReportCreate,
    ReportDecision,
    ReportUpdate,
    RollupChannel,
    RollupOrganization,
    RollupOut,
    RollupTone,
)
from services.campaigns.service.common import (
    check_decider,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.common.attachments.references import Owner, attach
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

ReportFilters = repo.ReportFilters
FIELDS = (
    "title_ar",
    "period_start",
    "period_end",
    "activities",
    "coverage",
    "campaign_id",
    "initiative_id",
    "status",
)


def _jsonable(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


async def get(
    session: AsyncSession, principal: Principal, report_id: uuid.UUID, *, lock: bool = False
) -> Report:
    require(principal, "campaigns:read")
    report = await repo.get_visible(session, principal, report_id, lock=lock)
    if report is None:
        raise NotFound("التقرير", "report")
    return report


async def list_reports(
    session: AsyncSession, principal: Principal, filters: repo.ReportFilters, page: PageParams
) -> tuple[list[Report], str | None]:
    require(principal, "campaigns:read")
    if filters.organization_id is not None:
        await visible_organization(session, principal, filters.organization_id, "organization_id")
    return await repo.list_visible(session, principal, filters, page)


async def _check_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID | None
) -> None:
    if initiative_id is not None and (
        await initiatives_repo.get_visible(session, principal, initiative_id) is None
    ):
        raise unknown_reference("initiative_id", "المبادرة", "initiative")


async def create(session: AsyncSession, principal: Principal, data: ReportCreate) -> Report:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    await _check_initiative(session, principal, data.initiative_id)
    values = data.model_dump(exclude={"activities", "coverage", "attachment_ids"})
    report = Report(
        id=uuid.uuid4(),
        activities=_jsonable(data.activities),
        coverage=_jsonable(data.coverage),
        status="draft",
        created_by=principal.subject,
        **values,
    )
    session.add(report)
    await flush(session)
    await attach(
        session,
        data.attachment_ids,
        principal,
        Owner("campaigns", "report", report.id, report.organization_id),
    )
    await session.refresh(report)
    await record(
        session,
        principal,
        "create",
        "report",
        report.id,
        report.organization_id,
        {"kind": report.kind, "period_start": report.period_start},
    )
    return report


async def update(
    session: AsyncSession, principal: Principal, report: Report, data: ReportUpdate
) -> Report:
    require(principal, "campaigns:write")
    if report.status not in REPORT_EDITABLE:
        raise InvalidState("update", report.status)
    fields = data.model_fields_set
    await _check_initiative(session, principal, data.initiative_id)
    before = snapshot(report, FIELDS)
    for name in fields:
        value = getattr(data, name)
        if name in ("activities", "coverage"):
            value = _jsonable(value)
        setattr(report, name, value)
    _recheck_period(report)
    await flush(session)
    await session.refresh(report)
    changes = diff(before, snapshot(report, FIELDS))
    if changes:
        await record(
            session, principal, "update", "report", report.id, report.organization_id, changes
        )
    return report


def _recheck_period(report: Report) -> None:
    start, end = report.period_start, report.period_end
    if end < start:
        raise invalid("period_end", "نهاية الفترة قبل بدايتها", "period_end is before period_start")
    dates = [date.fromisoformat(a["date"]) for a in report.activities] + [
        date.fromisoformat(c["published_on"]) for c in report.coverage
    ]
    if any(not start <= d <= end for d in dates):
        raise invalid("period_start", "عناصر خارج فترة التقرير", "Items lie outside the period")


async def act(
    session: AsyncSession,
    principal: Principal,
    report: Report,
    action: str,
    data: ReportDecision,
) -> Report:
    """submit (its organization's writers) | accept | return (a head or administrator of
    the organization or above, never the one who submitted it)."""
    if action == "submit":
        require(principal, "campaigns:write")
    else:
        await check_decider(session, principal, report.organization_id, report.submitted_by)
        if action == "return" and not data.comment:
            raise invalid("comment", "اذكر سبب الإعادة", "Say why it is returned")
    before = report.status
    report.status = step(REPORT_TRANSITIONS, report.status, action)
    now = clock.now()
    if action == "submit":
        report.submitted_by = principal.subject
        report.submitted_at = now
        report.decided_by = None
        report.decided_at = None
    else:
        report.decided_by = principal.subject
        report.decided_at = now
    report.decision_comment = data.comment
    await flush(session)
    await session.refresh(report)
    await record(
        session,
        principal,
        action,
        "report",
        report.id,
        report.organization_id,
        {"status": [before, report.status], "comment": data.comment},
    )
    await emit(
        session,
        f"report.{report.status}",
        aggregate_type="report",
        aggregate_id=report.id,
        organization_id=report.organization_id,
        payload={
            "report_id": str(report.id),
            "organization_id": str(report.organization_id),
            "kind": report.kind,
            "status": report.status,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
        },
    )
    return report


def _in(window: tuple[date, date], day: str) -> bool:
    return window[0] <= date.fromisoformat(day) <= window[1]


async def rollup(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    start: date,
    end: date,
) -> RollupOut:
    require(principal, "campaigns:read")
    await visible_organization(session, principal, organization_id, "organization_id")
    if end < start:
        raise invalid("to", "نهاية الفترة قبل بدايتها", "`to` is before `from`")
    window = (start, end)
    reports = await repo.filed_in(session, organization_id, start, end)
    per_org: dict[uuid.UUID, dict[str, int]] = defaultdict(
        lambda: {"reports": 0, "activities": 0, "coverage": 0, "reach": 0}
    )
    channels: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tones: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for report in reports:
        line = per_org[report.organization_id]
        line["reports"] += 1
        for item in report.activities:
            if _in(window, item["date"]):
                line["activities"] += 1
                line["reach"] += int(item.get("reach", 0))
                channels[item["channel"]][0] += 1
                channels[item["channel"]][1] += int(item.get("reach", 0))
        for item in report.coverage:
            if _in(window, item["published_on"]):
                line["coverage"] += 1
                line["reach"] += int(item.get("reach", 0))
                tones[item["tone"]][0] += 1
                tones[item["tone"]][1] += int(item.get("reach", 0))
    names = await repo.organization_names(session, list(per_org))
    by_org = sorted(
        (
            RollupOrganization(
                organization_id=org_id,
                code=names.get(org_id, (None, None))[0],
                name_ar=names.get(org_id, (None, None))[1],
                **figures,
            )
            for org_id, figures in per_org.items()
        ),
        key=lambda line: (-line.reach, line.code or ""),
    )
    totals = {
        key: sum(line[key] for line in per_org.values())
        for key in ("reports", "activities", "coverage", "reach")
    }
    return RollupOut.model_validate(
        {
            "organization_id": organization_id,
            "from": start,
            "to": end,
            "totals": totals,
            "by_organization": by_org,
            "by_channel": sorted(
                (
                    RollupChannel(channel=k, activities=v[0], reach=v[1])
                    for k, v in channels.items()
                ),
                key=lambda c: (-c.activities, c.channel),
            ),
            "by_tone": [
                RollupTone(tone=t, coverage=tones[t][0], reach=tones[t][1])
                for t in ("positive", "neutral", "negative")
                if t in tones
            ],
        }
    )


def rollup_csv(data: RollupOut) -> str:
    """The roll-up as CSV (UTF-8 with BOM for Excel): one row per organization, channel and
    tone, then the totals; formula-like cells prefixed with `'`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["section", "key", "name_ar", "reports", "activities", "coverage", "reach"])

    def cell(value: str | None) -> str:
        text_value = value or ""
        return "'" + text_value if text_value[:1] in ("=", "+", "-", "@") else text_value

    for org in data.by_organization:
        writer.writerow(
            [
                "organization",
                cell(org.code),
                cell(org.name_ar),
                org.reports,
                org.activities,
                org.coverage,
                org.reach,
            ]
        )
    for channel in data.by_channel:
        writer.writerow(
            ["channel", cell(channel.channel), "", "", channel.activities, "", channel.reach]
        )
    for tone in data.by_tone:
        writer.writerow(["tone", tone.tone, "", "", "", tone.coverage, tone.reach])
    totals = data.totals
    writer.writerow(
        [
            "total",
            "",
            "",
            totals["reports"],
            totals["activities"],
            totals["coverage"],
            totals["reach"],
        ]
    )
    return out.getvalue()
