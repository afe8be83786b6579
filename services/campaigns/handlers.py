"""Worker side of the campaigns service (imported by the worker).

- `sweep_overdue_milestones(session)` → periodic job: emits `milestone.overdue` once per
  open milestone whose due date has passed (payload: `milestone_id`, `initiative_id`,
  `organization_id`, `title_ar`, `due_date`, `weight`, `days_overdue`). Safe with several
  workers (SKIP LOCKED, and the row is marked in the same transaction).
- The inquiries service's events (`inquiry.created`, `.replied`, `.resolved`,
  `.status_changed`, `.transferred`, `.sla_breached`, `.survey_submitted`) → the facts
  behind the built-in inquiry KPIs (`services.campaigns.service.inquiry_kpis`), one
  idempotent upsert each.
- `collect_search_words(session)` → every minute (periodic job
  `services.campaigns.handlers.collect_search_words`): the words of the initiatives,
  campaigns, key messages and key message versions written since the last run join the
  search's words table (typo corrections of the lists' `q`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Campaign, Initiative, KeyMessage, KeyMessageVersion
from services.campaigns.service import inquiry_kpis
from services.campaigns.service.milestones import sweep_overdue
from services.common import search_words
from services.common.outbox import Event, handles

# the searched tables whose words join the words table, by creation time
SEARCHED: tuple[tuple[str, Any], ...] = (
    ("campaign_initiative", Initiative),
    ("campaign_campaign", Campaign),
    ("campaign_key_message", KeyMessage),
    ("campaign_key_message_version", KeyMessageVersion),
)


async def sweep_overdue_milestones(session: AsyncSession) -> int:
    return await sweep_overdue(session)


async def collect_search_words(session: AsyncSession) -> int:
    """Reads the searched rows written since the last run into `common_search_word`."""
    read = 0
    for source, model in SEARCHED:
        read += await search_words.collect_words(
            session, source, model.search_text, model.created_at
        )
    return read


@handles(
    "inquiry.created",
    "inquiry.replied",
    "inquiry.resolved",
    "inquiry.status_changed",
    "inquiry.transferred",
    "inquiry.sla_breached",
    "inquiry.survey_submitted",
)
async def record_inquiry_facts(event: Event, session: AsyncSession) -> None:
    await inquiry_kpis.record(session, event)
