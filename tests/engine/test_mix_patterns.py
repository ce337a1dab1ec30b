"""Filling a given host mix exactly (mix_patterns.py, fixed_hosts' load floors) and the near-mix step."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, given, settings

from planner.engine import HostType, ItemGroup, Packing, PackingProblem, SolveOptions, validate_packing
from planner.engine.bounds import aggregate_mip_bound, reachable_capacities
from planner.engine.ffd import best_ffd
from planner.engine.fixed_hosts import pack_into_hosts
from planner.engine.instance import Bin, build_instance
from planner.engine.mix_patterns import _Master, pack_mix_by_patterns
from planner.engine.solve import Incumbent, _try_near_mixes
from tests.engine.strategies import packing_problems


def _exact_problem() -> PackingProblem:
    """12 cores of replicas for 4-core hosts: three hosts only if each is filled to the last core.

    The only packing into three hosts is {2.5, 1.5} twice and {1, 1, 1, 1}.
    """
    host = HostType("h4", 4.0, 16.0, 10, 100.0, {})
    groups = (
        ItemGroup("a", 2, 2.5, 2.0, 1, frozenset({"h4"}), None),
        ItemGroup("b", 2, 1.5, 2.0, 1, frozenset({"h4"}), None),
        ItemGroup("c", 4, 1.0, 1.0, 4, frozenset({"h4"}), None),
    )
    return PackingProblem(groups, (host,))


def _valid(problem: PackingProblem, inst, bins) -> bool:
    cost = inst.plan_cost(bins)
    packing = Packing(inst.to_host_loads(bins), cost, 0.0, "feasible", cost, 0.0, "test")
    return validate_packing(problem, packing) == []


def test_an_exact_partition_is_found_and_too_few_hosts_give_none() -> None:
    problem = _exact_problem()
    inst = build_instance(problem)
    bins = pack_mix_by_patterns(inst, np.array([3.0]), time.perf_counter() + 10)
    assert bins is not None and len(bins) == 3 and _valid(problem, inst, bins)
    assert sorted(sorted(inst.groups[g].name for g, n in b.counts.items() for _ in range(n)) for b in bins) == [
        ["a", "b"], ["a", "b"], ["c", "c", "c", "c"]]
    assert pack_mix_by_patterns(inst, np.array([2.0]), time.perf_counter() + 10) is None


def test_load_floors_keep_the_exact_partition_and_refuse_too_few_hosts() -> None:
    problem = _exact_problem()
    inst = build_instance(problem)
    bins = pack_into_hosts(inst, np.array([3.0]), 10.0, load_floors=True)
    assert bins is not None and _valid(problem, inst, bins)
    assert pack_into_hosts(inst, np.array([2.0]), 10.0, load_floors=True) is None


def test_a_partial_demand_is_placed_alone() -> None:
    """With ``demand`` only those replicas are placed (the caller holds the rest)."""
    inst = build_instance(_exact_problem())
    demand = np.array([1, 1, 0])  # one a and one b: one host, filled exactly
    bins = pack_into_hosts(inst, np.array([1.0]), 10.0, demand=demand, load_floors=True)
    assert bins is not None and len(bins) == 1 and bins[0].counts == {0: 1, 1: 1}


def _memory_trade_master():
    """Two 4-core, 12 GiB hosts filled exactly: two 5 GiB, two 3 GiB and four 1 GiB replicas of 1 core each."""
    host = HostType("h", 4.0, 12.0, 10, 100.0, {})
    groups = (
        ItemGroup("big", 2, 1.0, 5.0, 2, frozenset({"h"}), None),
        ItemGroup("medium", 2, 1.0, 3.0, 2, frozenset({"h"}), None),
        ItemGroup("small", 4, 1.0, 1.0, 4, frozenset({"h"}), None),
    )
    inst = build_instance(PackingProblem(groups, (host,)))
    return inst, _Master(inst, np.array([2]))


def test_quick_pricing_prices_memory_in_without_the_pricing_mip() -> None:
    """The best exact fill breaks the memory limit; the quick pricing finds the best one that fits, no MIP.

    Two 4-core, 12 GiB hosts filled exactly (8 cores of replicas): two 5 GiB, two 3 GiB
    and four 1 GiB replicas of 1 core each. With the 5 GiB ones worth most, the best fill
    is 2 x 5 + 2 x 3 GiB = 16 GiB; the best that fits is 2 x 5 + 2 x 1 GiB.
    """
    _, master = _memory_trade_master()
    content = master._price(0, np.array([10.0, 5.0, 1.0]), time.perf_counter() + 5)
    assert content is not None and content.tolist() == [2, 0, 2]
    assert master.pricers == {}  # settled without a pricing MIP


def test_swap_repair_trades_equal_vcpu_replicas_until_memory_fits() -> None:
    """From the 16 GiB fill above, trades of 1-core replicas bring it within 12 GiB, still 4 cores."""
    inst, master = _memory_trade_master()
    fill = master._swap_repair(0, np.array([10.0, 5.0, 1.0]), np.array([2, 2, 0]))
    assert fill is not None and int(fill.sum()) == 4
    assert 8.0 <= float(inst.group_memory_gib @ fill) <= 12.0


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems())
def test_the_hosts_of_a_valid_plan_are_filled_validly(problem: PackingProblem) -> None:
    """Given the hosts of an FFD plan: load floors cut no packing; the pattern packer's plan, if any, is valid."""
    inst = build_instance(problem)
    plan = best_ffd(inst)
    counts = np.bincount([b.type_index for b in plan], minlength=inst.n_types).astype(float)
    floored = pack_into_hosts(inst, counts, 10.0, load_floors=True)
    assert floored is not None and _valid(problem, inst, floored)
    patterned = pack_mix_by_patterns(inst, counts, time.perf_counter() + 10)
    if patterned is not None:
        assert _valid(problem, inst, patterned)
        assert np.all(np.bincount([b.type_index for b in patterned], minlength=inst.n_types) <= counts)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems())
