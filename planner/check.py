"""Re-check a plan against the fleet and the catalogue, independently of the optimiser.

Solvers do return wrong "optimal" answers (notably with MIP starts), so every plan is
checked here before it is reported: every replica placed exactly once, no host over
its allocatable vCPU, memory or slot count, ``max_per_host`` held, OS pool and CPU
architecture respected, no host's CPU above what the catalogue lets it sustain
(burstable types at their baseline), and every host's cost recomputed from the catalogue's prices
(guest OS licence editions re-chosen from scratch) and compared with the plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from planner.catalogue.schema import Catalogue, HostModel, InstanceType, Licence
from planner.fleet import Fleet
from planner.plans import Plan
from planner.pricing import (
    Machine,
    commitment_discount,
    host_licence_units,
    is_host_scoped,
    licence_unit_monthly,
    monthly_amount,
    power_monthly,
    vm_licence_units,
)
from planner.strategies import StrategyModel, VM_PER_SERVICE, WINDOWS, LINUX

TOLERANCE = 1e-6


def _guest_licence_cost(catalogue: Catalogue, machine: Machine, os_name: str, vms: int, term: str) -> float:
    """Return the cheapest monthly guest licence cost for ``vms`` VMs of one OS on one host."""
    names = catalogue.strategies.vm_per_service.guest_os.get(os_name, [])
    best = None
    for lic in (x for x in catalogue.licences if x.name in names and (x.unit != "vcpu" or catalogue.is_cloud)):
        unit = licence_unit_monthly(lic) * (1 - commitment_discount(catalogue, term, "licences", lic.name).fraction)
        if lic.unit == "vcpu":  # cloud: the VM is the instance, licensed for all its vCPUs
            cost = vm_licence_units(lic, machine.vcpu) * unit
        elif is_host_scoped(lic):
            full = host_licence_units(lic, machine) * unit
            stacks = 1 if lic.vms_per_licence is None else -(-vms // lic.vms_per_licence)
            cost = stacks * full
        else:
            units = vms * max(1, lic.min_per_host)  # per VM, min_per_host units each
            cost = -(-units // lic.pack_size) * lic.pack_size * unit
        best = cost if best is None else min(best, cost)
    return best or 0.0


def _windows_included(catalogue: Catalogue, base: InstanceType | HostModel) -> bool:
    """Return True when the catalogue itself prices licence-included Windows on this (non-x86) instance type."""
    if not isinstance(base, InstanceType):
        return False
    if WINDOWS in base.os_prices:
        return True
    rule = catalogue.os_pricing.get(WINDOWS)
    return rule is not None and base.arch in rule.arch and not (rule.exclude_burstable and base.burstable)


def _cheapest_full(catalogue: Catalogue, names: list[str], machine: Machine, term: str) -> float:
    """Return the cheapest full licensing of a host among the named alternatives (0 when none)."""
    costs = [host_licence_units(lic, machine) * licence_unit_monthly(lic)
             * (1 - commitment_discount(catalogue, term, "licences", lic.name).fraction)
             for lic in catalogue.licences if lic.name in names]
    return min(costs) if costs else 0.0


def _empty_host_cost(catalogue: Catalogue, strategy: str, base: InstanceType | HostModel, pool: str | None,
                     term: str) -> float:
    """Return the monthly cost of an empty host, recomputed from the catalogue's prices and rules."""
    machine = Machine.of(base)
    if isinstance(base, InstanceType):
        cost = monthly_amount(base.price) * (1 - commitment_discount(catalogue, term, "instances", base.name).fraction)
        if pool is not None and pool in base.os_prices:
            cost += monthly_amount(base.os_prices[pool])
        elif pool is not None and pool in catalogue.os_pricing:
            rule = catalogue.os_pricing[pool]
            cost += (base.vcpu if rule.per == "vcpu" else 1) * monthly_amount(rule.price)
    else:
        assert catalogue.facility is not None
        cost = monthly_amount(base.purchase, base.amortisation_months) * (
            1 - commitment_discount(catalogue, term, "hardware", base.name).fraction)
        cost += monthly_amount(base.support) if base.support is not None else 0.0
        cost += power_monthly(base, catalogue.facility)
    if strategy == VM_PER_SERVICE:
        strat = catalogue.strategies.vm_per_service
        cost += _cheapest_full(catalogue, strat.hypervisor, machine, term)
    else:
        cstrat = catalogue.strategies.container_density
        cost += _cheapest_full(catalogue, cstrat.host_os.get(pool or "", []), machine, term)
        cost += _cheapest_full(catalogue, cstrat.container_platform, machine, term)
    fees = (catalogue.strategies.vm_per_service.fees if strategy == VM_PER_SERVICE
            else catalogue.strategies.container_density.fees)
    for lic in catalogue.licences:
        if lic.name in fees and lic.unit != "cluster":
            cost += _cheapest_full(catalogue, [lic.name], machine, term)
    return cost


