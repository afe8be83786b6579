"""KPI arithmetic: roll-ups by aggregation rule and the green / amber / red status.

Roll-up over a subtree and a window of periods, in two steps:

1. per organization over the periods of the window: `sum` adds them, `avg` averages them,
   `last` keeps the latest period's figure (a stock measured at a point in time);
2. over the organizations: `sum` and `last` add the organizations' figures, `avg` averages
   them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from decimal import Decimal

AGGREGATIONS = ("sum", "avg", "last")
DIRECTIONS = ("up", "down")
STATUSES = ("green", "amber", "red")


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def over_time(aggregation: str, figures: Iterable[tuple[str, Decimal]]) -> Decimal | None:
    """One organization's figure over a window: `figures` are (period, value)."""
    items = sorted(figures)
    if not items:
        return None
    values = [v for _, v in items]
    if aggregation == "sum":
        return sum(values, Decimal(0))
    if aggregation == "avg":
        return _mean(values)
    return items[-1][1]


def over_organizations(aggregation: str, values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    if aggregation == "avg":
        return _mean(items)
    return sum(items, Decimal(0))


def rollup(aggregation: str, figures: Iterable[tuple[Hashable, str, Decimal]]) -> Decimal | None:
    """The subtree's figure: `figures` are (organization, period, value)."""
    by_org: dict[Hashable, list[tuple[str, Decimal]]] = defaultdict(list)
    for org, period, value in figures:
        by_org[org].append((period, value))
    per_org = [over_time(aggregation, items) for items in by_org.values()]
    return over_organizations(aggregation, [v for v in per_org if v is not None])


def status(
    direction: str, value: Decimal | None, target: Decimal | None, amber_at: Decimal | None
) -> str | None:
    """green when the target is met; amber when only the amber threshold is; else red.
    `up`: higher is better (value ≥ target); `down`: lower is better (value ≤ target).
    None without a value or a target."""
    if value is None or target is None:
        return None
    if direction == "down":
        if value <= target:
            return "green"
        return "amber" if amber_at is not None and value <= amber_at else "red"
    if value >= target:
        return "green"
    return "amber" if amber_at is not None and value >= amber_at else "red"


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.0001"))
