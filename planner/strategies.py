"""Turn a fleet and a catalogue into the packing problem of each placement strategy.

vm-per-service: every replica runs in its own VM, sized to its request plus the guest
OS footprint. On a cloud catalogue every VM is an instance (hosts hold one item each);
on an on-prem catalogue VMs are packed onto hypervisor hosts, with CPU overcommit,
hypervisor memory overheads and per-host guest OS licence choices.

container-density: every replica is a pod on a Kubernetes node; nodes are split into
OS pools (Windows pods only on Windows nodes); allocatable capacity is the node's
capacity minus reservations and OS overhead, times the utilisation target.

A burstable instance type with ``baseline_cpu_percent`` offers only vcpu x baseline % to
CPU requests, under both strategies (``sustained_vcpu``).

Only the cost *rules* live here; money comes from ``planner.pricing``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from planner.catalogue.schema import Catalogue, HostModel, InstanceType, Licence, NodeReservation
from planner.engine.problem import HostType, ItemGroup, LicenceOption, PackingProblem
from planner.errors import InfeasibleError, InputError
from planner.fleet import Fleet, Service
from planner.pricing import (
    ON_DEMAND,
    Machine,
    commitment_discount,
    host_licence_units,
    is_host_scoped,
    licence_unit_factor,
    licence_unit_monthly,
    monthly_amount,
    monthly_factor,
    power_factor,
    power_monthly,
    vm_licence_units,
)

VM_PER_SERVICE = "vm-per-service"
CONTAINER_DENSITY = "container-density"
STRATEGIES = (VM_PER_SERVICE, CONTAINER_DENSITY)

# Cost categories, in the order reports show them.
INSTANCES = "instances"
HARDWARE = "hardware"
SUPPORT = "support_and_rack"
POWER = "power_and_facility"
HYPERVISOR = "hypervisor_licences"
GUEST_OS = "guest_os_licences"
HOST_OS = "host_os_licences"
PLATFORM = "container_platform_licences"
FEES = "cluster_fees"
CATEGORIES = (INSTANCES, HARDWARE, SUPPORT, POWER, HYPERVISOR, GUEST_OS, HOST_OS, PLATFORM, FEES)
ROLE_CATEGORY = {
    "hypervisor": HYPERVISOR,
    "guest_os": GUEST_OS,
    "host_os": HOST_OS,
    "container_platform": PLATFORM,
    "fee": FEES,
}
MIB_PER_GIB = 1024.0
WINDOWS = "windows"
LINUX = "linux"


@dataclass(frozen=True)
class LicenceLine:
    """A licence (or licence-included OS price) paid on one host or for the whole plan."""

    category: str
    name: str
    product: str
    units: float
    monthly: float
    ref: str = ""  # the catalogue price behind it, e.g. "licences.vvf.price" (see planner.price_refs)
    discount: float = 0.0  # commitment discount already applied (0.385 = 38.5 % off on-demand)
    discount_ref: str = ""  # the catalogue commitment entry behind the discount
    undiscounted: float | None = None  # the same line at the on-demand price (None: no discount applied)
    # on-demand monthly cost per 1 of the referenced price's amount (quantity x 730 h, 1/12, 1/amortisation,
    # licence units...): on_demand_monthly == amount x per_amount, zero amounts included (the workbook's multiplier)
    per_amount: float | None = None

    @property
    def on_demand_monthly(self) -> float:
        """Return what this line would cost without the commitment discount.

        Lines priced here carry their undiscounted cost; for any other line the discount is
        undone (the catalogue loader keeps every discount below 100 %).
        """
        if self.undiscounted is not None:
            return self.undiscounted
        if not self.discount:
            return self.monthly
        if self.discount >= 1.0:
            raise ValueError(f"{self.name}: a {self.discount:.0%} discount leaves no on-demand price to recover; "
                             "expected a discount below 100 %")
        return self.monthly / (1.0 - self.discount)


@dataclass(frozen=True)
class HostOffer:
    """One host type under one strategy: what it offers and what an empty one costs."""

    name: str
    base: InstanceType | HostModel
    pool: str | None  # container: node OS pool; cloud VM mode: the VM's OS; on-prem VM mode: None
    vcpu: float  # offered to items (allocatable)
    memory_gib: float
    max_items: int
    fixed_lines: tuple[LicenceLine, ...]  # every cost of an empty host, by category
    group_options: dict[str, tuple[tuple[Licence, LicenceOption, int], ...]] = field(default_factory=dict)

    @property
    def fixed_cost(self) -> float:
        """Return the monthly cost of an empty host of this type."""
        return sum(line.monthly for line in self.fixed_lines)

    @property
    def arch(self) -> str:
        """Return the CPU architecture of the host."""
        return self.base.arch


@dataclass(frozen=True)
class ReplicaShape:
    """How one replica of a service is sized under a strategy."""

    service: Service
    size_vcpu: float  # the VM (vm-per-service) or the pod request (container-density)
    size_memory_gib: float
    host_vcpu: float  # what it takes from its host
    host_memory_gib: float
    licence_group: str | None
    pool: str | None


@dataclass(frozen=True)
class StrategyModel:
    """A strategy's packing problem plus everything needed to price and explain its plan."""

    strategy: str
    offers: tuple[HostOffer, ...]
    shapes: dict[str, ReplicaShape]
    problem: PackingProblem
    plan_lines: tuple[LicenceLine, ...]
    notes: tuple[str, ...]
    term: str = ON_DEMAND  # commitment term the prices were taken at
    guest_discounts: dict[str, tuple[float, str]] = field(default_factory=dict)  # guest licence -> (discount, ref)

    def offer(self, name: str) -> HostOffer:
        """Return the host offer called ``name``."""
        for o in self.offers:
            if o.name == name:
                return o
        raise KeyError(name)


