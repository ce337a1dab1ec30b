"""Packing every replica into given hosts (the aggregate MIP's host counts)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from planner.engine import (
    HostType,
    ItemGroup,
    LicenceOption,
    Packing,
    PackingProblem,
    SolveOptions,
    solve_packing,
    validate_packing,
)
from planner.engine.ffd import best_ffd
from planner.engine.fixed_hosts import pack_into_hosts
from planner.engine.instance import build_instance
from tests.engine.strategies import packing_problems


def _problem() -> PackingProblem:
    """Six 1.5-core replicas (at most 2 per host) and four 1-core ones (1 per host) on 4-core hosts."""
    host = HostType("h4", 4.0, 16.0, 10, 100.0, {})
    big = ItemGroup("big", 6, 1.5, 2.0, 2, frozenset({"h4"}), None)
    small = ItemGroup("small", 4, 1.0, 1.0, 1, frozenset({"h4"}), None)
    return PackingProblem((big, small), (host,))


def test_the_replicas_fit_into_exactly_the_hosts_given() -> None:
    """13 cores on three 4-core hosts cannot work; four hosts can: 2 x 1.5 + 1 per host (4 cores each)."""
    inst = build_instance(_problem())
    assert pack_into_hosts(inst, np.array([3.0]), 5.0) is None
    bins = pack_into_hosts(inst, np.array([4.0]), 5.0)
    assert bins is not None and len(bins) <= 4
    assert inst.coverage_ok(bins)


def test_no_hosts_or_no_time_gives_none() -> None:
    inst = build_instance(_problem())
    assert pack_into_hosts(inst, np.array([0.0]), 5.0) is None
    assert pack_into_hosts(inst, np.array([4.0]), 0.0) is None


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems())
def test_the_host_counts_of_a_valid_plan_always_hold_its_replicas(problem: PackingProblem) -> None:
    """Given the hosts of an FFD plan (which hold every replica), a packing is found and it is valid."""
    inst = build_instance(problem)
    plan = best_ffd(inst)
    counts = np.bincount([b.type_index for b in plan], minlength=inst.n_types).astype(float)
    bins = pack_into_hosts(inst, counts, 10.0)
    assert bins is not None
    assert inst.coverage_ok(bins)
    cost = inst.plan_cost(bins)
    assert validate_packing(problem, Packing(inst.to_host_loads(bins), cost, 0.0, "feasible", cost, 0.0, "test")) == []


def test_a_plan_on_the_aggregate_hosts_is_proven_optimal_at_once() -> None:
    """The aggregate MIP's hosts hold every replica here, so the engine stops with a zero gap."""
    packing = solve_packing(_problem(), SolveOptions(time_limit=10.0))
    assert packing.status == "optimal"
    assert abs(packing.cost - 400.0) < 1e-6 and abs(packing.lower_bound - 400.0) < 1e-3


def test_local_search_remixes_hosts_through_the_subset_aggregate_mip(monkeypatch) -> None:
    """With the assignment MILP switched off, a round still merges four 1.5-core hosts into two:
    the subset's aggregate MIP says 2 hosts, and they hold the replicas as they are. (A round
    takes at most half the plan's hosts: eight hosts, so four of them.)"""
    import planner.engine.improve as improve
    from planner.engine.instance import Bin

    host = HostType("h4", 4.0, 16.0, 10, 100.0, {})
    group = ItemGroup("svc", 8, 1.5, 2.0, 2, frozenset({"h4"}), None)
    inst = build_instance(PackingProblem((group,), (host,)))
    spread_out = [Bin(0, {0: 1}) for _ in range(8)]

    def no_milp(*args, **kwargs):  # the second move must not be what finds it
        raise AssertionError("assignment MILP called")

    monkeypatch.setattr(improve, "solve_assignment_model", no_milp)
    import time

    better = improve.lns_improve(inst, spread_out, time.perf_counter() + 10.0, 0, 1, np.ones(1, dtype=bool),
                                 max_rounds=1)
    assert inst.coverage_ok(better)
    assert inst.plan_cost(better) == 600.0  # four of the eight hosts merged into two