def _cpu_ceiling(catalogue: Catalogue, strategy: str, base: InstanceType | HostModel) -> tuple[float, str]:
    """Return the most vCPU one host may carry, from the catalogue alone, and how it was worked out.

    An upper bound on the allocatable CPU (Kubernetes reservations, node OS overhead and
    DaemonSets only lower it further). A burstable instance type with a baseline sustains
    vcpu x baseline_cpu_percent / 100, not its full vCPUs; the utilisation target applies to
    container nodes and hypervisor hosts, not to a cloud instance that is one VM.
    """
    util = catalogue.overheads.target_utilisation
    if isinstance(base, InstanceType):
        if base.burstable and base.baseline_cpu_percent is not None:
            cpu = base.vcpu * base.baseline_cpu_percent / 100.0
            how = f"{base.vcpu:g} vCPU x {base.baseline_cpu_percent:g} % baseline"
        else:
            cpu, how = base.vcpu, f"{base.vcpu:g} vCPU"
        if strategy == VM_PER_SERVICE:
            return cpu, how
        return cpu * util, f"{how} x {util:g} utilisation"
    threads = base.sockets * base.cores_per_socket * base.threads_per_core
    if strategy == VM_PER_SERVICE:
        vm = catalogue.overheads.vm
        reserved = vm.hypervisor_reserved_cores * base.threads_per_core  # a reserved core takes its threads
        return (max(0.0, threads - reserved) * vm.cpu_overcommit * util,
                f"{threads} threads less {reserved:g} reserved ({vm.hypervisor_reserved_cores:g} cores) x "
                f"{vm.cpu_overcommit:g} overcommit x {util:g} utilisation")
    return threads * util, f"{threads} threads x {util:g} utilisation"


def _plan_level_cost(catalogue: Catalogue, model: StrategyModel, fleet: Fleet) -> float:
    """Return per-cluster fees plus per-vCPU guest licences (a constant per VM), from the catalogue."""
    vm_mode = model.strategy == VM_PER_SERVICE
    fees = catalogue.strategies.vm_per_service.fees if vm_mode else catalogue.strategies.container_density.fees
    clusters = 1 if vm_mode else catalogue.strategies.container_density.clusters

    def unit(lic: Licence) -> float:
        return licence_unit_monthly(lic) * (1 - commitment_discount(catalogue, model.term, "licences", lic.name).fraction)

    cost = sum(clusters * unit(lic) for lic in catalogue.licences if lic.name in fees and lic.unit == "cluster")
    if vm_mode and not catalogue.is_cloud:  # on a cloud catalogue per-vCPU licences are per instance
        for s in fleet.services:
            names = catalogue.strategies.vm_per_service.guest_os.get(s.os, [])
            for lic in catalogue.licences:
                if lic.name in names and lic.unit == "vcpu":
                    cost += vm_licence_units(lic, model.shapes[s.name].size_vcpu) * s.replicas * unit(lic)
    return cost


def check_plan(plan: Plan, model: StrategyModel, fleet: Fleet, catalogue: Catalogue) -> list[str]:
    """Return every violation found in ``plan`` (empty when the plan is sound)."""
    problems: list[str] = []
    services = {s.name: s for s in fleet.services}
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    per_host: dict[str, Counter[str]] = defaultdict(Counter)
    hosts = {h.id: h for h in plan.hosts}
    bases: dict[str, InstanceType | HostModel] = {b.name: b for b in [*catalogue.instance_types,
                                                                        *catalogue.host_models]}
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
        base = bases.get(offer.base.name)  # the catalogue's own entry, not the model's copy
        if base is None:
            problems.append(f"{host.id}: {offer.base.name} is not in the catalogue")
        else:
            ceiling, how = _cpu_ceiling(catalogue, model.strategy, base)
            if vcpu > ceiling * (1 + 1e-9) + 1e-9:
                problems.append(f"{host.id}: {vcpu:.4f} vCPU placed > {ceiling:.4f} the catalogue allows "
                                f"on {base.name} ({how})")
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
            if svc.os == WINDOWS and offer.base.arch != "x86_64" and not _windows_included(catalogue, offer.base):
                problems.append(f"{host.id}: {name} runs Windows, which needs x86_64; host is {offer.base.arch}")
            if model.strategy == VM_PER_SERVICE:
                if catalogue.is_cloud and offer.pool != svc.os:
                    problems.append(f"{host.id}: {name} runs {svc.os}, instance priced for {offer.pool}")
            elif offer.pool != (WINDOWS if svc.os == WINDOWS else LINUX):
                problems.append(f"{host.id}: {name} ({svc.os}) on a {offer.pool} node")
        # cost, recomputed from the catalogue (not from the model the optimiser saw)
        expected = _empty_host_cost(catalogue, model.strategy, offer.base, offer.pool, model.term)
        if model.strategy == VM_PER_SERVICE:
            machine = Machine.of(offer.base)
            by_os: Counter[str] = Counter()
            for name, n in content.items():
                by_os[services[name].os] += n
            for os_name, n in host.licensed:  # a spare licensed for the guests it may take over
                by_os[os_name] = max(by_os[os_name], n)
            expected += sum(_guest_licence_cost(catalogue, machine, o, n, model.term) for o, n in by_os.items())
        if abs(expected - host.cost) > TOLERANCE * max(1.0, expected):
            problems.append(f"{host.id}: cost {host.cost:.6f} but the catalogue gives {expected:.6f}")
    plan_level = sum(line.monthly for line in model.plan_lines)
    expected_plan_level = _plan_level_cost(catalogue, model, fleet)
    if abs(plan_level - expected_plan_level) > TOLERANCE * max(1.0, expected_plan_level):
        problems.append(f"plan-level fees and licences {plan_level:.6f} but the catalogue gives "
                        f"{expected_plan_level:.6f}")
    total = sum(h.cost for h in plan.hosts) + plan_level
    if abs(total - plan.total_cost) > TOLERANCE * max(1.0, total):
        problems.append(f"plan total {plan.total_cost:.6f} but hosts and fees add up to {total:.6f}")
    breakdown = sum(plan.cost_breakdown.values())
    if abs(breakdown - plan.total_cost) > TOLERANCE * max(1.0, total):
        problems.append(f"cost breakdown adds up to {breakdown:.6f}, not {plan.total_cost:.6f}")
    if plan.lower_bound > plan.total_cost + TOLERANCE * max(1.0, total):
        problems.append(f"lower bound {plan.lower_bound:.6f} above cost {plan.total_cost:.6f}")
    return problems
