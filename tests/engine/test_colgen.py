"""The large-problem path (column generation, dive, LNS) forced onto small problems."""

from __future__ import annotations

import numpy as np
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


def test_pricing_knapsack_matches_the_mip_on_random_instances() -> None:
    """The combinatorial pricing knapsack finds the MIP's optimal value (and a fitting pattern) or gives up."""
    import time

    import numpy as np

    from planner.engine.colgen import _PricingMip
    from planner.engine.instance import build_instance
    from planner.engine.knapsack import solve_knapsack
    from planner.engine.problem import HostType, ItemGroup

    rng = np.random.default_rng(7)
    solved = 0
    for trial in range(40):
        n_groups = int(rng.integers(3, 25))
        host = HostType(
            name="h",
            vcpu=float(rng.choice([2.0, 3.92, 8.0, 15.89])),
            memory_gib=float(rng.choice([4.0, 7.5, 16.0, 30.0])),
            max_items=int(rng.choice([4, 8, 17, 29, 58])),
            fixed_cost=100.0,
        )
        groups = tuple(
            ItemGroup(
                name=f"g{i}",
                count=int(rng.integers(1, 5)),
                vcpu=float(rng.choice([0.1, 0.25, 0.5, 1.0, 1.5, 2.0])),
                memory_gib=float(rng.choice([0.25, 0.5, 1.0, 2.0, 4.0])),
                max_per_host=int(rng.integers(1, 4)),
                compatible=frozenset({"h"}),
            )
            for i in range(n_groups)
        )
        inst = build_instance(PackingProblem(groups, (host,)))
        duals = rng.uniform(0, 30, inst.n_groups) * (rng.random(inst.n_groups) < 0.8)
        caps = inst.fit_alone[:, 0].copy()
        value, patterns, exact, upper = solve_knapsack(
            duals, inst.group_vcpu, inst.group_memory_gib, caps, host.vcpu, host.memory_gib, host.max_items
        )
        counts, min_rc = _PricingMip(inst, 0, 0).solve(duals, caps, 10.0, time.perf_counter() + 10.0)
        mip_value = sum(duals[g] * n for g, n in (counts or {}).items())
        assert upper >= mip_value - 1e-6
        if exact:
            solved += 1
            assert value == pytest.approx(mip_value, abs=1e-6)
            if patterns:
                assert inst.bin_fits(0, patterns[0])
                assert all(n <= caps[g] for g, n in patterns[0].items())
                assert sum(duals[g] * n for g, n in patterns[0].items()) == pytest.approx(value, abs=1e-6)
    assert solved >= 30


def test_small_pools_dive_again_after_more_root_rounds(force_colgen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With time left after the first exact dive, more root rounds and another dive run; the plan stays valid."""
    import random

    from planner.engine import HostType, ItemGroup

    # A short first root (not converged: later rounds still find columns) and no time kept for LNS.
    monkeypatch.setattr("planner.engine.solve.CG_ROOT_SHARE_SMALL", 0.1)
    monkeypatch.setattr("planner.engine.solve.CG_LNS_SHARE_SMALL", 0.0)
    # at least a second of root rounds before each re-dive: under load a shorter slice may price nothing new
    monkeypatch.setattr("planner.engine.solve.CG_REDIVE_MIN_ROOT", 1.0)
    monkeypatch.setattr("planner.engine.solve.CG_REDIVE_ROOT_FACTOR", 1.0)
    rng = random.Random(7)
    types = tuple(HostType(f"t{i}", v, m, s, c) for i, (v, m, s, c) in
                  enumerate([(2, 8, 10, 70.0), (4, 16, 20, 138.0), (8, 32, 30, 270.0), (16, 64, 60, 530.0),
                             (4, 8, 20, 120.0), (8, 64, 30, 400.0)]))
    names = frozenset(t.name for t in types)
    items = tuple(ItemGroup(f"s{i}", rng.randint(1, 9), rng.choice([0.1, 0.25, 0.5, 1.0, 1.5, 3.0]),
                            rng.choice([0.25, 0.5, 1.0, 2.0, 4.0, 6.0]), rng.choice([1, 2, 3, 50]), names)
                  for i in range(40))
    problem = PackingProblem(items, types)
    packing = solve_packing(problem, SolveOptions(time_limit=15.0, gap=0.0))
    assert validate_packing(problem, packing) == []
    assert packing.lower_bound <= packing.cost + 1e-6
    assert packing.cost <= packing_cost(problem, ffd_packing(problem)) + 1e-6
    assert any("dives" in note for note in packing.notes), packing.notes


def test_the_dive_tail_fills_the_room_fixed_hosts_left() -> None:
    """Residual replicas go into fixed hosts' room (spread, capacity and free licences kept), largest first."""
    from planner.engine import HostType, ItemGroup, LicenceOption
    from planner.engine.colgen import fill_slack
    from planner.engine.instance import Bin, build_instance

    host = HostType("h8", 8.0, 32.0, 10, 100.0, {"win": (LicenceOption("per-vm", 5.0, 1),)})
    big = ItemGroup("big", 4, 3.0, 4.0, 1, frozenset({"h8"}), None)
    small = ItemGroup("small", 3, 1.0, 1.0, 2, frozenset({"h8"}), None)
    licensed = ItemGroup("licensed", 1, 0.5, 0.5, 1, frozenset({"h8"}), "win")
    inst = build_instance(PackingProblem((big, small, licensed), (host,)))
    g = {group.name: i for i, group in enumerate(inst.groups)}
    fixed = [Bin(0, {g["big"]: 1}), Bin(0, {g["big"]: 1, g["small"]: 1})]
    residual = np.zeros(inst.n_groups, dtype=np.int64)
    residual[[g["big"], g["small"], g["licensed"]]] = [2, 2, 1]
    fill_slack(inst, fixed, residual)
    # big: at most one per host and both hosts hold one already; small: 2 per host at most,
    # 8 cores each: host 1 has 5 cores free, host 2 has 4; the per-VM licence is not free room.
    assert residual[g["big"]] == 2 and residual[g["licensed"]] == 1 and residual[g["small"]] == 0
    assert all(inst.bin_fits(b.type_index, b.counts) for b in fixed)
    assert sum(b.counts.get(g["small"], 0) for b in fixed) == 3


def test_models_above_2500_assignment_variables_go_to_column_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3,000-variable MILP went to HiGHS, which on 25-400-service fleets often spent the whole limit in
    its root node without beating FFD; column generation closed most of those (see solve.py)."""
    from planner.engine import HostType, ItemGroup

    monkeypatch.setattr("planner.engine.solve.estimate_size", lambda inst, counts: 3000)
    host = HostType("h4", 4.0, 16.0, 10, 100.0, {})
    problem = PackingProblem((ItemGroup("big", 6, 1.5, 2.0, 2, frozenset({"h4"}), None),
                              ItemGroup("small", 4, 1.0, 1.0, 1, frozenset({"h4"}), None)), (host,))
    packing = solve_packing(problem, SolveOptions(time_limit=3.0, gap=0.0))  # gap 0: the search runs on
    assert any(n.startswith("assignment MILP skipped (3000 variables)") for n in packing.notes)
    assert validate_packing(problem, packing) == []
