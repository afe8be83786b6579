"""The entry state machine as data: (action, current state) → next state.

    draft → pending → approved | rejected;  rejected → pending (submitted again)
    approved → done (after it ends) | cancelled | suspended;  suspended → approved (lifted)
    a change of time, recurrence, channels or audiences: pending | approved → pending

`approve` leaves an entry `pending` while further steps wait (the service decides);
anything not in the table answers 409 (`invalid_state`).
"""

from __future__ import annotations

from enum import StrEnum

from services.common.errors import InvalidState


class Status(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    DONE = "done"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    SUSPEND = "suspend"
    LIFT = "lift"
    FINISH = "finish"
    CHANGE = "change"  # an edit of the fields approvals look at
    EDIT = "edit"  # any other edit


S = Status
TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.SUBMIT: {S.DRAFT: S.PENDING, S.REJECTED: S.PENDING},
    Action.APPROVE: {S.PENDING: S.APPROVED},
    Action.REJECT: {S.PENDING: S.REJECTED},
    Action.CANCEL: {
        S.DRAFT: S.CANCELLED,
        S.PENDING: S.CANCELLED,
        S.APPROVED: S.CANCELLED,
        S.REJECTED: S.CANCELLED,
        S.SUSPENDED: S.CANCELLED,
    },
    Action.SUSPEND: {S.APPROVED: S.SUSPENDED},
    Action.LIFT: {S.SUSPENDED: S.APPROVED},
    Action.FINISH: {S.APPROVED: S.DONE},
    Action.CHANGE: {
        S.DRAFT: S.DRAFT,
        S.REJECTED: S.REJECTED,
        S.PENDING: S.PENDING,
        S.APPROVED: S.PENDING,
    },
    Action.EDIT: {
        S.DRAFT: S.DRAFT,
        S.PENDING: S.PENDING,
        S.APPROVED: S.APPROVED,
        S.REJECTED: S.REJECTED,
        S.SUSPENDED: S.SUSPENDED,
    },
}

# the fields whose change sends a pending or approved entry back for approval
APPROVAL_FIELDS = frozenset(
    {
        "starts_at",
        "ends_at",
        "start_date",
        "end_date",
        "all_day",
        "timezone",
        "rrule",
        "exdates",
        "channels",
        "audiences",
    }
)
# statuses whose occurrences count for conflicts and appear to other organizations
ACTIVE = frozenset({S.PENDING, S.APPROVED, S.DONE, S.SUSPENDED})


def next_status(action: Action, current: str) -> Status:
    allowed = TRANSITIONS[action]
    try:
        return allowed[Status(current)]
    except (KeyError, ValueError):
        raise InvalidState(action.value, current) from None
