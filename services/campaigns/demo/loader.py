"""Loads the campaigns demo data through the service layer, as the API would (composed in
`govhub/demo.py`): initiatives on every axis for the demo organizations of the three
countries with milestones (some overdue) and beneficiaries, KPIs with targets and a year
of monthly values (the last two months awaiting verification), and a month of activity
and media-coverage reports.

* Idempotent: nothing happens when the first demo initiative exists; nothing without the
  directory's demo organizations (matched by code).
* Deterministic: one `random.Random(2027)` drives the figures; dates are offsets from today.
* The last two months' values are submitted through the service by a reporter of each
  organization (`demo-reporter-<code>`, a coordinator) and await verification; the ten
  months before are written in one batch as already verified by the system (a sector
  administrator), which keeps loading fast.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hijridate import Gregorian, Hijri
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.demo import data
from services.campaigns.demo.evidence import upload_evidence
from services.campaigns.models import Axis, Initiative, KpiValue
from services.campaigns.schemas.campaigns import CampaignCreate, FlightCreate
from services.campaigns.schemas.campaigns import DecisionIn as CampaignDecisionIn
from services.campaigns.schemas.crisis import Level, PlaybookCreate
from services.campaigns.schemas.initiatives import (
    BeneficiariesIn,
    BeneficiaryFigure,
    InitiativeCreate,
    InitiativeUpdate,
    MilestoneComplete,
    MilestoneCreate,
)
from services.campaigns.schemas.key_messages import KeyMessageCreate, VersionCreate
from services.campaigns.schemas.kpis import KpiCreate, TargetIn, TargetsIn, ValueIn
from services.campaigns.schemas.reports import Activity, Coverage, ReportCreate, ReportDecision
from services.campaigns.service import (
    campaigns,
    crisis,
    initiatives,
    key_messages,
    kpis,
    milestones,
    reports,
)
from services.campaigns.service.common import SYSTEM
from services.common.auth import Principal
from services.common.settings import GovhubSettings

PATHS = {
    "proposed": [],
    "approved": ["approved"],
    "in_progress": ["approved", "in_progress"],
    "on_hold": ["approved", "in_progress", "on_hold"],
}


def reporter(org_id: uuid.UUID, code: str) -> Principal:
    return Principal(
        subject=f"demo-reporter-{code}",
        kind="user",
        organization_id=org_id,
        roles=frozenset({"coordinator"}),
        username=f"demo-reporter-{code.lower()}",
    )


def months_before(today: date, count: int) -> list[str]:
    """The `count` months before today's, oldest first (`2027-01` …)."""
    found = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        found.append(f"{year:04d}-{month:02d}")
    return found[::-1]


async def demo_exists(session: AsyncSession) -> bool:
    first = data.INITIATIVES[0].code
    return (await session.scalar(select(Initiative.id).where(Initiative.code == first))) is not None


async def load_demo(session: AsyncSession, settings: GovhubSettings) -> int:
    """Loads the demo data once; returns how many initiatives were created (0 when they
    exist or the directory's demo organizations are missing). The caller commits."""
    if await demo_exists(session):
        return 0
    rows = await session.execute(
        text("SELECT id, code FROM directory_organization WHERE code = ANY(:codes)"),
        {
            "codes": sorted(
                {i.organization for i in data.INITIATIVES} | {r[0] for r in data.REPORTS}
            )
        },
    )
    orgs: dict[str, uuid.UUID] = {r.code: r.id for r in rows}
    if data.INITIATIVES[0].organization not in orgs:
        return 0
    axes = {a.code: a.id for a in await session.scalars(select(Axis))}
    today = clock.today()
    rng = random.Random(2027)
    created: dict[str, Initiative] = {}
    evidence_given = False
    for item in data.INITIATIVES:
        if item.organization not in orgs:
            continue
        start = today + timedelta(days=item.starts_in_days)
        initiative = await initiatives.create(
            session,
            SYSTEM,
            InitiativeCreate(
                code=item.code,
                title_ar=item.title_ar,
                title_en=item.title_en,
                description_ar=item.description_ar,
                organization_id=orgs[item.organization],
                participating_organization_ids=[orgs[p] for p in item.partners if p in orgs],
                axis_id=axes[item.axis],
                parent_id=created[item.parent].id if item.parent in created else None,
                start_date=start,
                end_date=start + timedelta(days=item.lasts_days),
                budget_planned=Decimal(item.budget),
                budget_actual=Decimal(item.budget) * Decimal("0.35")
                if item.status != "proposed"
                else None,
                currency=item.currency,
                published=item.published,
            ),
        )
        for status in PATHS[item.status]:
            initiative = await initiatives.update(
                session, SYSTEM, initiative, InitiativeUpdate(status=status)
            )
        for step in item.milestones:
            milestone = await milestones.create(
                session,
                SYSTEM,
                initiative,
                MilestoneCreate(
                    title_ar=step.title_ar,
                    due_date=today + timedelta(days=step.due_in_days),
                    weight=Decimal(step.weight),
                ),
            )
            if step.done:
                # the first completed milestone proves itself with a file; the others link
                files = [] if evidence_given else await upload_evidence(session, settings, SYSTEM)
                evidence_given = True
                await milestones.complete(
                    session,
                    SYSTEM,
                    milestone,
                    MilestoneComplete(
                        evidence_url=None if files else "https://example.gov.sa/evidence/demo.pdf",
                        attachment_ids=files,
                    ),
                )
        figures = [
            BeneficiaryFigure(
                organization_id=orgs[org],
                period=str(today.year),
                target=target,
                actual=actual,
                segment=segment,
            )
            for org, target, actual, segment in item.beneficiaries
            if org in orgs
        ]
        if figures:
            await initiatives.replace_beneficiaries(
                session, SYSTEM, initiative, BeneficiariesIn(items=figures)
            )
        created[item.code] = initiative
    await _load_kpis(session, orgs, axes, created, today, rng)
    await _load_reports(session, orgs, today, rng)
    await _load_campaigns(session, today)
    return len(created)


