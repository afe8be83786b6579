"""Demo calendar (`govhub demo`, `make run`; composed in `govhub/demo.py`): a realistic two
years for the directory's demo organizations of every country, written through the service
layer as the people named would (policies, entries, submissions, decisions):

* the ministry's Ramadan and Eid al-Fitr campaign flights (Hijri-recurring, RSCALE) and a
  refusing blackout on the Saudi national day;
* the weekly majlis of Bahrain's Capital Governorate (its media directorate writes, the
  governorate's admin approves by policy);
* the monthly coordination meeting of the Eastern amanah with its municipalities;
* Al-Ahsa's press conferences waiting for the amanah's approval (a policy of the amanah);
* the Riyadh media centre's weekly posts on the ministry's X account (channel clashes with
  the ministry's own posts), an approved press conference and a draft post on the national
  day (a blackout conflict);
* Iraq: a national day media event and a Karbala community event pending the ministry.

Idempotent: nothing happens when a demo entry (`external_source = 'demo'`) exists, or
when the directory's demo organizations are missing. The built-in occasions are seeded too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain.hijri import hijri_year_of, to_gregorian
from services.calendar.models import Entry
from services.calendar.schemas.approvals import PolicyCreate
from services.calendar.schemas.entries import EntryCreate
from services.calendar.service import approvals, occasions
from services.calendar.service import entries as service
from services.common.auth import Principal
from services.common.settings import GovhubSettings

SOURCE = "demo"
NAMESPACE = uuid.UUID("6f0e9b1c-3a55-4c1e-9d1f-2b8a7c6d5e4f")


async def _directory(session: AsyncSession) -> tuple[dict[str, uuid.UUID], dict[str, Principal]]:
    orgs = {
        r.code: r.id
        for r in await session.execute(text("SELECT id, code FROM directory_organization"))
    }
    people = {
        r.username: Principal(
            subject=str(r.id),
            kind="user",
            organization_id=r.organization_id,
            roles=frozenset(r.roles),
            username=r.username,
        )
        for r in await session.execute(
            text("SELECT id, username, organization_id, roles FROM directory_user")
        )
    }
    return orgs, people


def _at(day: date, hour: int, tz: str, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz))


def _first_weekday(year: int, weekday: int) -> date:
    day = date(year, 1, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


async def load_demo(session: AsyncSession, settings: GovhubSettings) -> int:
    """Loads the demo calendar once; returns how many entries were created. The caller
    commits."""
    await occasions.seed(session)
    found = await session.scalar(select(Entry.id).where(Entry.external_source == SOURCE).limit(1))
    if found is not None:
        return 0
    orgs, people = await _directory(session)
    needed = {"MOMRAH", "RIYADH", "RIYADH-MEDIA", "EASTERN", "ALAHSA", "BH-CAPITAL-MEDIA"}
    if not needed <= set(orgs) or "sector.admin" not in people:
        return 0
    loader = _Loader(session, orgs, people)
    await loader.load(date.today())
    return loader.created


class _Loader:
    def __init__(
        self, session: AsyncSession, orgs: dict[str, uuid.UUID], people: dict[str, Principal]
    ) -> None:
        self.session, self.orgs, self.people = session, orgs, people
        self.created = 0

    async def policy(
        self, org: str, name_ar: str, kinds: list[str], steps: list[dict[str, Any]]
    ) -> None:
        await approvals.create_policy(
            self.session,
            self.people["sector.admin"],
            PolicyCreate.model_validate(
                {
                    "organization_id": self.orgs[org],
                    "name_ar": name_ar,
                    "kinds": kinds,
                    "steps": steps,
                }
            ),
        )

    async def entry(
        self,
        key: str,
        who: str,
        org: str,
        *,
        submit: bool = True,
        approve: str | None = None,
        **fields: Any,
    ) -> Entry:
        data = EntryCreate.model_validate(
            {
                "organization_id": self.orgs[org],
                "external_source": SOURCE,
                "external_id": f"demo-{key}",
                **fields,
            }
        )
        author = self.people[who]
        entry = await service.create(self.session, author, data)
        self.created += 1
        if submit:
            await approvals.submit(self.session, author, entry)
        if approve:
            await approvals.approve(self.session, self.people[approve], entry, "معتمد")
        return entry

    async def load(self, today: date) -> None:
        year = today.year
        hijri_year = hijri_year_of(date(year, 1, 1))
        await self.policy(
            "EASTERN",
            "المؤتمرات الصحفية للبلديات تعتمدها أمانة المنطقة الشرقية",
            ["press_conference"],
            [{"level": "parent", "roles": ["org_admin"]}],
        )
        await self.policy(
            "RIYADH",
            "مواعيد المركز الإعلامي تعتمدها الأمانة",
            [],
            [{"level": "parent", "roles": ["org_admin"]}],
        )
        if "BH-CAPITAL" in self.orgs:
            await self.policy(
                "BH-CAPITAL",
                "مواعيد إدارة الإعلام يعتمدها المحافظ",
                [],
                [{"level": "parent", "roles": ["org_admin"]}],
            )
        if "IQ-MOCHPM" in self.orgs:
            await self.policy(
                "IQ-MOCHPM",
                "مواعيد الوحدات والمديريات تعتمدها الوزارة",
                [],
                [{"level": "parent", "roles": ["org_admin"]}],
            )
        campaign = uuid.uuid5(NAMESPACE, f"ramadan-{hijri_year}")
        ramadan = to_gregorian(hijri_year, 9, 1)
        await self.entry(
            "ramadan-flight",
            "momrah.admin",
            "MOMRAH",
            approve="sector.admin",
            kind="campaign_flight",
            title_ar="حملة رمضان: أحياء نظيفة ومساجد عامرة",
            title_en="Ramadan campaign: clean neighbourhoods",
            all_day=True,
            start_date=ramadan.isoformat(),
            end_date=(ramadan + timedelta(days=9)).isoformat(),
            rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=3",
            channels=["x", "app"],
            audiences=["families", "citizens"],
            visibility="sector",
            campaign_id=str(campaign),
            flight_id="ramadan",
        )
        eid = to_gregorian(hijri_year, 10, 1)
        await self.entry(
            "eid-flight",
            "momrah.admin",
            "MOMRAH",
            approve="sector.admin",
            kind="campaign_flight",
            title_ar="حملة عيد الفطر: عيدكم في أحيائكم",
            all_day=True,
            start_date=eid.isoformat(),
            end_date=(eid + timedelta(days=2)).isoformat(),
            rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1;COUNT=3",
            channels=["x"],
            audiences=["families"],
            visibility="sector",
            campaign_id=str(campaign),
            flight_id="eid-al-fitr",
        )
        for y in (year, year + 1):
            national = date(y, 9, 23)
            await self.entry(
                f"national-day-blackout-{y}",
                "momrah.admin",
                "MOMRAH",
                approve="sector.admin",
                kind="blackout",
                title_ar=f"حظر النشر التجاري في اليوم الوطني {y}",
                all_day=True,
                start_date=national.isoformat(),
                end_date=national.isoformat(),
                blocks=["social_post", "publication"],
                enforcement="refuse",
                visibility="sector",
            )
        if "BH-CAPITAL-MEDIA" in self.orgs and "capital.coordinator" in self.people:
            sunday = _first_weekday(year, 6)
            await self.entry(
                "capital-majlis",
                "capital.coordinator",
                "BH-CAPITAL-MEDIA",
                approve="capital.admin",
                kind="meeting",
                title_ar="المجلس الأسبوعي لمحافظ العاصمة",
                title_en="The Governor's weekly majlis",
                starts_at=_at(sunday, 19, "Asia/Bahrain").isoformat(),
                ends_at=_at(sunday, 21, "Asia/Bahrain").isoformat(),
                rrule=f"FREQ=WEEKLY;BYDAY=SU;UNTIL={year + 1}1231T235959Z",
                channels=["majlis"],
                audiences=["citizens", "residents"],
                visibility="sector",
                location="مجلس محافظة العاصمة - المنامة",
            )
        tuesday = _first_weekday(year, 1)
        await self.entry(
            "eastern-coordination",
            "eastern.admin",
            "EASTERN",
            approve="sector.admin",
            kind="meeting",
            title_ar="الاجتماع التنسيقي الشهري لأمانة الشرقية مع البلديات",
            starts_at=_at(tuesday, 10, "Asia/Riyadh").isoformat(),
            ends_at=_at(tuesday, 12, "Asia/Riyadh").isoformat(),
            rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=24",
            audiences=["employees"],
            visibility="sector",
            location="مقر أمانة المنطقة الشرقية - الدمام",
        )
        for i, (days, title) in enumerate(
            ((10, "مؤتمر صحفي: مشروع تطوير واجهة الأحساء"), (24, "مؤتمر صحفي: موسم نخلة الأحساء"))
        ):
            day = today + timedelta(days=days)
            await self.entry(
                f"alahsa-press-{i}",
                "alahsa.coordinator",
                "ALAHSA",
                kind="press_conference",
                title_ar=title,
                starts_at=_at(day, 11, "Asia/Riyadh").isoformat(),
                ends_at=_at(day, 12, "Asia/Riyadh").isoformat(),
                audiences=["media"],
                visibility="sector",
                location="قاعة الاجتماعات ببلدية الأحساء",
            )
        monday = _first_weekday(year, 0)
        await self.entry(
            "riyadh-weekly-posts",
            "riyadh.coordinator",
            "RIYADH-MEDIA",
            approve="riyadh.admin",
            kind="social_post",
            title_ar="منشور الأسبوع: إنجازات أمانة الرياض",
            starts_at=_at(monday, 12, "Asia/Riyadh").isoformat(),
            ends_at=_at(monday, 13, "Asia/Riyadh").isoformat(),
            rrule=f"FREQ=WEEKLY;BYDAY=MO;UNTIL={year + 1}0922T000000Z",
            channels=["x"],
            audiences=["citizens"],
            visibility="sector",
        )
        await self.entry(
            "ministry-weekly-posts",
            "momrah.admin",
            "MOMRAH",
            approve="sector.admin",
            kind="social_post",
            title_ar="إنفوجرافيك الوزارة الأسبوعي",
            starts_at=_at(monday, 12, "Asia/Riyadh", 30).isoformat(),
            ends_at=_at(monday, 13, "Asia/Riyadh", 30).isoformat(),
            rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=52",
            channels=["x"],
            audiences=["citizens"],
            visibility="sector",
        )
        press = today + timedelta(days=7)
        await self.entry(
            "riyadh-press",
            "riyadh.coordinator",
            "RIYADH-MEDIA",
            approve="riyadh.admin",
            kind="press_conference",
            title_ar="مؤتمر صحفي: إطلاق مبادرة أنسنة المدن",
            starts_at=_at(press, 10, "Asia/Riyadh").isoformat(),
            ends_at=_at(press, 11, "Asia/Riyadh").isoformat(),
            channels=["website"],
            audiences=["media"],
            visibility="public",
            location="مقر أمانة منطقة الرياض",
        )
        await self.entry(
            "riyadh-national-day-post",
            "riyadh.agent",
            "RIYADH-MEDIA",
            submit=False,
            kind="social_post",
            title_ar="تهنئة باليوم الوطني",
            starts_at=_at(date(year + 1, 9, 23), 9, "Asia/Riyadh").isoformat(),
            ends_at=_at(date(year + 1, 9, 23), 10, "Asia/Riyadh").isoformat(),
            channels=["x"],
            audiences=["citizens"],
        )
        if "IQ-MOCHPM-GCU" in self.orgs and "iraq.coordinator" in self.people:
            national = date(year + 1, 10, 3) if date(year, 10, 3) < today else date(year, 10, 3)
            await self.entry(
                "iraq-national-day",
                "iraq.coordinator",
                "IQ-MOCHPM-GCU",
                approve="iraq.admin",
                kind="media_event",
                title_ar="التغطية الإعلامية لليوم الوطني العراقي",
                starts_at=_at(national, 9, "Asia/Baghdad").isoformat(),
                ends_at=_at(national, 13, "Asia/Baghdad").isoformat(),
                audiences=["citizens", "media"],
                visibility="sector",
            )
        if "IQ-KARBALA" in self.orgs and "karbala.agent" in self.people:
            day = today + timedelta(days=14)
            await self.entry(
                "karbala-community",
                "karbala.agent",
                "IQ-KARBALA",
                kind="community_event",
                title_ar="حملة تشجير شارع الإمام علي",
                starts_at=_at(day, 8, "Asia/Baghdad").isoformat(),
                ends_at=_at(day, 11, "Asia/Baghdad").isoformat(),
                audiences=["youth", "residents"],
                visibility="sector",
            )