def test_licensed_replicas_go_only_on_the_hosts_licensed_for_them() -> None:
    """With licensed_hosts, a Windows group may use only the first N hosts of a type: one Datacenter
    licence instead of one on every host its replicas land on; too few licensed hosts give None."""
    dc = {"win": (LicenceOption("datacenter", 50.0, None),)}
    host = HostType("h8", 8.0, 32.0, 20, 100.0, dc)
    win = ItemGroup("win", 4, 1.0, 1.0, 4, frozenset({"h8"}), "win")
    lin = ItemGroup("lin", 10, 1.0, 1.0, 6, frozenset({"h8"}), None)
    inst = build_instance(PackingProblem((win, lin), (host,)))
    w = inst.licence_names.index("win")
    licensed = np.zeros((len(inst.licence_names), inst.n_types))
    licensed[w, 0] = 1
    bins = pack_into_hosts(inst, np.array([2.0]), 5.0, licensed_hosts=licensed)
    assert bins is not None and inst.coverage_ok(bins)
    g = [group.name for group in inst.groups].index("win")
    assert sum(1 for b in bins if b.counts.get(g)) == 1  # all four on one host: one licence
    assert inst.plan_cost(bins) == 2 * 100.0 + 50.0
    # Windows needs 2 hosts when at most 2 share one: 1 licensed host cannot hold them
    spread = ItemGroup("win", 4, 1.0, 1.0, 2, frozenset({"h8"}), "win")
    inst = build_instance(PackingProblem((spread, lin), (host,)))
    assert pack_into_hosts(inst, np.array([2.0]), 5.0, licensed_hosts=licensed) is None
    assert pack_into_hosts(inst, np.array([2.0]), 5.0) is not None


def test_the_host_set_milp_keeps_standard_stacks_together(monkeypatch) -> None:
    """Two hosts, 10 Windows and 10 Linux VMs, 5 of each per host: 3 + 3 Standard stacks (235.20).
    The MILP over those hosts gives each host an even number of Windows VMs: 5 stacks (196.00), the
    optimum (two hosts are needed for 20 vCPU, and 10 Windows VMs need 5 stacks or a dearer Datacenter)."""
    from planner.engine import SolveOptions
    from planner.engine import solve as engine_solve
    from planner.engine.instance import Bin

    options = {"windows": (LicenceOption("standard", 39.2, 2), LicenceOption("datacenter", 225.7, None))}
    host = HostType("hv", 16.0, 64.0, 20, 900.0, options)
    win = ItemGroup("win", 10, 1.0, 2.0, 10, frozenset({"hv"}), "windows")
    lin = ItemGroup("lin", 10, 1.0, 2.0, 10, frozenset({"hv"}), None)
    inst = build_instance(PackingProblem((win, lin), (host,)))
    w, li = [group.name for group in inst.groups].index("win"), [group.name for group in inst.groups].index("lin")
    incumbent = engine_solve.Incumbent(inst)
    assert incumbent.offer([Bin(0, {w: 5, li: 5}), Bin(0, {w: 5, li: 5})], "spread")
    assert incumbent.cost == pytest.approx(1800.0 + 235.2)
    monkeypatch.setattr(engine_solve, "MILP_MAX_ASSIGN_VARS", 0)  # as if the full MILP were too big
    notes: list[str] = []
    engine_solve._run_host_set_milp(inst, SolveOptions(time_limit=10.0), incumbent, np.array([2.0]),
                                    lambda: 10.0, notes, lambda *_: None)
    assert incumbent.cost == pytest.approx(1800.0 + 196.0)
    assert incumbent.method == "host-set-milp" and "saved 39.20 per month" in notes[0]
    assert all(b.counts.get(w, 0) % 2 == 0 for b in incumbent.bins)
