"""State machines as data: (state, action) → next state. Anything missing is refused."""

from __future__ import annotations

from services.common.errors import InvalidState

# Initiatives: a proposal is approved, started, may pause, and ends completed or cancelled.
INITIATIVE_STATUSES = ("proposed", "approved", "in_progress", "on_hold", "completed", "cancelled")
INITIATIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"in_progress", "on_hold", "cancelled"}),
    "in_progress": frozenset({"on_hold", "completed", "cancelled"}),
    "on_hold": frozenset({"in_progress", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}

# Activity and media-coverage reports (S3-2).
REPORT_STATUSES = ("draft", "submitted", "accepted", "returned")
REPORT_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "accept"): "accepted",
    ("submitted", "return"): "returned",
}
# reports are edited only while they are with their author
REPORT_EDITABLE = frozenset({"draft", "returned"})

# KPI values: submitted, then verified or rejected (never by the submitter).
KPI_VALUE_STATUSES = ("submitted", "verified", "rejected")
KPI_VALUE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "verify"): "verified",
    ("submitted", "reject"): "rejected",
}


def initiative_move(current: str, wanted: str) -> str:
    if wanted != current and wanted not in INITIATIVE_TRANSITIONS.get(current, frozenset()):
        raise InvalidState(wanted, current)
    return wanted


def step(table: dict[tuple[str, str], str], current: str, action: str) -> str:
    """The state after `action`, or 409 `invalid_state`."""
    following = table.get((current, action))
    if following is None:
        raise InvalidState(action, current)
    return following


# Campaigns: approved like calendar entries. `reopen` is what a change of dates or
# channels does to a pending or approved campaign (back to pending, new version).
CAMPAIGN_STATUSES = ("draft", "pending", "approved", "rejected", "cancelled", "completed")
CAMPAIGN_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "pending",
    ("rejected", "submit"): "pending",
    ("pending", "approve"): "approved",
    ("pending", "reject"): "rejected",
    ("draft", "cancel"): "cancelled",
    ("pending", "cancel"): "cancelled",
    ("approved", "cancel"): "cancelled",
    ("rejected", "cancel"): "cancelled",
    ("approved", "complete"): "completed",
    ("pending", "reopen"): "pending",
    ("approved", "reopen"): "pending",
}
# what may still be edited
CAMPAIGN_EDITABLE = frozenset({"draft", "pending", "approved", "rejected"})

# Key message versions: written once, approved, retired.
VERSION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "approve"): "approved",
    ("draft", "retire"): "retired",
    ("approved", "retire"): "retired",
}
