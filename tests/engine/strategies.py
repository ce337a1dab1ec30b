"""Hypothesis strategies and an engine-independent brute force for tiny packing problems."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from planner.engine.problem import HostLoad, HostType, ItemGroup, LicenceOption, PackingProblem, host_cost


@st.composite
def packing_problems(draw: st.DrawFn, max_groups: int = 6, max_types: int = 4, max_count: int = 4) -> PackingProblem:
    """Draw a small problem where every group fits at least one compatible type."""
    n_types = draw(st.integers(1, max_types))
    windows = (
        LicenceOption("standard", draw(st.sampled_from([100.0, 300.0])), 2),
        LicenceOption("datacenter", draw(st.sampled_from([250.0, 1700.0])), None),
    )
    types = []
    for i in range(n_types):
        vcpu = draw(st.sampled_from([2.0, 4.0, 7.5, 16.0]))
        memory_gib = vcpu * draw(st.sampled_from([2.0, 4.0, 8.0]))
        with_licence = draw(st.booleans())
        types.append(
            HostType(
                name=f"type-{i}",
                vcpu=vcpu,
                memory_gib=memory_gib,
                max_items=draw(st.integers(2, 8)),
                fixed_cost=float(draw(st.integers(10, 400))),
                licence_options={"windows": windows} if with_licence else {},
            )
        )
    names = [t.name for t in types]
    n_groups = draw(st.integers(1, max_groups))
    groups = []
    for i in range(n_groups):
        compatible = frozenset(draw(st.lists(st.sampled_from(names), min_size=1, max_size=n_types, unique=True)))
        host = max((t for t in types if t.name in compatible), key=lambda t: t.vcpu)
        vcpu = draw(st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0]))
        vcpu = min(vcpu, host.vcpu)
        memory_gib = min(vcpu * draw(st.sampled_from([1.0, 2.0, 4.0])), host.memory_gib)
        groups.append(
            ItemGroup(
                name=f"svc-{i}",
                count=draw(st.integers(1, max_count)),
                vcpu=vcpu,
                memory_gib=memory_gib,
                max_per_host=draw(st.integers(1, 3)),
                compatible=compatible,
                licence_group="windows" if draw(st.integers(0, 3)) == 0 else None,
            )
        )
    return PackingProblem(tuple(groups), tuple(types), fixed_plan_cost=float(draw(st.sampled_from([0, 50]))))


def _set_partitions(items: list[int]):
    """Yield every partition of ``items`` (labelled) into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _set_partitions(rest):
        yield [[first], *partition]
        for i in range(len(partition)):
            yield partition[:i] + [[first, *partition[i]]] + partition[i + 1 :]


def brute_force_cost(problem: PackingProblem) -> float:
    """Return the optimal plan cost by enumerating every partition of the replicas.

    Independent of the engine: for each block of replicas, the cheapest host type
    that holds it (checked here from the contract) is taken; blocks that fit no
    type make the partition infeasible.
    """
    replicas = [g for g in problem.items for _ in range(g.count)]
    best = float("inf")
    cheapest_block: dict[tuple[str, ...], float] = {}
    for partition in _set_partitions(list(range(len(replicas)))):
        total = problem.fixed_plan_cost
        for block in partition:
            key = tuple(sorted(replicas[i].name for i in block))
            if key not in cheapest_block:
                cheapest_block[key] = _cheapest_host(problem, key)
            total += cheapest_block[key]
            if total >= best:
                break
        best = min(best, total)
    return best


def _cheapest_host(problem: PackingProblem, names: tuple[str, ...]) -> float:
    groups = {g.name: g for g in problem.items}
    counts = {name: len(list(grp)) for name, grp in itertools.groupby(names)}
    best = float("inf")
    for t in problem.host_types:
        if any(t.name not in groups[n].compatible or c > groups[n].max_per_host for n, c in counts.items()):
            continue
        vcpu = sum(groups[n].vcpu * c for n, c in counts.items())
        memory_gib = sum(groups[n].memory_gib * c for n, c in counts.items())
        if vcpu > t.vcpu + 1e-9 or memory_gib > t.memory_gib + 1e-9 or len(names) > t.max_items:
            continue
        best = min(best, host_cost(problem, HostLoad(t.name, counts)))
    return best
