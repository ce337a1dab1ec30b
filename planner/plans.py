"""Plans as plain data: hosts with their cost lines, placements, totals. No pulp, no openpyxl.

``extract_plan`` turns the engine's packing (host type + replica counts per host) into
named hosts (``m7i.large#1``), numbered replicas, and priced cost lines by category.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from planner.catalogue.schema import InstanceType
from planner.engine.problem import Packing
from planner.pricing import licence_unit_factor
from planner.strategies import CATEGORIES, GUEST_OS, VM_PER_SERVICE, LicenceLine, StrategyModel


@dataclass(frozen=True)
class PlannedHost:
    """One host (or cloud instance) in a plan."""

    id: str
    type: str  # host type name under the strategy (e.g. "m7i.large (windows)")
    model: str  # instance type or host model name
    pool: str | None
    vcpu: float  # offered to placements
    memory_gib: float
    max_items: int
    lines: tuple[LicenceLine, ...]
    used_vcpu: float
    used_memory_gib: float
    items: int
    services: tuple[tuple[str, int], ...]
    licensed: tuple[tuple[str, int], ...] = ()  # guest OS -> VMs licensed beyond what it holds (spares)

    @property
    def cost(self) -> float:
        """Return the host's monthly cost."""
        return sum(line.monthly for line in self.lines)

    @property
    def spare(self) -> bool:
        """Return True for a spare host (kept empty so that failed hosts' replicas fit elsewhere)."""
        return self.items == 0

    @property
    def cpu_utilisation(self) -> float:
        """Return used / offered vCPU."""
        return self.used_vcpu / self.vcpu if self.vcpu else 0.0

    @property
    def memory_utilisation(self) -> float:
        """Return used / offered memory."""
        return self.used_memory_gib / self.memory_gib if self.memory_gib else 0.0


@dataclass(frozen=True)
class Placement:
    """One replica on one host; vcpu/memory are its VM size (VM mode) or pod request."""

    service: str
    replica: int
    host: str
    vcpu: float
    memory_gib: float
    host_vcpu: float  # what it takes from the host (overheads included)
    host_memory_gib: float


@dataclass(frozen=True)
class Plan:
    """One strategy's plan, priced."""

    strategy: str
    status: str
    total_cost: float
    lower_bound: float
    solve_seconds: float
    heuristic_cost: float
    method: str
    hosts: tuple[PlannedHost, ...]
    placements: tuple[Placement, ...]
    plan_lines: tuple[LicenceLine, ...]
    notes: tuple[str, ...]

    @property
    def gap(self) -> float:
        """Return (cost - bound) / cost."""
        return max(0.0, (self.total_cost - self.lower_bound) / self.total_cost) if self.total_cost > 0 else 0.0

    @property
    def on_demand_cost(self) -> float:
        """Return the plan's monthly cost without commitment discounts (same placement)."""
        return sum(line.on_demand_monthly for line in [*self.plan_lines, *(ln for h in self.hosts for ln in h.lines)])

    @property
    def spare_hosts(self) -> int:
        """Return the number of spare hosts in the plan."""
        return sum(1 for h in self.hosts if h.spare)

    @property
    def gap_reason(self) -> str:
        """Return why the plan is not proven within the gap target ('' when it is).

        Either the search stopped at its time limit, or (the packing itself proven) spare hosts
        were added after optimising: their bound counts each as its pool's cheapest host type.
        """
        if self.status == "optimal":
            return ""
        if self.spare_hosts and not any("stopped with gap" in n for n in self.notes):
            return ("the packing is proven optimal; the spare hosts are added after it, and the bound counts "
                    "each as its pool's cheapest host type")
        return "the search stopped at its time limit before proving the gap target"

    @property
    def cost_breakdown(self) -> dict[str, float]:
        """Return monthly cost by category (every category, zeros included); sums to total_cost."""
        out = dict.fromkeys(CATEGORIES, 0.0)
        for line in [*self.plan_lines, *(ln for h in self.hosts for ln in h.lines)]:
            out[line.category] = out.get(line.category, 0.0) + line.monthly
        return out


def host_lines(model: StrategyModel, host_type: str, counts: dict[str, int],
               licensed: Mapping[str, int] | None = None) -> tuple[LicenceLine, ...]:
    """Return every cost line of one loaded host: fixed lines plus the cheapest guest licence per OS.

    ``licensed`` (OS -> VMs) licenses at least that many guests of an OS (a spare host's).
    """
    offer = model.offer(host_type)
    per_group: dict[str, int] = defaultdict(int)
    for service, n in counts.items():
        group = model.shapes[service].licence_group
        if group is not None:
            per_group[group] += n
    for group, n in (licensed or {}).items():
        per_group[group] = max(per_group[group], n)
    lines = list(offer.fixed_lines)
    for group in sorted(per_group):
        options = offer.group_options.get(group, ())
        if not options or per_group[group] == 0:
            continue
        lic, opt, units = min(options, key=lambda o: (o[1].blocks(per_group[group]) * o[1].block_cost, o[0].name))
        blocks = opt.blocks(per_group[group])
        discount, discount_ref = model.guest_discounts.get(lic.name, (0.0, ""))
        lines.append(LicenceLine(GUEST_OS, lic.name, lic.product, blocks * units, blocks * opt.block_cost,
                                 f"licences.{lic.name}.price", discount, discount_ref,
                                 per_amount=blocks * units * licence_unit_factor(lic)))
    return tuple(lines)


def extract_plan(model: StrategyModel, packing: Packing) -> Plan:
    """Name hosts, number replicas and price every host of a packing."""
    counters: dict[str, int] = defaultdict(int)
    next_replica: dict[str, int] = defaultdict(int)
    hosts: list[PlannedHost] = []
    placements: list[Placement] = []
    for load in packing.hosts:
        counters[load.host_type] += 1
        host_id = f"{load.host_type}#{counters[load.host_type]}"
        offer = model.offer(load.host_type)
        used_vcpu = used_mem = 0.0
        for service in sorted(load.items):
            shape = model.shapes[service]
            for _ in range(load.items[service]):
                next_replica[service] += 1
                used_vcpu += shape.host_vcpu
                used_mem += shape.host_memory_gib
                size_vcpu, size_mem = shape.size_vcpu, shape.size_memory_gib
                if model.strategy == VM_PER_SERVICE and isinstance(offer.base, InstanceType):
                    # the VM is the instance (all its vCPUs, even where a burstable baseline sized it)
                    size_vcpu, size_mem = offer.base.vcpu, offer.base.memory_gib
                placements.append(Placement(service, next_replica[service], host_id, size_vcpu, size_mem,
                                            shape.host_vcpu, shape.host_memory_gib))
        counts = {k: v for k, v in load.items.items() if v}
        hosts.append(PlannedHost(
            host_id, load.host_type, offer.base.name, offer.pool, offer.vcpu, offer.memory_gib, offer.max_items,
            host_lines(model, load.host_type, counts, load.licensed), used_vcpu, used_mem, sum(counts.values()),
            tuple(sorted(counts.items())), tuple(sorted((g, n) for g, n in load.licensed.items() if n)),
        ))
    total = sum(h.cost for h in hosts) + sum(line.monthly for line in model.plan_lines)
    return Plan(
        strategy=model.strategy, status=packing.status, total_cost=total, lower_bound=min(packing.lower_bound, total),
        solve_seconds=packing.solve_seconds, heuristic_cost=packing.heuristic_cost, method=packing.method,
        hosts=tuple(hosts), placements=tuple(placements), plan_lines=model.plan_lines,
        notes=tuple(model.notes) + tuple(packing.notes),
    )
