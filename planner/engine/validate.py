"""Independent checker of a Packing against its PackingProblem.

Written from the contract in ``problem.py`` alone: it shares no code with the
optimisers (ffd, milp, colgen), so a bug there cannot hide itself here.
"""

from __future__ import annotations

from planner.engine.problem import Packing, PackingProblem, packing_cost

_REL_TOL = 1e-9


def _over(load: float, capacity: float) -> bool:
    return load > capacity * (1.0 + _REL_TOL) + 1e-12


def validate_packing(problem: PackingProblem, packing: Packing) -> list[str]:
    """Return human-readable violations of ``packing`` (empty list = valid)."""
    violations: list[str] = []
    groups = {g.name: g for g in problem.items}
    types = {t.name: t for t in problem.host_types}
    placed = {name: 0 for name in groups}
    for index, host in enumerate(packing.hosts):
        label = f"host #{index} ({host.host_type})"
        host_type = types.get(host.host_type)
        if host_type is None:
            violations.append(f"{label}: unknown host type")
            continue
        vcpu = memory_gib = 0.0
        slots = 0
        for name, count in host.items.items():
            group = groups.get(name)
            if group is None:
                violations.append(f"{label}: unknown item group {name!r}")
                continue
            if count < 0 or int(count) != count:
                violations.append(f"{label}: {name} has a non-natural count {count}")
                continue
            placed[name] += count
            vcpu += count * group.vcpu
            memory_gib += count * group.memory_gib
            slots += count
            if count > group.max_per_host:
                violations.append(f"{label}: {count} x {name} exceeds max_per_host {group.max_per_host}")
            if count > 0 and host_type.name not in group.compatible:
                violations.append(f"{label}: {name} is not compatible with {host_type.name}")
        if _over(vcpu, host_type.vcpu):
            violations.append(f"{label}: vCPU {vcpu:g} > {host_type.vcpu:g}")
        if _over(memory_gib, host_type.memory_gib):
            violations.append(f"{label}: memory {memory_gib:g} GiB > {host_type.memory_gib:g} GiB")
        if slots > host_type.max_items:
            violations.append(f"{label}: {slots} items > max_items {host_type.max_items}")
    for name, group in groups.items():
        if placed[name] != group.count:
            violations.append(f"{name}: placed {placed[name]} times, expected {group.count}")
    if not violations:
        recomputed = packing_cost(problem, packing.hosts)
        if abs(recomputed - packing.cost) > 1e-6 * max(1.0, abs(recomputed)):
            violations.append(f"reported cost {packing.cost:.6f} != recomputed {recomputed:.6f}")
        if packing.lower_bound > packing.cost + 1e-6:
            violations.append(f"lower bound {packing.lower_bound:.6f} > cost {packing.cost:.6f}")
    return violations
