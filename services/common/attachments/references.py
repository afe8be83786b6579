"""`attachment_ids` on a resource: the first reference fixes an attachment's owner.

Any service calls `attach` in the transaction that writes its resource. Only the uploader
may reference an upload (the same staff member or machine client; an anonymous upload only
from an anonymous request, where its unguessable id is the proof), and only while nothing
owns it. A reference that fails any of that is a 422 naming `attachment_ids`, and the
caller's whole transaction rolls back, so nothing of the request is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.attachments import repository
from services.common.auth import Principal
from services.common.errors import DomainError, FieldError
from services.common.i18n import text

MAX_PER_REFERENCE = 10

AttachmentIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=MAX_PER_REFERENCE,
        description="Ids of files uploaded with `POST /v1/attachments` by the same caller "
        "and not yet attached to anything (at most 10). The first resource that references "
        "an upload owns it; it is then read by whoever may read that resource.",
        examples=[["5d0f8a4e-2b7c-4d1e-9a3f-6c2b1e0d9f87"]],
    ),
]


@dataclass(frozen=True)
class Owner:
    """What an attachment belongs to, and who may read it besides the owner's staff."""

    service: str
    type: str
    id: uuid.UUID
    organization_id: uuid.UUID
    # the resource whose readers are the owner's (an inquiry for its messages)
    parent_id: uuid.UUID | None = None
    # the citizen holding the inquiry's tracking token reads it (public timeline)
    citizen_readable: bool = False
    # anyone reads it (a public Open311 request's photo)
    public: bool = False
    # the staff of the organizations below the owner's read it too (a key message's
    # documents, read where the message is said)
    readable_below: bool = False

    def columns(self) -> dict[str, object]:
        return {
            "owner_service": self.service,
            "owner_type": self.type,
            "owner_id": self.id,
            "owner_parent_id": self.parent_id or self.id,
            "owner_organization_id": self.organization_id,
            "citizen_readable": self.citizen_readable,
            "public": self.public,
            "readable_below": self.readable_below,
        }


def uploader_of(principal: Principal | None) -> str | None:
    """How the record names an uploader: `user:<sub>` or `client:<sub>`; None: anonymous."""
    return None if principal is None else f"{principal.kind}:{principal.subject}"


class AttachmentUnavailable(DomainError):
    def __init__(self, ids: Sequence[uuid.UUID]) -> None:
        message = text(
            "مرفق غير موجود، أو مرفق بمورد آخر، أو رفعه غيرك",
            "An attachment is unknown, attached elsewhere already, or uploaded by someone else",
        )
        super().__init__(
            "تعذر إرفاق بعض الملفات",
            "Some attachments cannot be attached",
            "attachment_unavailable",
            422,
            [FieldError("attachment_ids", message)],
            extra={"attachment_ids": [str(i) for i in ids]},
        )


def _distinct(ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


async def check_available(
    session: AsyncSession, ids: Sequence[uuid.UUID], principal: Principal | None
) -> None:
    """422 unless every id is an unowned upload of this caller; locks them until the
    transaction ends (so the check holds when `attach` runs)."""
    wanted = _distinct(ids)
    if not wanted:
        return
    found = set(await repository.lock_unowned(session, wanted, uploader_of(principal)))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise AttachmentUnavailable(missing)


async def attach(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    principal: Principal | None,
    owner: Owner,
) -> list[uuid.UUID]:
    """Makes `owner` the owner of the uploads `ids` (see the module); returns them."""
    wanted = _distinct(ids)
    if not wanted:
        return []
    claimed = set(await repository.claim(session, wanted, uploader_of(principal), owner.columns()))
    missing = [i for i in wanted if i not in claimed]
    if missing:
        raise AttachmentUnavailable(missing)
    for attachment_id in wanted:
        await audit.record(
            session,
            service=owner.service,
            principal=principal,
            action="attach",
            resource_type="attachment",
            resource_id=attachment_id,
            organization_id=owner.organization_id,
            changes={"owner_type": owner.type, "owner_id": owner.id},
        )
    return wanted
