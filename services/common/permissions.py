"""Authorization as data: what each role and each machine-client scope may do.

A permission is `<resource>:<action>`. Staff get the union of their roles' permissions;
machine clients get the permissions their scopes name. Visibility (which organizations a
principal sees) is separate: see `orgtree.py`.
"""

from __future__ import annotations

from functools import lru_cache

ROLES = ("agent", "coordinator", "spokesperson", "unit_head", "org_admin", "sector_admin")

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "agent": frozenset(),
    "coordinator": frozenset(),
    "spokesperson": frozenset(),
    "unit_head": frozenset(),
    "org_admin": frozenset(),
    "sector_admin": frozenset(),
}

# scope → permissions for machine clients of other ministries
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {}


@lru_cache(maxsize=1024)
def permissions_for(kind: str, roles: frozenset[str], scopes: frozenset[str]) -> frozenset[str]:
    if kind == "client":
        granted = [SCOPE_PERMISSIONS.get(s, frozenset()) for s in scopes]
    else:
        granted = [ROLE_PERMISSIONS.get(r, frozenset()) for r in roles]
    return frozenset().union(*granted)
