"""The packing problem the engine solves, and the packing it returns.

This is the contract between the strategy builders (which know catalogues, fleets,
licence rules and overheads) and the engine (which knows only sizes, capacities and
monthly costs). Nothing here imports pulp, pandas or the catalogue.

A *packing problem* is: item groups (a service's identical replicas, each taking
``vcpu`` / ``memory_gib`` / one slot on a host) and host types (allocatable
capacity, slot limit, the monthly cost of an empty host, and per-licence-group
cost options that depend on how many items of that group sit on the host).

Monthly cost of one host of type t holding n_g items of licence group g::

    t.fixed_cost + sum_g licence_cost(t.licence_options[g], n_g)

    licence_cost(options, 0) = 0
    licence_cost(options, n) = min over o in options of blocks(o, n) * o.block_cost
    blocks(o, n) = ceil(n / o.items_per_block)   (1 when items_per_block is None)

A group with no options (or absent from ``licence_options``) costs nothing extra.
The plan total is ``problem.fixed_plan_cost + sum over hosts``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SolveStatusName = Literal["optimal", "feasible"]


@dataclass(frozen=True)
class LicenceOption:
    """One way to license the items of a licence group on one host.

    ``block_cost`` is the monthly cost of one block on this host type (already
    including per-core minimums, pack rounding, amortisation). ``items_per_block``
    is how many items one block covers (Windows Server Standard: 2 VMs per full
    licensing of the host's cores; a per-VM licence: 1); None means one block
    covers any number of items (Datacenter, RHEL for Virtual Datacenters).
    """

    name: str
    block_cost: float
    items_per_block: int | None

    def blocks(self, count: int) -> int:
        """Return how many blocks license ``count`` items on one host."""
        if count <= 0:
            return 0
        if self.items_per_block is None:
            return 1
        return math.ceil(count / self.items_per_block)


@dataclass(frozen=True)
class HostType:
    """A kind of host the engine may open any number of.

    ``vcpu`` and ``memory_gib`` are what the host offers to items (after
    reservations, hypervisor overhead, overcommit and the utilisation target).
    ``max_items`` caps pods (container mode) or VMs (VM mode) per host.
    """

    name: str
    vcpu: float
    memory_gib: float
    max_items: int
    fixed_cost: float
    licence_options: Mapping[str, tuple[LicenceOption, ...]] = field(default_factory=dict)

    def licence_cost(self, group: str | None, count: int) -> tuple[float, str | None, int]:
        """Return (monthly cost, option name, blocks) of the cheapest way to license ``count`` items."""
        options = self.licence_options.get(group or "", ())
        if count <= 0 or not options:
            return 0.0, None, 0
        best = min(options, key=lambda o: (o.blocks(count) * o.block_cost, o.name))
        return best.blocks(count) * best.block_cost, best.name, best.blocks(count)


@dataclass(frozen=True)
class ItemGroup:
    """Identical replicas of one service.

    ``compatible`` names the host types these items may go on (OS pool, CPU
    architecture, size: the builder decides). At most ``max_per_host`` of them
    share one host.
    """

    name: str
    count: int
    vcpu: float
    memory_gib: float
    max_per_host: int
    compatible: frozenset[str]
    licence_group: str | None = None


@dataclass(frozen=True)
class PackingProblem:
    """Items to place and host types to open; minimise the monthly total."""

    items: tuple[ItemGroup, ...]
    host_types: tuple[HostType, ...]
    fixed_plan_cost: float = 0.0

    def host_type(self, name: str) -> HostType:
        """Return the host type called ``name``."""
        for t in self.host_types:
            if t.name == name:
                return t
        raise KeyError(name)


@dataclass(frozen=True)
class HostLoad:
    """One opened host and what it holds: item group name -> replica count.

    ``licensed`` (licence group -> items) licenses the host for at least that many items of
    the group whatever it holds: a spare VM host must be able to run, licensed, the guests
    of any host it takes over (Windows Server licences belong to the physical host).
    """

    host_type: str
    items: Mapping[str, int]
    licensed: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Packing:
    """The engine's answer for one problem.

    ``hosts`` are in a deterministic order (by host type name, then by content),
    so the same problem and options always give the same list. ``lower_bound``
    is a proven lower bound on the optimum of the problem; ``status`` is
    "optimal" when cost - lower_bound is within the requested gap.
    """

    hosts: tuple[HostLoad, ...]
    cost: float
    lower_bound: float
    status: SolveStatusName
    heuristic_cost: float
    solve_seconds: float
    method: str
    notes: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        """Return the relative gap (cost - bound) / cost, 0 when cost is 0."""
        if self.cost <= 0:
            return 0.0
        return max(0.0, (self.cost - self.lower_bound) / self.cost)


@dataclass(frozen=True)
class SolveOptions:
    """How hard to try. ``gap`` is relative (0.001 = 0.1 %)."""

    solver: Literal["highs", "cbc"] = "highs"
    time_limit: float = 60.0
    gap: float = 0.001
    threads: int = 2
    seed: int = 0


def licence_counts(problem: PackingProblem, items: Mapping[str, int]) -> dict[str | None, int]:
    """Return items per licence group (None: unlicensed) for one host's content."""
    groups: dict[str | None, int] = {}
    by_name = {i.name: i for i in problem.items}
    for name, count in items.items():
        g = by_name[name].licence_group
        groups[g] = groups.get(g, 0) + count
    return groups


def host_cost(problem: PackingProblem, host: HostLoad) -> float:
    """Return the monthly cost of one loaded host under the cost rule above."""
    t = problem.host_type(host.host_type)
    groups = licence_counts(problem, host.items)
    for g, count in host.licensed.items():
        groups[g] = max(groups.get(g, 0), count)
    return t.fixed_cost + sum(t.licence_cost(g, n)[0] for g, n in groups.items())


def relative_gap(cost: float, bound: float) -> float:
    """Return (cost - bound) / cost, 0 for a free plan."""
    return (cost - bound) / cost if cost > 0 else 0.0


def status_for(cost: float, bound: float, gap_target: float) -> SolveStatusName:
    """Return "optimal" when ``bound`` proves ``cost`` within ``gap_target``, else "feasible"."""
    return "optimal" if relative_gap(cost, bound) <= gap_target + 1e-9 else "feasible"


def gap_note(cost: float, bound: float, gap_target: float) -> str:
    """Return the note a plan stopped short of its gap target carries."""
    return f"stopped with gap {100 * relative_gap(cost, bound):.2f} % (target {100 * gap_target:.2f} %)"


def packing_cost(problem: PackingProblem, hosts: tuple[HostLoad, ...] | list[HostLoad]) -> float:
    """Return the plan total: fixed plan cost plus every host's cost."""
    return problem.fixed_plan_cost + sum(host_cost(problem, h) for h in hosts)
