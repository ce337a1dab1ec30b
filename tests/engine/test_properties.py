"""Property tests of solve_packing on small random problems (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine import PackingProblem, SolveOptions, ffd_packing, packing_cost, solve_packing, validate_packing
from tests.engine.strategies import brute_force_cost, packing_problems

FAST = SolveOptions(time_limit=5.0, gap=1e-6)
SETTINGS = settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(packing_problems())
def test_solution_is_valid_and_no_worse_than_ffd(problem: PackingProblem) -> None:
    """Every replica placed once, capacities, spread and compatibility held, cost re-priced, bound below cost."""
    packing = solve_packing(problem, FAST)
    assert validate_packing(problem, packing) == []
    assert packing.cost == packing_cost(problem, packing.hosts)
    assert packing.lower_bound <= packing.cost + 1e-6
    ffd_cost = packing_cost(problem, ffd_packing(problem))
    assert packing.cost <= ffd_cost + 1e-6
    assert abs(packing.heuristic_cost - ffd_cost) <= 1e-6 * max(1.0, ffd_cost)


@SETTINGS
@given(packing_problems(), st.randoms(use_true_random=False))
def test_shuffled_input_gives_same_cost(problem: PackingProblem, rng: random.Random) -> None:
    """Listing groups and host types in another order changes nothing that matters."""
    items, types = list(problem.items), list(problem.host_types)
    rng.shuffle(items)
    rng.shuffle(types)
    shuffled = PackingProblem(tuple(items), tuple(types), problem.fixed_plan_cost)
    first, second = solve_packing(problem, FAST), solve_packing(shuffled, FAST)
    if first.status == "optimal" and second.status == "optimal":
        assert abs(first.cost - second.cost) <= 1e-6
        assert first.hosts == second.hosts


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems(max_groups=3, max_types=3, max_count=2))
def test_optimum_matches_brute_force(problem: PackingProblem) -> None:
    """On tiny problems the engine's optimum equals an exhaustive enumeration, and its bound is below it."""
    expected = brute_force_cost(problem)
    packing = solve_packing(problem, FAST)
    assert packing.lower_bound <= expected + 1e-6
    assert packing.cost >= expected - 1e-6
    assert packing.status == "optimal"
    assert abs(packing.cost - expected) <= 1e-6 * max(1.0, expected)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems())
def test_ffd_packing_is_valid(problem: PackingProblem) -> None:
    """The standalone heuristic places everything within capacity."""
    from planner.engine import Packing

    hosts = ffd_packing(problem)
    cost = packing_cost(problem, hosts)
    packing = Packing(hosts, cost, 0.0, "feasible", cost, 0.0, "ffd")
    assert validate_packing(problem, packing) == []
