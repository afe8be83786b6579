"""Shared pieces of the inquiries routers: problem documents, the list filters, the
tracking-token header, and keeping the tracking token out of the replay store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from pydantic import AwareDatetime, Field

from services.common.auth import OptionalPrincipalDep
from services.common.errors import ValidationFailed
from services.common.etag import check_if_match, set_etag
from services.common.idempotency import redact_on_replay
from services.common.patterns import UUID_OR_ME
from services.common.problems import ProblemResponses
from services.common.settings import GovhubSettings
from services.inquiries.domain.filters import InquiryFilters
from services.inquiries.domain.states import Status
from services.inquiries.schemas.inquiries import Kind, Priority
from services.inquiries.service.inquiries import Precondition

# The inquiries' wording of the statuses it means more precisely than the kernel's.
problems = ProblemResponses(
    {
        401: "No token, an invalid token, or (tracking) no tracking token (problem details).",
        404: "Not found, or outside the caller's organization subtree, or a wrong tracking "
        "token (problem details).",
        409: "Not allowed in the current state, or a duplicate (problem details).",
        415: "The body is not JSON (problem details).",
    }
)


async def get_settings(request: Request) -> GovhubSettings:
    settings: GovhubSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[GovhubSettings, Depends(get_settings)]

TrackingToken = Annotated[
    str | None,
    Header(
        alias="X-Tracking-Token",
        description="The tracking token returned once when the inquiry was created.",
    ),
]


async def precondition(request: Request) -> Precondition:
    """`If-Match` for the resource the service loads (412 when stale, nothing when absent)."""

    def check(resource_id: Any, updated_at: datetime) -> None:
        check_if_match(request, resource_id, updated_at)

    return check


PreconditionDep = Annotated[Precondition, Depends(precondition)]


def etag(response: Response, row: Any) -> None:
    set_etag(response, row.id, row.updated_at)


async def redact_token_on_replay(request: Request) -> None:
    """The tracking token is shown once: never kept in clear, not even for replays."""
    redact_on_replay(request, "tracking_token")


def _me(value: str | None, principal: Any) -> uuid.UUID | None:
    if value is None:
        return None
    if value == "me":
        try:
            return uuid.UUID(principal.subject)
        except (AttributeError, ValueError):
            return uuid.UUID(int=0)  # a caller that is no staff member: nothing matches
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValidationFailed("assignee_id", "معرّف غير صالح", "Invalid identifier") from exc


async def inquiry_filters(
    principal: OptionalPrincipalDep,
    status: Annotated[
        list[Status] | None, Query(description="One or more states (repeat the parameter).")
    ] = None,
    kind: Annotated[list[Kind] | None, Query(description="One or more kinds.")] = None,
    channel: Annotated[
        list[Annotated[str, Field(max_length=40)]] | None,
        Query(description="One or more channel kinds, e.g. `whatsapp`."),
    ] = None,
    priority: Annotated[list[Priority] | None, Query(description="One or more priorities.")] = None,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and everything below it.")
    ] = None,
    category_id: Annotated[uuid.UUID | None, Query(description="Only this category.")] = None,
    assignee_id: Annotated[
        str | None,
        Query(max_length=36, pattern=UUID_OR_ME, description="A staff member's id, or `me`."),
    ] = None,
    sla: Annotated[
        str | None,
        Query(
            pattern="^(breached|at_risk)$",
            description="`breached`: a target was missed or the running one is past due; "
            "`at_risk`: ≥ 80 % of the running target's business time has elapsed.",
        ),
    ] = None,
    created_from: Annotated[
        AwareDatetime | None, Query(description="Created at or after (RFC 3339 with offset).")
    ] = None,
    created_to: Annotated[
        AwareDatetime | None, Query(description="Created before (RFC 3339 with offset).")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Search subject and body (see the README's search section). Arabic is "
            "normalized (diacritics, tatweel, alef/hamza forms, ة/ه, ى/ي, Arabic-Indic "
            "digits) and stemmed (PostgreSQL's Snowball Arabic configuration, after taking "
            "off attached articles and prepositions: ال، و، ف، ب، ك، ل، لل), so `تسرب "
            "المياه` finds `تسرب مياه`, `مخالفات` finds `مخالفة`, `وللحدائق` finds `حدائق`; "
            "a word also matches as a substring (partial words, numbers, references). The "
            'language of `websearch_to_tsquery`: every word must match; `"تسرب مياه"` a '
            "phrase; `حدائق OR مخالفات` (or `أو`) either; `-الشارع` must not match. "
            "— البحث في العنوان والنص: تُوحَّد الحروف والتشكيل والأرقام وتُجرَّد الكلمات من "
            "أدوات التعريف وحروف الجر والعطف المتصلة ومن علامات الجمع، فتجد `تسرب المياه` "
            "«تسرب مياه». كل الكلمات مطلوبة؛ العبارة بين علامتي تنصيص؛ `OR` أو `أو` بين "
            "البدائل؛ والشرطة `-` قبل كلمة تستبعدها.",
            examples=["تسرب المياه", '"تسرب مياه" OR وللحدائق', "مخالفات -البناء"],
        ),
    ] = None,
    tag: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Inquiries carrying this tag, e.g. `crisis:<activation id>`.",
        ),
    ] = None,
) -> InquiryFilters:
    return InquiryFilters(
        status=[s.value for s in status or []],
        kind=[k.value for k in kind or []],
        channel=list(channel or []),
        priority=[p.value for p in priority or []],
        organization_id=organization_id,
        category_id=category_id,
        assignee_id=_me(assignee_id, principal),
        sla=sla,
        created_from=created_from,
        created_to=created_to,
        q=q,
        tag=tag,
    )


FiltersDep = Annotated[InquiryFilters, Depends(inquiry_filters)]
