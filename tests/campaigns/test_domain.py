"""Table tests of the pure rules: progress, periods, KPI roll-ups and colours, and who may
decide on reported figures."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.campaigns.domain import kpis, periods
from services.campaigns.domain.decisions import may_decide
from services.campaigns.domain.progress import progress
from services.campaigns.domain.states import INITIATIVE_TRANSITIONS, initiative_move
from services.common.errors import InvalidState

D = Decimal


@pytest.mark.parametrize(
    ("milestones", "children", "expected"),
    [
        ([], [], "0.00"),
        ([(D(40), True), (D(60), False)], [], "40.00"),
        ([(D(40), True), (D(60), True)], [], "100.00"),
        ([(D(10), False), (D(30), True)], [], "75.00"),  # weights need not add up to 100
        ([], [(D(1), D(50)), (D(1), D(100))], "75.00"),
        ([], [(D(3), D(40)), (D(1), D(0))], "30.00"),
        ([(D(1), False)], [(D(3), D(40))], "30.00"),
        ([(D(1), True)], [(D(3), D(40))], "55.00"),
        ([(D(1), True), (D(2), False)], [], "33.33"),
    ],
)
def test_progress_from_weighted_milestones_and_children(milestones, children, expected):
    assert progress(milestones, children) == D(expected)


@pytest.mark.parametrize(
    ("period", "frequency", "start", "end"),
    [
        ("2027-01", "monthly", date(2027, 1, 1), date(2027, 1, 31)),
        ("2028-02", "monthly", date(2028, 2, 1), date(2028, 2, 29)),
        ("2027-12", "monthly", date(2027, 12, 1), date(2027, 12, 31)),
        ("2027-Q1", "quarterly", date(2027, 1, 1), date(2027, 3, 31)),
        ("2027-Q4", "quarterly", date(2027, 10, 1), date(2027, 12, 31)),
        ("2027", "yearly", date(2027, 1, 1), date(2027, 12, 31)),
    ],
)
def test_periods(period, frequency, start, end):
    assert periods.frequency_of(period) == frequency
    assert periods.bounds(period) == (start, end)


@pytest.mark.parametrize("bad", ["2027-13", "2027-Q5", "27", "2027-1", "2027-q1", "", "2027-00"])
def test_bad_periods(bad):
    assert periods.frequency_of(bad) is None


def test_periods_inside_a_window():
    assert periods.periods_in("2027-Q2", "monthly") == ["2027-04", "2027-05", "2027-06"]
    assert periods.periods_in("2027", "quarterly") == [f"2027-Q{q}" for q in range(1, 5)]
    assert periods.periods_in("2027-01", "quarterly") == []


# a three-level subtree: M (ministry) → R (region) → A, B (municipalities)
M, R, A, B = (uuid.uuid4() for _ in range(4))
FIGURES = [
    (M, "2027-01", D(10)),
    (R, "2027-01", D(20)),
    (A, "2027-01", D(30)),
    (A, "2027-02", D(50)),
    (B, "2027-01", D(60)),
    (B, "2027-02", D(40)),
]


@pytest.mark.parametrize(
    ("aggregation", "figures", "expected"),
    [
        ("sum", FIGURES, D(210)),
        # avg: each organization's mean over the window, then the mean of them
        ("avg", FIGURES, (D(10) + D(20) + D(40) + D(50)) / 4),
        # last: each organization's latest period, added up
        ("last", FIGURES, D(10) + D(20) + D(50) + D(40)),
        ("sum", [f for f in FIGURES if f[1] == "2027-01"], D(120)),
        ("avg", [f for f in FIGURES if f[1] == "2027-01"], D(30)),
        ("last", [f for f in FIGURES if f[1] == "2027-01"], D(120)),
        ("sum", [], None),
        ("avg", [], None),
        ("last", [], None),
    ],
)
def test_rollups_over_a_three_level_subtree(aggregation, figures, expected):
    assert kpis.rollup(aggregation, figures) == expected


@pytest.mark.parametrize(
    ("direction", "value", "target", "amber_at", "expected"),
    [
        ("up", D(80), D(70), D(60), "green"),
        ("up", D(70), D(70), D(60), "green"),
        ("up", D(65), D(70), D(60), "amber"),
        ("up", D(60), D(70), D(60), "amber"),
        ("up", D(59), D(70), D(60), "red"),
        ("up", D(65), D(70), None, "red"),
        ("down", D(10), D(24), D(36), "green"),
        ("down", D(24), D(24), D(36), "green"),
        ("down", D(30), D(24), D(36), "amber"),
        ("down", D(36), D(24), D(36), "amber"),
        ("down", D(40), D(24), D(36), "red"),
        ("down", D(30), D(24), None, "red"),
        ("up", None, D(70), D(60), None),
        ("down", D(30), None, None, None),
    ],
)
def test_status_colours_for_up_and_down_kpis(direction, value, target, amber_at, expected):
    assert kpis.status(direction, value, target, amber_at) == expected


# who decides on a figure of organization A (chain: A → R → M); S is R's sibling, C is A's child
S, C = uuid.uuid4(), uuid.uuid4()
CHAIN = [A, R, M]


@pytest.mark.parametrize(
    ("decider", "roles", "organization", "expected"),
    [
        ("submitter", ["org_admin"], A, "self_decision"),
        ("submitter", ["sector_admin"], None, "self_decision"),
        ("other", ["unit_head"], A, None),
        ("other", ["org_admin"], A, None),
        ("other", ["org_admin"], R, None),
        ("other", ["unit_head"], M, None),
        ("other", ["sector_admin"], None, None),
        ("other", ["org_admin"], S, "not_above"),
        ("other", ["org_admin"], B, "not_above"),
        ("other", ["org_admin"], C, "not_above"),
        ("other", ["unit_head"], C, "not_above"),
        ("other", ["coordinator"], A, "not_above"),
        ("other", ["agent"], R, "not_above"),
        ("other", [], A, "not_above"),
    ],
)
def test_verification_matrix(decider, roles, organization, expected):
    assert (
        may_decide(
            decider=decider,
            decider_roles=roles,
            decider_organization=organization,
            submitter="submitter",
            organization_chain=CHAIN,
        )
        == expected
    )


def test_initiative_transition_table():
    for current, following in INITIATIVE_TRANSITIONS.items():
        for wanted in INITIATIVE_TRANSITIONS:
            if wanted == current or wanted in following:
                assert initiative_move(current, wanted) == wanted
            else:
                with pytest.raises(InvalidState):
                    initiative_move(current, wanted)
