"""An initiative's progress, derived: never typed in.

Its milestones weigh their `weight` and count 100 when completed, 0 otherwise; each child
initiative weighs its own `weight` and counts its own progress. Progress is the weighted
mean of all of them (0 with none), rounded to two decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def progress(
    milestones: Iterable[tuple[Decimal, bool]], children: Iterable[tuple[Decimal, Decimal]]
) -> Decimal:
    """`milestones`: (weight, completed); `children`: (weight, progress 0–100)."""
    total = Decimal(0)
    done = Decimal(0)
    for weight, completed in milestones:
        total += weight
        done += weight * (HUNDRED if completed else 0)
    for weight, child_progress in children:
        total += weight
        done += weight * child_progress
    if total <= 0:
        return Decimal("0.00")
    return min(HUNDRED, done / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
