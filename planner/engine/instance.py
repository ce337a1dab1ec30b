"""An indexed, numeric view of a PackingProblem that the optimisers share.

Item groups and host types are sorted by name here, so the order in which the
caller lists them never changes a result (determinism, shuffle invariance).
This module also holds the small in-engine packing representation (`Bin`), the
licence-cost tables, the dominance filter over host types and the up-front
"does every group fit somewhere" check. It does not optimise anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.engine.problem import HostLoad, HostType, ItemGroup, PackingProblem
from planner.errors import InfeasibleError

# Relative slack used by every in-engine capacity test. It is ten times stricter
# than the validator's 1e-9, so a packing the engine accepts always validates.
CAPACITY_RTOL = 1e-10


def fits_within(load: float, capacity: float) -> bool:
    """Return True when ``load`` fits into ``capacity`` (with float slack)."""
    return load <= capacity * (1.0 + CAPACITY_RTOL) + 1e-12


def max_copies(size: np.ndarray | float, free: np.ndarray | float) -> np.ndarray:
    """Return how many items of ``size`` fit into ``free`` (huge when size is 0)."""
    size_arr = np.asarray(size, dtype=float)
    free_arr = np.maximum(np.asarray(free, dtype=float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        copies = np.floor((free_arr * (1.0 + CAPACITY_RTOL) + 1e-12) / size_arr)
    copies = np.where(size_arr > 0, copies, 1e9)
    return np.minimum(copies, 1e9).astype(np.int64)


@dataclass
class Bin:
    """One host inside the engine: its type index and group index -> replicas."""

    type_index: int
    counts: dict[int, int] = field(default_factory=dict)


@dataclass
class Instance:
    """Numeric arrays for one problem (groups and types sorted by name)."""

    problem: PackingProblem
    groups: tuple[ItemGroup, ...]
    types: tuple[HostType, ...]
    group_vcpu: np.ndarray
    group_memory_gib: np.ndarray
    group_count: np.ndarray
    group_cap: np.ndarray  # min(max_per_host, count): replicas of a group per host
    compatible: np.ndarray  # bool (groups, types)
    type_vcpu: np.ndarray
    type_memory_gib: np.ndarray
    type_slots: np.ndarray
    type_fixed_cost: np.ndarray  # monthly cost of an empty host
    fit_alone: np.ndarray  # int (groups, types): replicas of s on an empty t (0 = never)
    licence_names: tuple[str, ...]  # licence groups that carry a cost on some type
    group_licence: np.ndarray  # int (groups,): index into licence_names, -1 = free
    _licence_cache: dict[tuple[int, int, int], float] = field(default_factory=dict)
    _dominated: np.ndarray | None = None  # dominated_types, once computed
    _reachable: tuple[np.ndarray, np.ndarray] | None = None  # bounds.reachable_capacities, once computed

    def __post_init__(self) -> None:
        # Plain-float copies for tight Python loops (numpy scalars are slow there).
        self.vcpu_list: list[float] = self.group_vcpu.tolist()
        self.memory_gib_list: list[float] = self.group_memory_gib.tolist()

    @property
    def n_groups(self) -> int:
        """Return the number of item groups."""
        return len(self.groups)

    @property
    def n_types(self) -> int:
        """Return the number of host types."""
        return len(self.types)

    def licence_cost(self, type_index: int, licence_index: int, count: int) -> float:
        """Return the monthly licence cost of ``count`` items of one licence group on one host."""
        key = (type_index, licence_index, count)
        cost = self._licence_cache.get(key)
        if cost is None:
            name = self.licence_names[licence_index]
            cost = self.types[type_index].licence_cost(name, count)[0]
            self._licence_cache[key] = cost
        return cost

    def licence_cost_array(self, type_index: int, licence_index: int, counts: np.ndarray) -> np.ndarray:
        """Return licence costs for an array of per-host item counts (vectorised)."""
        options = self.types[type_index].licence_options.get(self.licence_names[licence_index], ())
        counts = np.asarray(counts, dtype=np.int64)
        if not options:
            return np.zeros(counts.shape)
        best = np.full(counts.shape, np.inf)
        for option in options:
            if option.items_per_block is None:
                blocks = np.where(counts > 0, 1, 0)
            else:
                blocks = -(-counts // option.items_per_block)
            best = np.minimum(best, blocks * option.block_cost)
        return np.where(counts > 0, best, 0.0)

    def bin_cost(self, type_index: int, counts: dict[int, int]) -> float:
        """Return the monthly cost of one host of ``type_index`` holding ``counts``."""
        per_licence: dict[int, int] = {}
        for g, n in counts.items():
            lic = int(self.group_licence[g])
            if lic >= 0 and n > 0:
                per_licence[lic] = per_licence.get(lic, 0) + n
        return float(self.type_fixed_cost[type_index]) + sum(
            self.licence_cost(type_index, lic, n) for lic, n in per_licence.items()
        )

    def bin_fits(self, type_index: int, counts: dict[int, int]) -> bool:
        """Return True when ``counts`` respects capacity, slots, spread and compatibility on the type."""
        vcpu = memory_gib = 0.0
        slots = 0
        for g, n in counts.items():
            if n <= 0:
                continue
            if not self.compatible[g, type_index] or n > self.group_cap[g]:
                return False
            vcpu += n * self.group_vcpu[g]
            memory_gib += n * self.group_memory_gib[g]
            slots += n
        return (
            fits_within(vcpu, self.type_vcpu[type_index])
            and fits_within(memory_gib, self.type_memory_gib[type_index])
            and slots <= self.type_slots[type_index]
        )

    def cheapest_type_for(self, counts: dict[int, int]) -> tuple[int, float] | None:
        """Return (type index, monthly cost) of the cheapest type holding ``counts``, or None."""
        best: tuple[float, int] | None = None
        for t in range(self.n_types):
            if self.bin_fits(t, counts):
                cost = self.bin_cost(t, counts)
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, t)
        return None if best is None else (best[1], best[0])

    def plan_cost(self, bins: list[Bin]) -> float:
        """Return fixed plan cost plus every bin's monthly cost."""
        return float(self.problem.fixed_plan_cost) + sum(self.bin_cost(b.type_index, b.counts) for b in bins)

    def coverage_ok(self, bins: list[Bin], demand: np.ndarray | None = None) -> bool:
        """Return True when every bin fits and every group is placed exactly ``count`` times (or ``demand[g]``)."""
        placed = np.zeros(self.n_groups, dtype=np.int64)
        for b in bins:
            if not self.bin_fits(b.type_index, b.counts):
                return False
            for g, n in b.counts.items():
                placed[g] += n
        return bool(np.array_equal(placed, self.group_count if demand is None else np.asarray(demand, dtype=np.int64)))

    def to_host_loads(self, bins: list[Bin]) -> tuple[HostLoad, ...]:
        """Return the bins as HostLoads in canonical order (type name, then sorted content)."""
        loads = []
        for b in bins:
            content = tuple(sorted((self.groups[g].name, n) for g, n in b.counts.items() if n > 0))
            if content:
                loads.append((self.types[b.type_index].name, content))
        loads.sort()
        return tuple(HostLoad(host_type=t, items=dict(content)) for t, content in loads)

    def from_host_loads(self, hosts: tuple[HostLoad, ...] | list[HostLoad]) -> list[Bin]:
        """Return HostLoads as bins (inverse of ``to_host_loads``)."""
        group_index = {g.name: i for i, g in enumerate(self.groups)}
        type_index = {t.name: i for i, t in enumerate(self.types)}
        return [
            Bin(type_index[h.host_type], {group_index[name]: n for name, n in h.items.items() if n > 0})
            for h in hosts
        ]


