"""First-fit-decreasing: the spread-first order fills the hosts a spread limit forces open."""

from __future__ import annotations

from planner.engine import HostType, ItemGroup, PackingProblem, ffd_packing, packing_cost
from planner.engine.ffd import ffd_run
from planner.engine.instance import build_instance

HOST = HostType("node", vcpu=10.0, memory_gib=100.0, max_items=10, fixed_cost=100.0)


def _problem() -> PackingProblem:
    """8 pods of 5 vCPU, 4 pods of 1 vCPU at most 1 per node: the optimum is 6 nodes.

    A node holding the small pod takes at most one big pod, so 4 such nodes hold 4 big
    pods and the other 4 need 2 more nodes.
    """
    big = ItemGroup("big", 8, 5.0, 1.0, 8, frozenset({"node"}))
    spread = ItemGroup("spread", 4, 1.0, 1.0, 1, frozenset({"node"}))
    return PackingProblem((big, spread), (HOST,))


def test_largest_first_order_leaves_spread_hosts_near_empty() -> None:
    inst = build_instance(_problem())
    usable = inst.type_vcpu > 0
    assert len(ffd_run(inst, None, usable, "share")) == 8
    assert len(ffd_run(inst, None, usable, "spread")) == 6


def test_best_ffd_takes_the_spread_first_plan() -> None:
    problem = _problem()
    assert packing_cost(problem, ffd_packing(problem)) == 600.0


def test_ffd_places_only_the_residual_demand() -> None:
    """The dive's completion: FFD over what is still to place, nothing more."""
    import numpy as np

    from planner.engine.ffd import best_ffd

    inst = build_instance(_problem())
    bins = best_ffd(inst, demand=np.array([3, 2]))
    placed = np.zeros(2, dtype=int)
    for b in bins:
        for g, n in b.counts.items():
            placed[g] += n
        assert inst.bin_fits(b.type_index, b.counts)
    assert placed.tolist() == [3, 2]
    assert best_ffd(inst, demand=np.array([0, 0])) == []
