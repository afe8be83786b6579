"""Authorization as data: what each role and each machine-client scope may do.

A permission is `<resource>:<action>`. Staff get the union of their roles' permissions;
machine clients get the permissions their scopes name. Visibility (which organizations a
principal sees) is separate: see `orgtree.py`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

# The one definition of the staff roles and the machine-client scopes: the schemas take the
# Literal types, the rules below the tuples.
Role = Literal["agent", "coordinator", "spokesperson", "unit_head", "org_admin", "sector_admin"]
ROLES: tuple[str, ...] = get_args(Role)

# Every scope a machine client may hold: one read and one write scope per service.
Scope = Literal[
    "inquiries:read",
    "inquiries:write",
    "calendar:read",
    "calendar:write",
    "campaigns:read",
    "campaigns:write",
    "directory:read",
    "directory:write",
]
SCOPES: tuple[str, ...] = get_args(Scope)

# directory: every staff member reads the tree, colleagues and channels; administrators
# change them, manage machine clients and read the audit log of their subtree.
DIRECTORY_STAFF = frozenset({"organizations:read", "users:read", "channels:read"})
DIRECTORY_ADMIN = DIRECTORY_STAFF | {
    "organizations:write",
    "users:write",
    "channels:write",
    "api_clients:read",
    "api_clients:write",
    "audit:read",
    "webhooks:read",
    "webhooks:write",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "agent": DIRECTORY_STAFF,
    "coordinator": DIRECTORY_STAFF,
    "spokesperson": DIRECTORY_STAFF,
    "unit_head": DIRECTORY_STAFF,
    "org_admin": DIRECTORY_ADMIN,
    "sector_admin": DIRECTORY_ADMIN,
}

# scope → permissions for machine clients of other ministries
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    "directory:read": DIRECTORY_STAFF,
    # no api_clients:* nor audit:read: a machine client never manages machine clients
    "directory:write": frozenset(
        {"organizations:write", "users:write", "channels:write", "webhooks:read", "webhooks:write"}
    ),
}

# inquiries: every staff member reads and works the inquiries of its subtree; coordinators
# and heads also assign and transfer them; heads and administrators manage categories and
# SLA policies. Machine clients: `inquiries:read` reads, `inquiries:write` submits and works.
INQUIRIES_STAFF = frozenset({"inquiries:read", "inquiries:write"})
INQUIRIES_LEAD = INQUIRIES_STAFF | {"inquiries:assign"}
INQUIRIES_ADMIN = INQUIRIES_LEAD | {"inquiries:admin"}
INQUIRIES_BY_ROLE: dict[str, frozenset[str]] = {
    "agent": INQUIRIES_STAFF,
    "coordinator": INQUIRIES_LEAD,
    "spokesperson": INQUIRIES_LEAD,
    "unit_head": INQUIRIES_ADMIN,
    "org_admin": INQUIRIES_ADMIN,
    "sector_admin": INQUIRIES_ADMIN,
}
for _role, _granted in INQUIRIES_BY_ROLE.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _granted
SCOPE_PERMISSIONS["inquiries:read"] = frozenset({"inquiries:read"})
SCOPE_PERMISSIONS["inquiries:write"] = frozenset({"inquiries:write"})

# Who may grant which roles (users:write holders, inside their visible subtree). A principal
# may change a user only when it may grant every role the user holds before and after.
# An org_admin never grants sector_admin; a machine client grants no administrator role,
# and no role holding a permission its scopes do not give it.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    "sector_admin": frozenset(ROLES),
    "org_admin": frozenset(ROLES) - {"sector_admin"},
}
CLIENT_GRANTABLE_ROLES = frozenset({"agent", "coordinator", "spokesperson", "unit_head"})


def grantable_roles(
    kind: str, roles: frozenset[str], permissions: frozenset[str]
) -> frozenset[str]:
    if "users:write" not in permissions:
        return frozenset()
    if kind == "client":
        # never an administrator role, and only roles whose every permission the client's
        # own scopes already give it: a user it creates never holds more than it does
        return frozenset(
            role
            for role in CLIENT_GRANTABLE_ROLES
            if ROLE_PERMISSIONS.get(role, frozenset()) <= permissions
        )
    return frozenset().union(*[GRANTABLE_ROLES.get(r, frozenset()) for r in roles])


@lru_cache(maxsize=1024)
def permissions_for(kind: str, roles: frozenset[str], scopes: frozenset[str]) -> frozenset[str]:
    if kind == "client":
        granted = [SCOPE_PERMISSIONS.get(s, frozenset()) for s in scopes]
    else:
        granted = [ROLE_PERMISSIONS.get(r, frozenset()) for r in roles]
    return frozenset().union(*granted)


# campaigns: every staff member reads initiatives, KPIs, reports and campaigns of its
# subtree; coordinators, spokespeople and heads write them (and submit KPI values and
# reports); heads and administrators also decide (verify KPI values, accept reports,
# approve campaigns). Machine clients: `campaigns:read` reads, `campaigns:write` writes.
CAMPAIGNS_STAFF = frozenset({"campaigns:read"})
CAMPAIGNS_WRITER = CAMPAIGNS_STAFF | {"campaigns:write"}
CAMPAIGNS_DECIDER = CAMPAIGNS_WRITER | {"campaigns:decide"}
CAMPAIGNS_BY_ROLE: dict[str, frozenset[str]] = {
    "agent": CAMPAIGNS_STAFF,
    "coordinator": CAMPAIGNS_WRITER,
    "spokesperson": CAMPAIGNS_WRITER,
    "unit_head": CAMPAIGNS_DECIDER,
    "org_admin": CAMPAIGNS_DECIDER,
    "sector_admin": CAMPAIGNS_DECIDER,
}
for _role, _granted in CAMPAIGNS_BY_ROLE.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _granted
SCOPE_PERMISSIONS["campaigns:read"] = CAMPAIGNS_STAFF
SCOPE_PERMISSIONS["campaigns:write"] = CAMPAIGNS_WRITER

# calendar: every staff member reads the calendar of its subtree and writes entries; heads
# and administrators also decide approvals and manage policies, suspensions and occasions
# (`calendar:admin`). Machine clients: `calendar:read` reads, `calendar:write` also writes.
CALENDAR_STAFF = frozenset({"calendar:read", "calendar:write"})
CALENDAR_LEAD = CALENDAR_STAFF | {"calendar:approve", "calendar:admin"}
CALENDAR_BY_ROLE: dict[str, frozenset[str]] = {
    "agent": CALENDAR_STAFF,
    "coordinator": CALENDAR_STAFF,
    "spokesperson": CALENDAR_STAFF,
    "unit_head": CALENDAR_LEAD,
    "org_admin": CALENDAR_LEAD,
    "sector_admin": CALENDAR_LEAD,
}
for _role, _granted in CALENDAR_BY_ROLE.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _granted
SCOPE_PERMISSIONS["calendar:read"] = frozenset({"calendar:read"})
SCOPE_PERMISSIONS["calendar:write"] = CALENDAR_STAFF