def build_instance(problem: PackingProblem) -> Instance:
    """Index ``problem`` (sorted by name) and raise InfeasibleError if a group fits nowhere."""
    groups = tuple(sorted((g for g in problem.items if g.count > 0), key=lambda g: g.name))
    types = tuple(sorted(problem.host_types, key=lambda t: t.name))
    type_names = [t.name for t in types]
    compatible = np.array([[name in g.compatible for name in type_names] for g in groups], dtype=bool)
    compatible = compatible.reshape(len(groups), len(types))
    group_vcpu = np.array([g.vcpu for g in groups], dtype=float)
    group_memory_gib = np.array([g.memory_gib for g in groups], dtype=float)
    group_count = np.array([g.count for g in groups], dtype=np.int64)
    group_cap = np.array([max(0, min(g.max_per_host, g.count)) for g in groups], dtype=np.int64)
    type_vcpu = np.array([t.vcpu for t in types], dtype=float)
    type_memory_gib = np.array([t.memory_gib for t in types], dtype=float)
    type_slots = np.array([t.max_items for t in types], dtype=np.int64)
    type_fixed_cost = np.array([t.fixed_cost for t in types], dtype=float)
    fit_alone = np.zeros((len(groups), len(types)), dtype=np.int64)
    for s in range(len(groups)):
        fit = np.minimum(
            np.minimum(max_copies(group_vcpu[s], type_vcpu), max_copies(group_memory_gib[s], type_memory_gib)),
            np.minimum(type_slots, group_cap[s]),
        )
        fit_alone[s] = np.where(compatible[s], np.maximum(fit, 0), 0)
    licence_names = tuple(
        sorted(
            {
                g.licence_group
                for g in groups
                if g.licence_group and any(t.licence_options.get(g.licence_group) for t in types)
            }
        )
    )
    licence_index = {name: i for i, name in enumerate(licence_names)}
    group_licence = np.array([licence_index.get(g.licence_group or "", -1) for g in groups], dtype=np.int64)
    inst = Instance(
        problem=problem,
        groups=groups,
        types=types,
        group_vcpu=group_vcpu,
        group_memory_gib=group_memory_gib,
        group_count=group_count,
        group_cap=group_cap,
        compatible=compatible,
        type_vcpu=type_vcpu,
        type_memory_gib=type_memory_gib,
        type_slots=type_slots,
        type_fixed_cost=type_fixed_cost,
        fit_alone=fit_alone,
        licence_names=licence_names,
        group_licence=group_licence,
    )
    check_every_group_fits(inst)
    return inst


