"""The inquiry state machine as data: (action, current state) → next state.

    new → assigned → in_progress ⇄ awaiting_citizen → resolved → closed
    reopen: resolved | rejected → in_progress;  reject: any open state → rejected

Anything not in the table answers 409 (`invalid_state`). Internal notes are not
transitions: they may be written in every state.
"""

from __future__ import annotations

from enum import StrEnum

from services.common.errors import InvalidState


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    AWAITING_CITIZEN = "awaiting_citizen"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class Action(StrEnum):
    ASSIGN = "assign"
    REPLY = "reply"  # a public reply by staff
    REQUEST_INFO = "request_info"  # a public reply that waits for the citizen
    CITIZEN_REPLY = "citizen_reply"  # a message from the citizen with the tracking token
    TRANSFER = "transfer"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    REJECT = "reject"


S = Status
OPEN_STATES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.AWAITING_CITIZEN})
# the SLA clock runs in these states (it pauses in awaiting_citizen, stops after)
RUNNING_STATES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS})
FINISHED_STATES = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED})

TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.ASSIGN: {
        S.NEW: S.ASSIGNED,
        S.ASSIGNED: S.ASSIGNED,
        S.IN_PROGRESS: S.IN_PROGRESS,
        S.AWAITING_CITIZEN: S.AWAITING_CITIZEN,
    },
    Action.REPLY: {
        S.NEW: S.IN_PROGRESS,
        S.ASSIGNED: S.IN_PROGRESS,
        S.IN_PROGRESS: S.IN_PROGRESS,
        S.AWAITING_CITIZEN: S.AWAITING_CITIZEN,
        S.RESOLVED: S.RESOLVED,
    },
    Action.REQUEST_INFO: {
        S.NEW: S.AWAITING_CITIZEN,
        S.ASSIGNED: S.AWAITING_CITIZEN,
        S.IN_PROGRESS: S.AWAITING_CITIZEN,
        S.AWAITING_CITIZEN: S.AWAITING_CITIZEN,
    },
    Action.CITIZEN_REPLY: {
        S.NEW: S.NEW,
        S.ASSIGNED: S.ASSIGNED,
        S.IN_PROGRESS: S.IN_PROGRESS,
        S.AWAITING_CITIZEN: S.IN_PROGRESS,
        S.RESOLVED: S.RESOLVED,
    },
    Action.TRANSFER: {
        S.NEW: S.NEW,
        S.ASSIGNED: S.NEW,
        S.IN_PROGRESS: S.NEW,
        S.AWAITING_CITIZEN: S.NEW,
    },
    Action.RESOLVE: {
        S.ASSIGNED: S.RESOLVED,
        S.IN_PROGRESS: S.RESOLVED,
        S.AWAITING_CITIZEN: S.RESOLVED,
    },
    Action.REOPEN: {S.RESOLVED: S.IN_PROGRESS, S.REJECTED: S.IN_PROGRESS},
    Action.CLOSE: {S.RESOLVED: S.CLOSED},
    Action.REJECT: {
        S.NEW: S.REJECTED,
        S.ASSIGNED: S.REJECTED,
        S.IN_PROGRESS: S.REJECTED,
        S.AWAITING_CITIZEN: S.REJECTED,
    },
}


def next_status(action: Action, current: str) -> Status:
    """The state `action` leads to from `current`, or 409 when the table has no such move."""
    target = TRANSITIONS[action].get(Status(current))
    if target is None:
        raise InvalidState(action.value, current)
    return target


ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    status.value: tuple(action.value for action, moves in TRANSITIONS.items() if status in moves)
    for status in Status
}


def allowed_actions(current: str) -> list[str]:
    """The actions the table allows in `current` (shown to staff with the inquiry)."""
    return list(ALLOWED_ACTIONS[current])
