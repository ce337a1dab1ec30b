"""The large-problem path (column generation, dive, LNS) forced onto small problems."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from planner.engine import PackingProblem, SolveOptions, ffd_packing, packing_cost, solve_packing, validate_packing
from planner.engine.colgen import _fractional_knapsack
from tests.engine.strategies import brute_force_cost, packing_problems


@pytest.fixture
def force_colgen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make solve_packing skip the assignment MILP so column generation runs."""
    monkeypatch.setattr("planner.engine.solve.MILP_MAX_ASSIGN_VARS", -1)


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(packing_problems(max_groups=3, max_types=3, max_count=2))
def test_colgen_bound_is_valid_and_plan_is_valid(force_colgen: None, problem: PackingProblem) -> None:
    """The CG / Farley bound never exceeds the brute-force optimum; the plan validates and beats FFD or ties."""
    packing = solve_packing(problem, SolveOptions(time_limit=4.0))
    assert validate_packing(problem, packing) == []
    expected = brute_force_cost(problem)
    assert packing.lower_bound <= expected + 1e-6
    assert packing.cost >= expected - 1e-6
    assert packing.cost <= packing_cost(problem, ffd_packing(problem)) + 1e-6


def test_fractional_knapsack_matches_hand_calculation() -> None:
    """Values 6, 5 (weights 2, 5, caps 2, 1), capacity 6: take 2 x first (12) + 2/5 of second (2) = 14."""
    import numpy as np

    value = np.array([6.0, 5.0])
    weight = np.array([2.0, 5.0])
    cap = np.array([2.0, 1.0])
    assert _fractional_knapsack(value, weight, cap, 6.0) == pytest.approx(14.0)