def check_every_group_fits(inst: Instance) -> None:
    """Raise InfeasibleError listing every group that fits no compatible host type alone."""
    problems = []
    for s, group in enumerate(inst.groups):
        if inst.fit_alone[s].max(initial=0) > 0:
            continue
        need = f"needs {group.vcpu:g} vCPU, {group.memory_gib:g} GiB per replica"
        if group.max_per_host < 1:
            problems.append(f"{group.name}: max_per_host is {group.max_per_host}, so no replica can be placed")
            continue
        compat = [t for t in inst.types if t.name in group.compatible]
        if not compat:
            problems.append(f"{group.name}: {need}; no compatible host type in the catalogue")
            continue
        largest = max(compat, key=lambda t: (t.vcpu, t.memory_gib, t.name))
        problems.append(
            f"{group.name}: {need}; largest compatible host type {largest.name} offers "
            f"{largest.vcpu:g} vCPU, {largest.memory_gib:g} GiB, {largest.max_items} slots"
        )
    if problems:
        raise InfeasibleError("Some services fit no compatible host type:\n" + "\n".join(f"  - {p}" for p in problems))


def dominated_types(inst: Instance) -> np.ndarray:
    """Return a bool mask of host types that another type makes redundant (computed once per instance).

    Type t is dominated by u when u offers at least t's vCPU, memory and slots,
    accepts every group t accepts, and costs no more for every possible content:
    fixed cost no higher and, per licence group, the licence cost no higher for
    every count (checked up to the most items that could sit on t). Replacing
    every t host by a u host then never raises the cost, so t can be dropped
    from the optimisation without losing optimality. Ties keep the first by name.
    """
    if inst._dominated is not None:
        return inst._dominated.copy()
    n = inst.n_types
    dominated = np.zeros(n, dtype=bool)
    max_count = int(inst.type_slots.max(initial=0))
    accepts = inst.compatible.T  # (types, groups)
    index = np.arange(n)
    for t in range(n):
        # Candidates u: at least as large in every dimension, no dearer, accept what t accepts.
        ok = (
            (inst.type_vcpu >= inst.type_vcpu[t])
            & (inst.type_memory_gib >= inst.type_memory_gib[t])
            & (inst.type_slots >= inst.type_slots[t])
            & (inst.type_fixed_cost <= inst.type_fixed_cost[t])
            & ~dominated
            & (index != t)
        )
        if not ok.any():
            continue
        ok &= np.all(accepts | ~accepts[t], axis=1)
        strictly = (
            (inst.type_vcpu > inst.type_vcpu[t])
            | (inst.type_memory_gib > inst.type_memory_gib[t])
            | (inst.type_slots > inst.type_slots[t])
            | (inst.type_fixed_cost < inst.type_fixed_cost[t])
            | np.any(accepts & ~accepts[t], axis=1)
        )
        ok &= strictly | (index < t)  # identical twins: keep the one first by name
        limit = min(int(inst.type_slots[t]), max_count)
        counts = np.arange(limit + 1)
        for u in np.flatnonzero(ok):
            if all(
                np.all(inst.licence_cost_array(int(u), lic, counts) <= inst.licence_cost_array(t, lic, counts) + 1e-9)
                for lic in range(len(inst.licence_names))
            ):
                dominated[t] = True
                break
    inst._dominated = dominated.copy()
    return dominated


def ceil_div(a: int, b: int) -> int:
    """Return ceil(a / b) for positive integers."""
    return -(-a // b) if b > 0 else math.inf  # type: ignore[return-value]