# --- sizes -------------------------------------------------------------------------


def _round_up(value: float, step: float, minimum: float) -> float:
    return max(minimum, math.ceil(round(value / step, 9)) * step)


def kube_reserved(res: NodeReservation, vcpu: float, memory_gib: float, max_pods: int) -> tuple[float, float]:
    """Return (vCPU, GiB) a Kubernetes node keeps for the system, by the managed service's formula.

    EKS (amazon-eks-ami bootstrap.sh): CPU 6 % of the first core, 1 % of the second,
    0.5 % of cores 3-4, 0.25 % above; memory 11 MiB x max pods + 255 MiB.
    GKE: same CPU tiers; memory 25 % of the first 4 GiB, 20 % of the next 4, 10 % of
    the next 8, 6 % of the next 112, 2 % above 128 GiB. AKS (>= 1.29): CPU by core
    count table; memory min(20 MB x max pods + 50 MB, 25 % of RAM). Eviction memory
    and the fixed figures are added to every formula.
    """
    cores = vcpu
    cpu_m = res.cpu_millicores
    mem_mib = res.memory_mib + res.eviction_memory_mib
    if res.formula in ("eks", "gke"):
        tiers = [(1, 0.06), (1, 0.01), (2, 0.005), (math.inf, 0.0025)]
        left = cores
        for width, share in tiers:
            take = min(left, width)
            cpu_m += take * share * 1000
            left -= take
            if left <= 0:
                break
    if res.formula == "eks":
        mem_mib += 11 * max_pods + 255
    elif res.formula == "gke":
        left = memory_gib
        for width, share in [(4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (math.inf, 0.02)]:
            take = min(left, width)
            mem_mib += take * share * MIB_PER_GIB
            left -= take
            if left <= 0:
                break
    elif res.formula == "aks":
        table = [(1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420), (64, 740)]
        cpu_m += max(m for c, m in table if c <= max(1, cores)) if cores >= 1 else 60
        mb = 1_000_000 / 2**20
        mem_mib += min(20 * mb * max_pods + 50 * mb, 0.25 * memory_gib * MIB_PER_GIB)
    return cpu_m / 1000.0, mem_mib / MIB_PER_GIB


def sustained_vcpu(inst: InstanceType) -> float:
    """Return the vCPUs an instance type offers to sustained CPU requests.

    A burstable type with ``baseline_cpu_percent`` sustains only its CPU credit baseline:
    vcpu x baseline % (t4g.small: 2 x 20 % = 0.4 vCPU). Other types, and burstable types
    without a baseline, offer every vCPU.
    """
    if inst.burstable and inst.baseline_cpu_percent is not None:
        return inst.vcpu * inst.baseline_cpu_percent / 100.0
    return inst.vcpu


def burstable_notes(bases: Iterable[InstanceType | HostModel]) -> list[str]:
    """Return the run notes on how burstable instance types were sized."""
    burstable = [b for b in bases if isinstance(b, InstanceType) and b.burstable]
    with_baseline = [b for b in burstable if b.baseline_cpu_percent is not None]
    without = [b.name for b in burstable if b.baseline_cpu_percent is None]
    notes = []
    if with_baseline:
        ex = with_baseline[0]
        notes.append(f"burstable instances are sized at their CPU credit baseline: vCPU x baseline % "
                     f"(e.g. {ex.name}: {ex.vcpu:g} x {ex.baseline_cpu_percent:g} % = {sustained_vcpu(ex):g} vCPU "
                     "for requests)")
    if without and not with_baseline:
        notes.append("burstable (T-family) instances are treated as fully usable vCPUs; "
                     "check their CPU credit baseline for busy services")
    elif without:
        shown = ", ".join(without[:5]) + (f" and {len(without) - 5} more" if len(without) > 5 else "")
        notes.append(f"burstable types without baseline_cpu_percent ({shown}) are treated as fully usable vCPUs; "
                     "check their CPU credit baseline for busy services")
    return notes


# VM settings that only on-prem hypervisor hosts use (a cloud VM is an instance).
ONPREM_VM_KEYS = ("vcpu_step", "memory_step_gib", "min_vcpu", "min_memory_gib", "sizes", "cpu_overcommit",
                  "hypervisor_memory", "hypervisor_reserved_cores", "max_vms_per_host")


def vm_size(service: Service, catalogue: Catalogue) -> tuple[float, float]:
    """Return (vCPU, GiB) of the VM one replica needs: request + guest OS footprint, rounded."""
    vm = catalogue.overheads.vm
    foot = vm.guest_os.get(service.os) or vm.guest_os.get(LINUX if service.os != WINDOWS else WINDOWS)
    need_vcpu = service.vcpu + (foot.vcpu if foot else 0.0)
    need_mem = service.memory_gib + (foot.memory_gib if foot else 0.0)
    if catalogue.is_cloud:
        return need_vcpu, need_mem
    if vm.sizes:
        fits = [s for s in vm.sizes if s.vcpu >= need_vcpu - 1e-9 and s.memory_gib >= need_mem - 1e-9]
        if fits:
            best = min(fits, key=lambda s: (s.vcpu * 4 + s.memory_gib, s.vcpu))
            return best.vcpu, best.memory_gib
        return need_vcpu, need_mem  # off the menu: build_vm_model reports it (menu_misfits)
    return (
        _round_up(need_vcpu, vm.vcpu_step, vm.min_vcpu),
        _round_up(need_mem, vm.memory_step_gib, vm.min_memory_gib),
    )


def menu_misfits(fleet: Fleet, catalogue: Catalogue) -> list[str]:
    """Return one line per service whose VM fits no size of ``overheads.vm.sizes`` (on-prem only).

    Such a VM is unplaceable: the menu is the only sizes the hypervisor hosts offer.
    """
    vm = catalogue.overheads.vm
    if catalogue.is_cloud or not vm.sizes:
        return []
    most_vcpu = max(vm.sizes, key=lambda s: (s.vcpu, s.memory_gib))
    most_mem = max(vm.sizes, key=lambda s: (s.memory_gib, s.vcpu))
    largest = f"the largest menu size is {most_vcpu.vcpu:g} vCPU / {most_vcpu.memory_gib:g} GiB"
    if most_mem is not most_vcpu:
        largest = (f"the largest menu sizes are {most_vcpu.vcpu:g} vCPU / {most_vcpu.memory_gib:g} GiB and "
                   f"{most_mem.vcpu:g} vCPU / {most_mem.memory_gib:g} GiB")
    out = []
    for s in fleet.services:
        need_vcpu, need_mem = vm_size(s, catalogue)
        if not any(z.vcpu >= need_vcpu - 1e-9 and z.memory_gib >= need_mem - 1e-9 for z in vm.sizes):
            out.append(f"{s.name} ({s.where}) needs a VM of {need_vcpu:g} vCPU and {need_mem:.2f} GiB "
                       f"(request plus guest OS footprint); {largest}")
    return out


# --- cost lines --------------------------------------------------------------------


def _licences(catalogue: Catalogue, names: Iterable[str]) -> list[Licence]:
    by_name = {lic.name: lic for lic in catalogue.licences}
    return [by_name[n] for n in names]


def _licence_line(catalogue: Catalogue, lic: Licence, units: float, term: str) -> LicenceLine:
    """Return the line for ``units`` units of a licence, with the term's commitment discount."""
    d = commitment_discount(catalogue, term, "licences", lic.name)
    on_demand = units * licence_unit_monthly(lic)
    return LicenceLine(ROLE_CATEGORY[lic.role], lic.name, lic.product, units,
                       on_demand * (1 - d.fraction), f"licences.{lic.name}.price", d.fraction,
                       d.ref, on_demand, units * licence_unit_factor(lic))


def _cheapest_static(catalogue: Catalogue, licences: list[Licence], machine: Machine, term: str) -> LicenceLine | None:
    """Return the cheapest full licensing of a host among alternatives (ties: first listed)."""
    best: LicenceLine | None = None
    for lic in licences:
        line = _licence_line(catalogue, lic, host_licence_units(lic, machine), term)
        if best is None or line.monthly < best.monthly - 1e-12:
            best = line
    return best


def _base_lines(catalogue: Catalogue, base: InstanceType | HostModel, term: str) -> list[LicenceLine]:
    """Return the instance price, or amortised hardware + support + power, of one host."""
    if isinstance(base, InstanceType):
        d = commitment_discount(catalogue, term, "instances", base.name)
        on_demand = monthly_amount(base.price)
        return [LicenceLine(INSTANCES, base.name, "instance", 1, on_demand * (1 - d.fraction),
                            f"instance_types.{base.name}.price", d.fraction, d.ref, on_demand,
                            monthly_factor(base.price))]
    d = commitment_discount(catalogue, term, "hardware", base.name)
    on_demand = monthly_amount(base.purchase, base.amortisation_months)
    lines = [LicenceLine(HARDWARE, base.name, "amortised purchase", 1, on_demand * (1 - d.fraction),
                         f"host_models.{base.name}.purchase", d.fraction, d.ref, on_demand,
                         monthly_factor(base.purchase, base.amortisation_months))]
    if base.support is not None:
        lines.append(LicenceLine(SUPPORT, base.name, "support and rack", 1, monthly_amount(base.support),
                                 f"host_models.{base.name}.support", per_amount=monthly_factor(base.support)))
    assert catalogue.facility is not None
    power_ref = "facility.colocation_per_kw" if catalogue.facility.colocation_per_kw else "facility.electricity_per_kwh"
    lines.append(LicenceLine(POWER, base.name, f"{base.power_watts:g} W", base.power_watts / 1000,
                             power_monthly(base, catalogue.facility), power_ref,
                             per_amount=power_factor(base, catalogue.facility)))
    return lines


def _cloud_os_line(catalogue: Catalogue, inst: InstanceType, os_name: str, category: str) -> LicenceLine | None:
    """Return the licence-included OS price of an instance, or None when the OS is free on it."""
    if os_name in inst.os_prices:
        price = inst.os_prices[os_name]
        return LicenceLine(category, f"{os_name} on {inst.name}", os_name, 1, monthly_amount(price),
                           f"instance_types.{inst.name}.os_prices.{os_name}", per_amount=monthly_factor(price))
    rule = catalogue.os_pricing.get(os_name)
    if rule is None:
        return None
    units = inst.vcpu if rule.per == "vcpu" else 1
    return LicenceLine(category, f"{os_name} licence-included", os_name, units,
                       units * monthly_amount(rule.price), f"os_pricing.{os_name}.price",
                       per_amount=units * monthly_factor(rule.price))


def cloud_os_available(catalogue: Catalogue, inst: InstanceType, os_name: str) -> bool:
    """Return True when instances of this type can run ``os_name`` (Linux always can)."""
    if os_name in inst.os_prices:
        return True
    rule = catalogue.os_pricing.get(os_name)
    if rule is None:
        return os_name == LINUX
    return inst.arch in rule.arch and not (rule.exclude_burstable and inst.burstable)


def _self_licensed(inst: InstanceType, os_name: str, licensed: Iterable[str]) -> bool:
    """Return True when the strategy's own licences (guest_os / host_os) let ``os_name`` run on ``inst``.

    Windows Server runs on x86_64 only: a Windows licence brought to the instance does not make
    an arm64 (Graviton) type a Windows host, as on-prem (licence-included prices follow their own
    ``os_pricing`` arch list).
    """
    return os_name in licensed and (os_name != WINDOWS or inst.arch == "x86_64")


def _bases(catalogue: Catalogue, names: list[str] | None) -> list[InstanceType | HostModel]:
    bases: list[InstanceType | HostModel] = [*catalogue.instance_types, *catalogue.host_models]
    if names is None:
        return bases
    wanted = set(names)
    return [b for b in bases if b.name in wanted]


def _fee_lines(catalogue: Catalogue, fees: list[str], clusters: int, term: str
               ) -> tuple[list[LicenceLine], list[Licence]]:
    """Return plan-level lines for per-cluster fees, and the fees charged per host instead."""
    plan, per_host = [], []
    for lic in _licences(catalogue, fees):
        if lic.unit == "cluster":
            plan.append(_licence_line(catalogue, lic, clusters, term))
        else:
            per_host.append(lic)
    return plan, per_host


# --- builders ----------------------------------------------------------------------


def _os_errors(fleet: Fleet, known: set[str], where: str) -> list[str]:
    missing: dict[str, list[str]] = {}
    for s in fleet.services:
        if s.os not in known:
            missing.setdefault(s.os, []).append(f"{s.name} ({s.where})")
    return [
        f"{fleet.path}: os '{os_name}' used by {', '.join(names)} has no price in {where}; "
        f"expected one of {', '.join(sorted(known))}"
        for os_name, names in missing.items()
    ]


def _arch_ok(service: Service, offer: HostOffer) -> bool:
    return service.arch == "any" or service.arch == offer.arch


def build_vm_model(fleet: Fleet, catalogue: Catalogue, catalogue_path: str, term: str = ON_DEMAND) -> StrategyModel:
    """Build the one-VM-per-service packing problem."""
    strat = catalogue.strategies.vm_per_service
    vm = catalogue.overheads.vm
    util = catalogue.overheads.target_utilisation
    offers: list[HostOffer] = []
    plan_lines: list[LicenceLine] = []
    notes: list[str] = []
    fees, per_host_fees = _fee_lines(catalogue, strat.fees, 1, term)
    plan_lines += fees
    guest = {os_name: _licences(catalogue, names) for os_name, names in strat.guest_os.items()}
    used_os = sorted({s.os for s in fleet.services})
    pack_errors = _per_vm_pack_errors(catalogue_path, [lic for lics in guest.values() for lic in lics])
    if pack_errors:
        raise InputError(pack_errors)

    if catalogue.is_cloud:
        known = {LINUX} | set(catalogue.os_pricing) | {o for i in catalogue.instance_types for o in i.os_prices}
        known |= set(guest)
        errors = _os_errors(fleet, known, f"{catalogue_path} (os_pricing)")
        if errors:
            raise InputError(errors)
        for inst in _bases(catalogue, strat.hosts):
            assert isinstance(inst, InstanceType)
            machine = Machine.of(inst)
            for os_name in used_os:
                if not cloud_os_available(catalogue, inst, os_name) and not _self_licensed(inst, os_name, guest):
                    continue
                lines = _base_lines(catalogue, inst, term) + [
                    _licence_line(catalogue, lic, host_licence_units(lic, machine), term) for lic in per_host_fees
                ]
                os_line = _cloud_os_line(catalogue, inst, os_name, GUEST_OS)
                if os_line is not None:
                    lines.append(os_line)
                hyp = _cheapest_static(catalogue, _licences(catalogue, strat.hypervisor), machine, term)
                if hyp:
                    lines.append(hyp)
                name = inst.name if os_name == LINUX else f"{inst.name} ({os_name})"
                # the VM's vCPU need must fit within the instance's baseline (burstable types)
                offers.append(HostOffer(name, inst, os_name, sustained_vcpu(inst), inst.memory_gib, 1, tuple(lines),
                                        _group_options(catalogue, guest.get(os_name, []), machine, os_name, term,
                                                       per_instance=True)))
        notes += burstable_notes(_bases(catalogue, strat.hosts))
        unused = [key for key in ONPREM_VM_KEYS if key in vm.model_fields_set]
        if unused:
            notes.append(f"not used on a cloud catalogue: overheads.vm {', '.join(unused)} (on-prem VM sizing and "
                         "hypervisor hosts; here each VM is the cheapest instance type that holds its request and "
                         "guest OS footprint)")
    else:
        known = {LINUX} | set(guest)
        errors = _os_errors(fleet, known, f"{catalogue_path} (strategies.vm-per-service.guest_os)")
        if errors:
            raise InputError(errors)
        hm = vm.hypervisor_memory
        for host in _bases(catalogue, strat.hosts):
            assert isinstance(host, HostModel)
            machine = Machine.of(host)
            lines = _base_lines(catalogue, host, term)
            hyp = _cheapest_static(catalogue, _licences(catalogue, strat.hypervisor), machine, term)
            if hyp:
                lines.append(hyp)
            for lic in per_host_fees:
                lines.append(_licence_line(catalogue, lic, host_licence_units(lic, machine), term))
            # reserved physical cores take all their hardware threads
            reserved = vm.hypervisor_reserved_cores * host.threads_per_core
            vcpu = max(0.0, host.hardware_threads - reserved) * vm.cpu_overcommit * util
            mem = max(0.0, host.memory_gib - hm.per_host_gib) * util
            options: dict[str, tuple[tuple[Licence, LicenceOption, int], ...]] = {}
            for os_name in used_os:
                options.update(_group_options(catalogue, guest.get(os_name, []), machine, os_name, term))
            offers.append(HostOffer(host.name, host, None, vcpu, mem, vm.max_vms_per_host or 10_000,
                                    tuple(lines), options))

    misfits = menu_misfits(fleet, catalogue)
    if misfits:
        raise InfeasibleError(
            f"{len(misfits)} service(s) in {fleet.path} fit no VM size in {catalogue_path} (overheads.vm.sizes); "
            "expected a size with at least the vCPU and memory each needs:\n"
            + "\n".join(f"  - {m}" for m in misfits)
        )
    shapes: dict[str, ReplicaShape] = {}
    for s in fleet.services:
        size_vcpu, size_mem = vm_size(s, catalogue)
        if catalogue.is_cloud:
            host_vcpu, host_mem = size_vcpu, size_mem
        else:
            hm = vm.hypervisor_memory
            host_vcpu = size_vcpu
            host_mem = size_mem + (hm.per_vm_mib + hm.per_vm_vcpu_mib * size_vcpu) / MIB_PER_GIB \
                + hm.per_vm_memory_fraction * size_mem
        shapes[s.name] = ReplicaShape(s, size_vcpu, size_mem, host_vcpu, host_mem, s.os,
                                      s.os if catalogue.is_cloud else None)
        # on-prem, per-vCPU guest licences are a constant per VM: they drop out of the optimisation
        # (on a cloud catalogue the VM is the whole instance: they are priced per instance type instead)
        for lic in guest.get(s.os, []) if not catalogue.is_cloud else []:
            if lic.unit == "vcpu":
                plan_lines.append(_licence_line(catalogue, lic, vm_licence_units(lic, size_vcpu) * s.replicas, term))

    def compatible(shape: ReplicaShape, offer: HostOffer) -> bool:
        s = shape.service
        if not _arch_ok(s, offer):
            return False
        if catalogue.is_cloud:
            return offer.pool == s.os
        return not (s.os == WINDOWS and offer.arch != "x86_64")

    discounts = {lic.name: (d.fraction, d.ref) for lics in guest.values() for lic in lics
                 for d in [commitment_discount(catalogue, term, "licences", lic.name)]}
    model = _finish(VM_PER_SERVICE, fleet, catalogue_path, offers, shapes, compatible, plan_lines, notes)
    return replace(model, term=term, guest_discounts=discounts)


def _per_vm_pack_errors(catalogue_path: str, licences: list[Licence]) -> list[str]:
    """Refuse a per-VM guest licence whose per-VM minimum and pack size do not divide one another.

    n VMs need ceil(n x min_per_host / pack_size) x pack_size units: whole blocks of VMs price that
    exactly only when one of the two divides the other (2 units per VM in 2-unit packs; 1 per VM in
    packs of 2). Otherwise the cost would be misstated, so the run stops instead.
    """
    out, seen = [], set()
    for lic in licences:
        per_vm = max(1, lic.min_per_host)
        if lic.unit != "vm" or lic.name in seen or per_vm % lic.pack_size == 0 or lic.pack_size % per_vm == 0:
            continue
        seen.add(lic.name)
        out.append(f"{catalogue_path}: licence '{lic.name}' (unit vm) needs {per_vm} units per VM (min_per_host) "
                   f"in packs of {lic.pack_size} (pack_size); expected one to divide the other")
    return out


def _group_options(catalogue: Catalogue, licences: list[Licence], machine: Machine, group: str, term: str,
                   per_instance: bool = False) -> dict[str, tuple[tuple[Licence, LicenceOption, int], ...]]:
    """Return the per-host licence choices for the VMs of one guest OS on one host.

    ``per_instance``: the host is a cloud instance that is the VM itself, so a per-vCPU licence
    counts the instance's vCPUs (on-prem it is a plan-level constant per VM instead).
    """
    opts: list[tuple[Licence, LicenceOption, int]] = []
    for lic in licences:
        if lic.unit == "vcpu" and not per_instance:
            continue  # priced per VM as a plan-level constant
        per_unit = licence_unit_monthly(lic) * (1 - commitment_discount(catalogue, term, "licences", lic.name).fraction)
        if lic.unit == "vcpu":
            units = vm_licence_units(lic, machine.vcpu)
            block = LicenceOption(lic.name, units * per_unit, None)
        elif is_host_scoped(lic):
            units = host_licence_units(lic, machine)
            block = LicenceOption(lic.name, units * per_unit, lic.vms_per_licence)
        else:  # per VM (at least min_per_host units each), sold in packs of pack_size units on the host
            per_vm = max(1, lic.min_per_host)
            units = math.lcm(per_vm, lic.pack_size)  # exact: one divides the other (_per_vm_pack_errors)
            block = LicenceOption(lic.name, units * per_unit, units // per_vm)
        opts.append((lic, block, units))
    return {group: tuple(opts)} if opts else {}


def build_container_model(fleet: Fleet, catalogue: Catalogue, catalogue_path: str,
                          term: str = ON_DEMAND) -> StrategyModel:
    """Build the container-density packing problem (one node pool per OS: linux, windows)."""
    strat = catalogue.strategies.container_density
    co = catalogue.overheads.container
    util = catalogue.overheads.target_utilisation
    plan_lines, per_host_fees = _fee_lines(catalogue, strat.fees, strat.clusters, term)
    pools = sorted({WINDOWS if s.os == WINDOWS else LINUX for s in fleet.services})
    host_os = {p: _licences(catalogue, names) for p, names in strat.host_os.items()}
    platform = _licences(catalogue, strat.container_platform)
    offers: list[HostOffer] = []
    for base in _bases(catalogue, strat.hosts):
        machine = Machine.of(base)
        for pool in pools:
            lines = _base_lines(catalogue, base, term)
            if isinstance(base, InstanceType):
                if (pool != LINUX and not cloud_os_available(catalogue, base, pool)
                        and not _self_licensed(base, pool, host_os)):
                    continue
                os_line = _cloud_os_line(catalogue, base, pool, HOST_OS)
                if os_line is not None:
                    lines.append(os_line)
            elif pool == WINDOWS and (base.arch != "x86_64" or not host_os.get(WINDOWS)):
                continue  # a Windows node on-prem needs Windows Server on x86
            os_lic = _cheapest_static(catalogue, host_os.get(pool, []), machine, term)
            if os_lic:
                lines.append(os_lic)
            plat = _cheapest_static(catalogue, platform, machine, term)
            if plat:
                lines.append(plat)
            for lic in per_host_fees:
                lines.append(_licence_line(catalogue, lic, host_licence_units(lic, machine), term))
            max_pods = base.max_pods or co.default_max_pods
            raw_vcpu = base.vcpu if isinstance(base, InstanceType) else base.hardware_threads
            # a burstable node sustains only its CPU baseline; reservations are still counted per core
            capacity = sustained_vcpu(base) if isinstance(base, InstanceType) else raw_vcpu
            res_vcpu, res_mem = kube_reserved(co.node_reservation, raw_vcpu, base.memory_gib, max_pods)
            extra = co.node_os.get(pool)
            if extra:
                res_vcpu += extra.vcpu
                res_mem += extra.memory_gib
            # DaemonSet pods run on every node (of their OS): they come off the allocatable capacity first
            ds_vcpu, ds_mem, ds_pods = fleet.daemonset_on(pool, base.arch)
            vcpu = max(0.0, capacity - res_vcpu - ds_vcpu) * util
            mem = max(0.0, base.memory_gib - res_mem - ds_mem) * util
            slots = max(0, max_pods - ds_pods)
            name = base.name if pool == LINUX else f"{base.name} ({pool})"
            offers.append(HostOffer(name, base, pool, vcpu, mem, slots, tuple(lines)))

    if WINDOWS in pools and not any(o.pool == WINDOWS for o in offers):
        wins = [f"{s.name} ({s.where})" for s in fleet.services if s.os == WINDOWS]
        raise InputError(
            f"{catalogue_path}: no Windows node can be priced for container-density "
            f"(needed by {', '.join(wins)}); expected "
            + ("os_pricing.windows or " if catalogue.is_cloud else "")
            + "strategies.container-density.host_os.windows"
        )
    pod_mem = co.per_pod_memory_mib / MIB_PER_GIB
    shapes = {
        s.name: ReplicaShape(s, s.vcpu, s.memory_gib, s.vcpu, s.memory_gib + pod_mem, None,
                             WINDOWS if s.os == WINDOWS else LINUX)
        for s in fleet.services
    }

    def compatible(shape: ReplicaShape, offer: HostOffer) -> bool:
        return offer.pool == shape.pool and _arch_ok(shape.service, offer)

    notes = burstable_notes(_bases(catalogue, strat.hosts))
    model = _finish(CONTAINER_DENSITY, fleet, catalogue_path, offers, shapes, compatible, plan_lines, notes)
    return replace(model, term=term)


def _finish(strategy, fleet, catalogue_path, offers, shapes, compatible, plan_lines, notes) -> StrategyModel:
    """Check every service fits some host, then assemble the packing problem."""
    items: list[ItemGroup] = []
    unfit: list[str] = []
    for s in fleet.services:
        shape = shapes[s.name]
        compat = [o for o in offers if compatible(shape, o)]
        fits = frozenset(
            o.name for o in compat
            if shape.host_vcpu <= o.vcpu + 1e-9 and shape.host_memory_gib <= o.memory_gib + 1e-9 and o.max_items >= 1
        )
        if not fits:
            if compat:
                big = max(compat, key=lambda o: (o.vcpu, o.memory_gib))
                largest = f"largest allocatable host is {big.name} with {big.vcpu:.2f} vCPU, {big.memory_gib:.2f} GiB"
            else:
                largest = "no host type in the catalogue can run it (OS or architecture)"
            unfit.append(
                f"{s.name} ({s.where}) needs {shape.host_vcpu:g} vCPU and {shape.host_memory_gib:.2f} GiB "
                f"per replica ({strategy}); {largest}"
            )
            continue
        items.append(ItemGroup(s.name, s.replicas, shape.host_vcpu, shape.host_memory_gib,
                               s.max_per_host, fits, shape.licence_group))
    if unfit:
        raise InfeasibleError(
            f"{len(unfit)} service(s) in {fleet.path} fit no host in {catalogue_path}:\n"
            + "\n".join(f"  - {u}" for u in unfit)
        )
    host_types = tuple(
        HostType(o.name, o.vcpu, o.memory_gib, o.max_items, o.fixed_cost,
                 {g: tuple(opt for _, opt, _ in opts) for g, opts in o.group_options.items()})
        for o in offers
    )
    problem = PackingProblem(tuple(items), host_types, sum(line.monthly for line in plan_lines))
    return StrategyModel(strategy, tuple(offers), shapes, problem, tuple(plan_lines), tuple(notes))
