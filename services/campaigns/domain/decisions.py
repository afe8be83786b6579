"""Who may decide on what an organization reports (verify a KPI value, accept a report):
a unit_head or org_admin of that organization or of one above it, or a sector_admin —
never the person who submitted it (the way government performance programs accept data).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

DECIDING_ROLES = frozenset({"unit_head", "org_admin"})


def may_decide(
    *,
    decider: str,
    decider_roles: Collection[str],
    decider_organization: uuid.UUID | None,
    submitter: str | None,
    organization_chain: Collection[uuid.UUID],
) -> str | None:
    """None when the decider may decide; else why not: `self_decision` or `not_above`.
    `organization_chain` is the reporting organization and its ancestors."""
    if submitter is not None and decider == submitter:
        return "self_decision"
    if "sector_admin" in decider_roles:
        return None
    if not DECIDING_ROLES & set(decider_roles):
        return "not_above"
    if decider_organization is None or decider_organization not in organization_chain:
        return "not_above"
    return None


def may_approve(
    *,
    decider: str,
    decider_roles: Collection[str],
    decider_organization: uuid.UUID | None,
    author: str | None,
    last_changed_by: str | None,
    organization_chain: Collection[uuid.UUID],
) -> str | None:
    """The calendar's default approval rule for a campaign: one step at the organization's
    own level (or above), decided by a unit_head or org_admin there, or by a sector_admin;
    nobody decides on a campaign they wrote or last changed (`self_decision`)."""
    if decider in {author, last_changed_by}:
        return "self_decision"
    return may_decide(
        decider=decider,
        decider_roles=decider_roles,
        decider_organization=decider_organization,
        submitter=None,
        organization_chain=organization_chain,
    )