def test_every_mix_the_aggregate_mip_meets_has_room_for_the_fleet(problem: PackingProblem) -> None:
    """Each collected mix holds the fleet's vCPU and memory (as the bound counts them); its value is above the bound."""
    inst = build_instance(problem)
    mixes: dict[tuple[int, ...], float] = {}
    mip = aggregate_mip_bound(inst, 10.0, mixes=mixes)
    if mip.hosts_by_type is None:
        return
    assert tuple(int(c) for c in mip.hosts_by_type) in mixes
    reach_vcpu, reach_memory = reachable_capacities(inst)
    for key, value in mixes.items():
        hosts = np.array(key, dtype=float)
        assert len(key) == inst.n_types
        assert float(hosts @ reach_vcpu) >= float(inst.group_vcpu @ inst.group_count) - 1e-6
        assert float(hosts @ reach_memory) >= float(inst.group_memory_gib @ inst.group_count) - 1e-6
        assert value >= mip.bound - 1e-6


def test_near_mixes_are_tried_roomiest_first_within_the_window() -> None:
    """Of the mixes within the window, the roomiest that holds the fleet is filled; the others are not tried.

    Replicas: 12 cores; the plan so far: four 4-core hosts (400). Types: a 4-core host at 100
    and a 6-core host at 160. Mixes met:
    3 x 4-core (300, the optimum already tried), 2 x 6-core (320: room 0), 4-core + 2 x 6-core
    (420: outside the window), 2 x 4-core + 6-core (360: room 2 cores, the one to fill).
    """
    four = HostType("h4", 4.0, 16.0, 10, 100.0, {})
    six = HostType("h6", 6.0, 24.0, 10, 160.0, {})
    groups = (
        ItemGroup("a", 2, 2.5, 2.0, 1, frozenset({"h4", "h6"}), None),
        ItemGroup("b", 2, 1.5, 2.0, 1, frozenset({"h4", "h6"}), None),
        ItemGroup("c", 4, 1.0, 1.0, 4, frozenset({"h4", "h6"}), None),
    )
    inst = build_instance(PackingProblem(groups, (four, six)))
    incumbent = Incumbent(inst)
    incumbent.offer([Bin(0, {0: 1, 1: 1}), Bin(0, {0: 1, 1: 1}), Bin(0, {2: 2}), Bin(0, {2: 2})], "test")
    before = incumbent.cost  # 400: four 4-core hosts
    mixes = {(3, 0): 300.0, (0, 2): 320.0, (1, 2): 420.0, (2, 1): 360.0}
    notes: list[str] = []
    tried: list[tuple[int, ...]] = []
    import planner.engine.solve as solve

    original = solve.pack_mix_by_patterns

    def spy(inst_, hosts, deadline, seed=0):
        tried.append(tuple(int(c) for c in hosts))
        return original(inst_, hosts, deadline, seed)

    solve.pack_mix_by_patterns = spy
    try:
        _try_near_mixes(inst, SolveOptions(gap=0.1), incumbent, 300.0, mixes, np.array([3.0, 0.0]),
                        lambda: 10.0, notes)
    finally:
        solve.pack_mix_by_patterns = original
    assert tried[0] == (2, 1)
    assert (3, 0) not in tried and (1, 2) not in tried
    assert incumbent.method == "near-mix" and incumbent.cost <= 360.0 < before
    assert any("near-optimal host mix" in n for n in notes)