async def _load_kpis(
    session: AsyncSession,
    orgs: dict[str, uuid.UUID],
    axes: dict[str, uuid.UUID],
    created: dict[str, Initiative],
    today: date,
    rng: random.Random,
) -> None:
    extra = await session.execute(
        text("SELECT id, code FROM directory_organization WHERE code = ANY(:codes)"),
        {
            "codes": sorted(
                {r for k in data.KPIS for r in k.reporters} | {k.organization for k in data.KPIS}
            )
        },
    )
    orgs = orgs | {r.code: r.id for r in extra}
    months = months_before(today, 12)
    for item in data.KPIS:
        if item.organization not in orgs:
            continue
        kpi = await kpis.create(
            session,
            SYSTEM,
            KpiCreate(
                code=item.code,
                name_ar=item.name_ar,
                name_en=item.name_en,
                organization_id=orgs[item.organization],
                unit=item.unit,
                direction=item.direction,
                frequency="monthly",
                aggregation=item.aggregation,
                axis_id=axes[item.axis],
                initiative_id=created[item.initiative].id if item.initiative in created else None,
            ),
        )
        reporters = [code for code in item.reporters if code in orgs]
        await kpis.replace_targets(
            session,
            SYSTEM,
            kpi,
            TargetsIn(
                items=[
                    TargetIn(
                        organization_id=orgs[code],
                        period=month,
                        baseline=Decimal(str(item.base)),
                        target=Decimal(str(item.target)),
                        amber_at=Decimal(str(item.amber_at)),
                    )
                    for code in reporters
                    for month in months
                ]
            ),
        )
        history: list[KpiValue] = []
        for code in reporters:
            who = reporter(orgs[code], code)
            for index, month in enumerate(months):
                # a slow trend towards the target, with noise
                trend = (item.target - item.base) * index / 12
                figure = Decimal(str(round((item.base + trend) * rng.uniform(0.9, 1.1), 2)))
                if index >= len(months) - 2:
                    # the last two months through the service: they await verification
                    await kpis.submit_value(
                        session,
                        who,
                        kpi,
                        ValueIn(
                            organization_id=orgs[code],
                            period=month,
                            value=figure,
                            comment="بيانات الشهر من النظام الداخلي",
                        ),
                    )
                    continue
                # the year's history, already verified, written in one batch
                history.append(
                    KpiValue(
                        id=uuid.uuid4(),
                        kpi_id=kpi.id,
                        organization_id=orgs[code],
                        period=month,
                        value=figure,
                        comment="بيانات الشهر من النظام الداخلي",
                        status="verified",
                        submitted_by=who.subject,
                        decided_by=SYSTEM.subject,
                        decided_at=clock.now(),
                    )
                )
        session.add_all(history)
        await session.flush()
        await kpis.refresh_rollups(session, [kpi.id])
    if "MOMRAH" in orgs:
        await _load_builtin_kpi(session, orgs["MOMRAH"], axes, [*months, f"{today:%Y-%m}"])


async def _load_builtin_kpi(
    session: AsyncSession, ministry: uuid.UUID, axes: dict[str, uuid.UUID], months: list[str]
) -> None:
    """The ministry tracks first-response compliance from the inquiries themselves: no
    values are typed, the year's monthly targets colour the scorecard."""
    kpi = await kpis.create(
        session,
        SYSTEM,
        KpiCreate(
            code="INQ-FIRST-RESPONSE",
            name_ar="نسبة الاستفسارات المردود عليها في الوقت المستهدف",
            name_en="Inquiries answered within the first-response target",
            organization_id=ministry,
            unit="percent",
            direction="up",
            frequency="monthly",
            aggregation="avg",
            axis_id=axes["interactive_services"],
            source="inquiries.first_response",
        ),
    )
    await kpis.replace_targets(
        session,
        SYSTEM,
        kpi,
        TargetsIn(
            items=[
                TargetIn(
                    organization_id=ministry,
                    period=month,
                    target=Decimal(90),
                    amber_at=Decimal(75),
                )
                for month in months
            ]
        ),
    )


