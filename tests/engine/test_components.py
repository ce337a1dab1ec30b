"""Independent pools: split by shared host types, solved apart, added up."""

from __future__ import annotations

from planner.engine import HostType, ItemGroup, PackingProblem, SolveOptions, solve_packing, validate_packing
from planner.engine.components import split_pools

LINUX = HostType("linux-node", 4.0, 16.0, 20, 100.0)
LINUX_BIG = HostType("linux-big", 8.0, 32.0, 40, 190.0)
WINDOWS = HostType("windows-node", 4.0, 16.0, 20, 150.0)
UNUSED = HostType("gpu-node", 8.0, 64.0, 20, 900.0)


def _group(name: str, count: int, types: set[str]) -> ItemGroup:
    return ItemGroup(name, count, 1.0, 2.0, 2, frozenset(types))


def test_groups_sharing_a_type_through_a_chain_stay_together() -> None:
    problem = PackingProblem(
        (_group("a", 3, {"linux-node"}), _group("b", 2, {"linux-node", "linux-big"}), _group("c", 4, {"linux-big"}),
         _group("w", 5, {"windows-node"})),
        (LINUX, LINUX_BIG, WINDOWS, UNUSED),
        fixed_plan_cost=50.0,
    )
    pools = split_pools(problem)
    assert [[g.name for g in p.items] for p in pools] == [["a", "b", "c"], ["w"]]
    assert [[t.name for t in p.host_types] for p in pools] == [["linux-node", "linux-big"], ["windows-node"]]
    assert all(p.fixed_plan_cost == 0.0 for p in pools)


def test_pools_solved_apart_add_up_to_the_whole() -> None:
    """Cost, bound and hosts of the whole are those of the pools plus the fixed plan cost."""
    problem = PackingProblem(
        (_group("a", 5, {"linux-node", "linux-big"}), _group("w", 3, {"windows-node"})),
        (LINUX, LINUX_BIG, WINDOWS),
        fixed_plan_cost=50.0,
    )
    options = SolveOptions(time_limit=5.0, gap=1e-6)
    whole = solve_packing(problem, options)
    parts = [solve_packing(p, options) for p in split_pools(problem)]
    assert validate_packing(problem, whole) == []
    assert abs(whole.cost - (50.0 + sum(p.cost for p in parts))) <= 1e-9
    assert whole.lower_bound <= whole.cost
    assert whole.status == "optimal"
    assert sorted(h.host_type for h in whole.hosts) == sorted(h.host_type for p in parts for h in p.hosts)
