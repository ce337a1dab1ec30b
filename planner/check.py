"""Re-check a plan against the fleet and the catalogue, independently of the optimiser.

Solvers do return wrong "optimal" answers (notably with MIP starts), so every plan is
checked here before it is reported: every replica placed exactly once, no host over
its allocatable vCPU, memory or slot count, ``max_per_host`` held, OS pool and CPU
architecture respected, and every host's cost recomputed from the catalogue's prices
(guest OS licence editions re-chosen from scratch) and compared with the plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from planner.catalogue.schema import Catalogue
from planner.fleet import Fleet
from planner.plans import Plan
from planner.pricing import Machine, commitment_discount, host_licence_units, is_host_scoped, licence_unit_monthly
from planner.strategies import StrategyModel, VM_PER_SERVICE, WINDOWS, LINUX

TOLERANCE = 1e-6


def _guest_licence_cost(catalogue: Catalogue, machine: Machine, os_name: str, vms: int, term: str) -> float:
    """Return the cheapest monthly guest licence cost for ``vms`` VMs of one OS on one host."""
    names = catalogue.strategies.vm_per_service.guest_os.get(os_name, [])
    best = None
    for lic in (x for x in catalogue.licences if x.name in names and x.unit != "vcpu"):
        unit = licence_unit_monthly(lic) * (1 - commitment_discount(catalogue, term, "licences", lic.name).fraction)
        if is_host_scoped(lic):
            full = host_licence_units(lic, machine) * unit
            stacks = 1 if lic.vms_per_licence is None else -(-vms // lic.vms_per_licence)
            cost = stacks * full
        else:
            cost = -(-vms // lic.pack_size) * lic.pack_size * unit
        best = cost if best is None else min(best, cost)
    return best or 0.0


def check_plan(plan: Plan, model: StrategyModel, fleet: Fleet, catalogue: Catalogue) -> list[str]:
    """Return every violation found in ``plan`` (empty when the plan is sound)."""
    problems: list[str] = []
    services = {s.name: s for s in fleet.services}
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    per_host: dict[str, Counter[str]] = defaultdict(Counter)
    hosts = {h.id: h for h in plan.hosts}
    for p in plan.placements:
        if p.service not in services:
            problems.append(f"placement of unknown service {p.service}")
            continue
        if p.host not in hosts:
            problems.append(f"{p.service} replica {p.replica} placed on unknown host {p.host}")
            continue
        seen[p.service][p.replica] += 1
        per_host[p.host][p.service] += 1
    for s in fleet.services:
        got = seen.get(s.name, Counter())
        if sorted(got) != list(range(1, s.replicas + 1)) or any(n != 1 for n in got.values()):
            problems.append(f"{s.name}: replicas placed {dict(got)}; expected 1..{s.replicas} once each")
    for host in plan.hosts:
        offer = model.offer(host.type)
        content = per_host.get(host.id, Counter())
        vcpu = sum(model.shapes[s].host_vcpu * n for s, n in content.items())
        mem = sum(model.shapes[s].host_memory_gib * n for s, n in content.items())
        if vcpu > offer.vcpu * (1 + 1e-9) + 1e-9:
            problems.append(f"{host.id}: {vcpu:.4f} vCPU placed > {offer.vcpu:.4f} allocatable")
        if mem > offer.memory_gib * (1 + 1e-9) + 1e-9:
            problems.append(f"{host.id}: {mem:.4f} GiB placed > {offer.memory_gib:.4f} allocatable")
        if sum(content.values()) > offer.max_items:
            problems.append(f"{host.id}: {sum(content.values())} items > {offer.max_items} allowed")
        for name, n in content.items():
            svc = services[name]
            if n > svc.max_per_host:
                problems.append(f"{host.id}: {n} replicas of {name} > max_per_host {svc.max_per_host}")
            if svc.arch not in ("any", offer.base.arch):
                problems.append(f"{host.id}: {name} needs {svc.arch}, host is {offer.base.arch}")
            if model.strategy == VM_PER_SERVICE:
                if catalogue.is_cloud and offer.pool != svc.os:
                    problems.append(f"{host.id}: {name} runs {svc.os}, instance priced for {offer.pool}")
            elif offer.pool != (WINDOWS if svc.os == WINDOWS else LINUX):
                problems.append(f"{host.id}: {name} ({svc.os}) on a {offer.pool} node")
        # cost, recomputed
        expected = sum(line.monthly for line in offer.fixed_lines)
        if model.strategy == VM_PER_SERVICE:
            machine = Machine.of(offer.base)
            by_os: Counter[str] = Counter()
            for name, n in content.items():
                by_os[services[name].os] += n
            expected += sum(_guest_licence_cost(catalogue, machine, o, n, model.term) for o, n in by_os.items())
        if abs(expected - host.cost) > TOLERANCE * max(1.0, expected):
            problems.append(f"{host.id}: cost {host.cost:.6f} but the catalogue gives {expected:.6f}")
    total = sum(h.cost for h in plan.hosts) + sum(line.monthly for line in model.plan_lines)
    if abs(total - plan.total_cost) > TOLERANCE * max(1.0, total):
        problems.append(f"plan total {plan.total_cost:.6f} but hosts and fees add up to {total:.6f}")
    breakdown = sum(plan.cost_breakdown.values())
    if abs(breakdown - plan.total_cost) > TOLERANCE * max(1.0, total):
        problems.append(f"cost breakdown adds up to {breakdown:.6f}, not {plan.total_cost:.6f}")
    if plan.lower_bound > plan.total_cost + TOLERANCE * max(1.0, total):
        problems.append(f"lower bound {plan.lower_bound:.6f} above cost {plan.total_cost:.6f}")
    return problems