async def _load_reports(
    session: AsyncSession, orgs: dict[str, uuid.UUID], today: date, rng: random.Random
) -> None:
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = today.replace(day=1) - timedelta(days=1)
    for number, (code, kind, title) in enumerate(data.REPORTS):
        if code not in orgs:
            continue
        who = reporter(orgs[code], code)
        days = (last - first).days
        activities = [
            Activity(
                title=name,
                date=first + timedelta(days=rng.randint(0, days)),
                channel=channel,
                reach=int(reach * rng.uniform(0.5, 1.5)),
            )
            for name, channel, reach in rng.sample(data.ACTIVITIES, 3)
        ]
        coverage = (
            [
                Coverage(
                    outlet=outlet,
                    published_on=first + timedelta(days=rng.randint(0, days)),
                    tone=tone,
                    reach=reach,
                )
                for outlet, tone, reach in rng.sample(data.COVERAGE, 3)
            ]
            if kind == "media_coverage"
            else []
        )
        report = await reports.create(
            session,
            who,
            ReportCreate(
                organization_id=orgs[code],
                kind=kind,
                title_ar=title,
                period_start=first,
                period_end=last,
                activities=activities,
                coverage=coverage,
            ),
        )
        report = await reports.act(session, who, report, "submit", ReportDecision())
        if number % 2 == 0:
            await reports.act(session, SYSTEM, report, "accept", ReportDecision())


async def _load_campaigns(session: AsyncSession, today: date) -> None:
    """The key messages library, the Ramadan campaign with its flights (approved: the
    calendar shows them once the worker delivers the events) and the flood playbook."""
    codes = sorted(
        {m[0] for m in data.KEY_MESSAGES}
        | {str(data.RAMADAN_CAMPAIGN["organization"]), str(data.FLOOD_PLAYBOOK["organization"])}
    )
    rows = await session.execute(
        text("SELECT id, code FROM directory_organization WHERE code = ANY(:codes)"),
        {"codes": codes},
    )
    orgs: dict[str, uuid.UUID] = {r.code: r.id for r in rows}
    approved: dict[tuple[str, str], uuid.UUID] = {}
    for org, code, topic, wordings in data.KEY_MESSAGES:
        if org not in orgs:
            continue
        who = reporter(orgs[org], org)
        message = await key_messages.create(
            session, who, KeyMessageCreate(code=code, topic=topic, organization_id=orgs[org])
        )
        versions = []
        for text_ar, text_en in wordings:
            version = await key_messages.add_version(
                session, who, message, VersionCreate(text_ar=text_ar, text_en=text_en)
            )
            version = await key_messages.act(session, SYSTEM, version, "approve")
            versions.append(version)
        for old in versions[:-1]:
            await key_messages.act(session, SYSTEM, old, "retire")
        approved[(org, code)] = versions[-1].id

    spec: dict[str, Any] = data.RAMADAN_CAMPAIGN
    if spec["organization"] in orgs:
        hijri = Gregorian.fromdate(today).to_hijri()
        year = hijri.year if hijri.month < 9 else hijri.year + 1
        first_day = Hijri(year, 9, 1).to_gregorian()
        length = Hijri(year, 9, 1).month_length()
        who = reporter(orgs[spec["organization"]], spec["organization"])
        campaign = await campaigns.create(
            session,
            who,
            CampaignCreate(
                code=spec["code"],
                title_ar=spec["title_ar"],
                title_en=spec["title_en"],
                type="awareness",
                organization_id=orgs[spec["organization"]],
                objective_ar=spec["objective_ar"],
                audiences=spec["audiences"],
                channels=spec["channels"],
                start_date=first_day,
                end_date=first_day + timedelta(days=length - 1),
                budget=Decimal(spec["budget"]),
                key_message_version_ids=[approved[m] for m in spec["messages"] if m in approved],
            ),
        )
        for channel, first, last in spec["flights"]:
            await campaigns.create_flight(
                session,
                who,
                campaign,
                FlightCreate(
                    channel=channel,
                    start_date=first_day + timedelta(days=first - 1),
                    end_date=first_day + timedelta(days=min(last, length) - 1),
                ),
            )
        await campaigns.act(session, who, campaign, "submit", CampaignDecisionIn())
        await campaigns.act(session, SYSTEM, campaign, "approve", CampaignDecisionIn())

    playbook: dict[str, Any] = data.FLOOD_PLAYBOOK
    if playbook["organization"] in orgs:
        spokesperson = await session.scalar(
            text("SELECT id FROM directory_user WHERE username = :u"),
            {"u": playbook["spokesperson"]},
        )
        await crisis.create(
            session,
            SYSTEM,
            PlaybookCreate(
                organization_id=orgs[playbook["organization"]],
                scenario_ar=playbook["scenario_ar"],
                scenario_en=playbook["scenario_en"],
                levels=[
                    Level(level=n, criteria_ar=ar, criteria_en=en)
                    for n, ar, en in playbook["levels"]
                ],
                holding_message_version_ids=[
                    approved[m] for m in playbook["messages"] if m in approved
                ],
                spokesperson_ids=[spokesperson] if spokesperson else [],
                channels=list(playbook["channels"]),
                keywords=list(playbook["keywords"]),
            ),
        )
