"""Split a packing problem into independent pools.

Two item groups interact only through host types both may use. Groups that share
no compatible host type (directly or through other groups), e.g. Windows pods and
Linux pods on separate node pools, form separate sub-problems: the optimum of the
whole is the fixed plan cost plus the sum of the sub-problems' optima, and so is a
valid lower bound. Solving them apart keeps each model small.
"""

from __future__ import annotations

from planner.engine.problem import PackingProblem


def split_pools(problem: PackingProblem) -> list[PackingProblem]:
    """Return the independent sub-problems (fixed plan cost 0), in a canonical order.

    Each holds its groups (input order) and the host types any of them may use (input
    order). Sub-problems are ordered by their smallest group name, so a shuffled input
    gives the same list. A problem that does not split comes back as one sub-problem.
    """
    type_names = {t.name for t in problem.host_types}
    parent = list(range(len(problem.items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, group in enumerate(problem.items):
        for name in sorted(group.compatible & type_names):
            if name in owner:
                a, b = find(i), find(owner[name])
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[name] = i
    pools: dict[int, list[int]] = {}
    for i in range(len(problem.items)):
        pools.setdefault(find(i), []).append(i)
    subs = []
    for members in pools.values():
        items = tuple(problem.items[i] for i in members)
        used = set().union(*(g.compatible for g in items)) & type_names
        types = tuple(t for t in problem.host_types if t.name in used)
        subs.append(PackingProblem(items, types, 0.0))
    subs.sort(key=lambda p: min(g.name for g in p.items))
    return subs
