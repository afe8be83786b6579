"""Planning the demo inquiries (see `loader.py`): the directory's demo hub as read from its
tables, who works which organization, and each inquiry's text, channel, creation time and
final state, drawn from one `random.Random`."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.inquiries.demo import data
from services.inquiries.models import Category, Inquiry
from services.inquiries.schemas.inquiries import ContactIn, InquiryCreate, Kind, Location, Priority

DAYS = 60
LOCAL = timedelta(hours=3)  # Riyadh, Manama and Baghdad are all UTC+3
# channels where staff enter the inquiry on the citizen's behalf
STAFF_CHANNELS = frozenset(
    {"phone", "majlis", "field_visit", "walk_in", "coordination_council", "other", "radio"}
)
CHANNEL_WEIGHTS = {
    "whatsapp": 5,
    "app": 4,
    "website": 4,
    "x": 2,
    "phone": 3,
    "majlis": 3,
    "field_visit": 3,
    "walk_in": 1,
    "email": 1,
    "facebook": 1,
    "sms": 1,
    "instagram": 1,
    "coordination_council": 1,
}
CENTRES = {
    "RIYADH": (24.71, 46.67),
    "DIRIYAH": (24.74, 46.57),
    "ALKHARJ": (24.15, 47.31),
    "EASTERN": (26.42, 50.09),
    "ALAHSA": (25.38, 49.59),
    "QATIF": (26.56, 50.01),
    "BH-CAPITAL": (26.22, 50.58),
    "IQ-MOCHPM": (33.31, 44.36),
    "IQ-KARBALA": (32.61, 44.02),
}

# --- the directory's demo hub, as read from its tables ---------------------------------------


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    code: str
    labels: tuple[str, ...]  # the path: ids' hex from the root down


@dataclass(frozen=True)
class Staff:
    principal: Principal
    org: Org

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.principal.subject)


@dataclass
class Hub:
    orgs: dict[str, Org]
    staff: list[Staff]
    channels: dict[str, list[str]]  # organization code → intake channel kinds it may use
    categories: dict[tuple[str, str], Category] = field(default_factory=dict)

    def sees(self, who: Staff, org: Org) -> bool:
        return who.org.labels[-1] in org.labels

    def below(self, who: Staff, org: Org) -> bool:
        return org.labels[-1] in who.org.labels

    def workers(self, org: Org) -> list[Staff]:
        return [s for s in self.staff if s.org.id == org.id]

    def assignable(self, org: Org) -> list[Staff]:
        return [s for s in self.staff if self.below(s, org)]

    def leads(self, org: Org) -> list[Staff]:
        """Staff who see `org` and may assign, nearest first."""
        found = [s for s in self.staff if self.sees(s, org) and s.principal.can("inquiries:assign")]
        return sorted(found, key=lambda s: -len(s.org.labels))

    def desk(self, org: Org) -> Staff | None:
        """Who enters a call or a visit for `org`: its own staff first, else the nearest."""
        own = self.workers(org)
        if own:
            return own[0]
        leads = self.leads(org)
        return leads[0] if leads else None


async def read_hub(session: AsyncSession) -> Hub:
    codes = [code for code, _ in data.VOLUMES] + list({c.organization for c in data.CATEGORIES})
    rows = await session.execute(
        text(
            "SELECT id, code, path::text AS path FROM directory_organization "
            "WHERE active AND code = ANY(:codes)"
        ),
        {"codes": codes},
    )
    orgs = {r.code: Org(r.id, r.code, tuple(r.path.split("."))) for r in rows}
    by_label = {o.labels[-1]: o for o in orgs.values()}
    users = await session.execute(
        text(
            "SELECT u.id, u.username, u.organization_id, u.roles, o.path::text AS path, "
            "o.code FROM directory_user u JOIN directory_organization o "
            "ON o.id = u.organization_id WHERE u.active ORDER BY u.username"
        )
    )
    staff = []
    for u in users:
        if "sector_admin" in u.roles:
            continue  # the sector's administrators watch; they do not work inquiries
        labels = tuple(u.path.split("."))
        org = by_label.get(labels[-1]) or Org(u.organization_id, u.code, labels)
        principal = Principal(
            subject=str(u.id),
            kind="user",
            organization_id=u.organization_id,
            roles=frozenset(u.roles),
            username=u.username,
        )
        staff.append(Staff(principal, org))
    channels: dict[str, list[str]] = {}
    for code, org in orgs.items():
        kinds = await session.scalars(
            text(
                "SELECT DISTINCT c.kind FROM directory_channel c "
                "JOIN directory_organization o ON o.id = c.organization_id "
                "WHERE c.intake AND c.active AND o.path @> "
                "(SELECT path FROM directory_organization WHERE id = :org) ORDER BY c.kind"
            ),
            {"org": org.id},
        )
        channels[code] = list(kinds)
    return Hub(orgs, staff, channels)


# --- text ----------------------------------------------------------------------------------

_DIACRITICS = {
    "الشارع": "الشّارع",
    "إنارة": "إنَارة",
    "معطلة": "مُعطّلة",
    "المخلفات": "المُخلّفات",
    "شكر": "شُكر",
    "الحديقة": "الحَديقة",
}
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def vary(value: str, rng: random.Random) -> str:
    """Write as citizens do: sometimes without hamza, with diacritics, tatweel, ه for ة,
    or Arabic-Indic digits (search must find every form)."""
    roll = rng.random()
    if roll < 0.2:
        value = value.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    elif roll < 0.35:
        for plain, marked in _DIACRITICS.items():
            value = value.replace(plain, marked)
    elif roll < 0.45:
        value = value.translate(_ARABIC_DIGITS)
    elif roll < 0.52:
        value = value.replace("ة ", "ه ").replace("شكرا", "شكـــرا")
    return value


def _places(rng: random.Random, org: str) -> dict[str, object]:
    """One neighbourhood, street and number of days per inquiry (subject and body agree)."""
    hoods, streets = data.PLACES.get(org, data.PLACES["RIYADH"])
    return {"hood": rng.choice(hoods), "street": rng.choice(streets), "days": rng.randint(2, 12)}


def _phone(country: str, rng: random.Random) -> str:
    if country == "bh":
        return f"+9733{rng.choice('3469')}{rng.randint(0, 999999):06d}"
    if country == "iq":
        return f"+964{rng.choice(['770', '780', '750'])}{rng.randint(0, 9999999):07d}"
    return f"+9665{rng.choice('0345689')}{rng.randint(0, 9999999):07d}"


def _citizen(number: int, country: str, rng: random.Random) -> ContactIn | None:
    contact = ContactIn(
        name=rng.choice(data.CITIZENS[country]) if rng.random() < 0.85 else None,
        phone=_phone(country, rng) if rng.random() < 0.75 else None,
        email=f"citizen{number}@example.com" if rng.random() < 0.25 else None,
    )
    return contact if contact.name or contact.phone or contact.email else None


# --- planning one inquiry ------------------------------------------------------------------


def _final_state(age: timedelta, rng: random.Random) -> str:
    days = age.total_seconds() / 86400
    if days < 1:
        table = {"new": 45, "assigned": 25, "in_progress": 20, "awaiting_citizen": 10}
    elif days < 5:
        table = {
            "new": 10,
            "assigned": 12,
            "in_progress": 25,
            "awaiting_citizen": 13,
            "resolved": 25,
            "closed": 10,
            "rejected": 5,
        }
    else:
        table = {
            "new": 3,
            "assigned": 3,
            "in_progress": 7,
            "awaiting_citizen": 4,
            "resolved": 20,
            "closed": 53,
            "rejected": 10,
        }
    return rng.choices(list(table), weights=list(table.values()))[0]


def _created_at(now: datetime, staff_entered: bool, rng: random.Random) -> datetime:
    while True:
        day = (now + LOCAL).date() - timedelta(days=int(DAYS * rng.random() ** 1.3))
        if staff_entered:
            while day.weekday() in (4, 5):  # entered on a working day
                day -= timedelta(days=1)
            hour = rng.uniform(8, 14)
        else:
            hour = rng.uniform(7, 23.5)
        local = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
        created = local - LOCAL
        if created < now - timedelta(minutes=20):
            return created


@dataclass
class Planned:
    number: int
    org: Org
    body: InquiryCreate
    creator: Principal | None
    created: datetime
    final: str
    topic: str
    transfer_to: Org | None = None
    duplicate: bool = False  # rejected as a duplicate of an earlier inquiry (picked when run)
    duplicate_of: Inquiry | None = None


@dataclass
class Planner:
    hub: Hub
    rng: random.Random
    now: datetime
    media_units: dict[str, Category] = field(default_factory=dict)  # unit code → category

    def _categories_for(self, org: Org) -> list[tuple[Category, str]]:
        found = []
        for spec in data.CATEGORIES:
            owner = self.hub.orgs.get(spec.organization)
            category = self.hub.categories.get((spec.organization, spec.code))
            if owner and category and owner.labels[-1] in org.labels and spec.topic != "media":
                found.append((category, spec.topic))
        return found

    def _channel(self, org: Org, media: bool) -> str | None:
        kinds = self.hub.channels.get(org.code, [])
        if not kinds:
            return None
        if media:
            for preferred in ("email", "phone", "whatsapp", "website"):
                if preferred in kinds:
                    return preferred
        weights = [CHANNEL_WEIGHTS.get(k, 0.5) for k in kinds]
        return self.rng.choices(kinds, weights=weights)[0]

    def plan(self, number: int, org: Org) -> Planned | None:
        rng = self.rng
        country = data.COUNTRY.get(org.code, "sa")
        media_category = self.media_units.get(org.code)
        channel = self._channel(org, media_category is not None)
        if channel is None:
            return None
        staff_entered = media_category is not None or channel in STAFF_CHANNELS
        desk = self.hub.desk(org)
        if staff_entered and desk is None:
            return None
        created = _created_at(self.now, staff_entered, rng)
        final = _final_state(self.now - created, rng)
        if media_category is not None:
            return self._plan_media(number, org, channel, created, final, media_category, desk)

        choices = self._categories_for(org)
        category, topic = rng.choice(choices) if choices else (None, "general")
        kind = rng.choice(list(data.SUBJECTS[topic]))
        if kind == "compliment" and final == "rejected":
            final = "closed"  # thanks are not turned away
        places = _places(rng, org.code)
        subject = rng.choice(data.SUBJECTS[topic][kind]).format(**places)
        body = vary(rng.choice(data.BODIES[kind]).format(subject=subject, **places), rng)
        subject = vary(subject, rng)
        anonymous = not staff_entered
        if category is not None and anonymous and not category.public:
            category = None  # citizens pick public categories; the intake default applies
        hoods, streets = data.PLACES.get(org.code, data.PLACES["RIYADH"])
        centre = CENTRES.get(org.code)
        located = kind in ("complaint", "request") and centre is not None
        payload = InquiryCreate(
            kind=Kind(kind),
            channel=channel,
            subject=subject[:300],
            body=body,
            organization_id=org.id,
            category_id=category.id if category else None,
            priority=(
                None
                if anonymous
                else Priority(rng.choices(["low", "normal", "high", "urgent"], [5, 70, 20, 5])[0])
            ),
            contact=_citizen(number, country, rng),
            location=(
                Location(
                    lat=round(centre[0] + rng.uniform(-0.08, 0.08), 5),
                    long=round(centre[1] + rng.uniform(-0.08, 0.08), 5),
                    address=f"حي {rng.choice(hoods)}، {rng.choice(streets)}",
                )
                if located and centre
                else None
            ),
        )
        transfer = data.TRANSFERS.get(org.code)
        transfer_to = None
        if transfer and final != "rejected" and rng.random() < 0.08:
            transfer_to = self.hub.orgs.get(transfer[0])
        return Planned(
            number,
            org,
            payload,
            None if anonymous else desk.principal if desk else None,
            created,
            final,
            topic,
            transfer_to=transfer_to,
            duplicate=final == "rejected" and rng.random() < 0.6,
        )

    def _plan_media(
        self,
        number: int,
        org: Org,
        channel: str,
        created: datetime,
        final: str,
        category: Category,
        desk: Staff | None,
    ) -> Planned:
        rng = self.rng
        country = data.COUNTRY.get(org.code, "sa")
        outlet, domain = rng.choice(data.OUTLETS[country])
        subject = rng.choice(data.MEDIA_SUBJECTS)
        journalist = rng.choice(data.JOURNALISTS)
        payload = InquiryCreate(
            kind=Kind.MEDIA_REQUEST,
            channel=channel,
            subject=subject,
            body=vary(data.MEDIA_BODY.format(topic=subject.split(" عن ")[-1]), rng),
            organization_id=org.id,
            category_id=category.id,
            priority=Priority.URGENT if rng.random() < 0.2 else None,
            outlet=outlet,
            deadline=created + timedelta(hours=rng.uniform(4, 48)),
            contact=ContactIn(
                name=journalist,
                email=f"newsroom{number}@{domain}",
                phone=_phone(country, rng) if rng.random() < 0.5 else None,
            ),
        )
        if final == "rejected" and rng.random() < 0.5:
            final = "closed"
        return Planned(
            number, org, payload, desk.principal if desk else None, created, final, "media"
        )
