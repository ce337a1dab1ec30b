"""The only place rates become monthly money: periods, amortisation, licence counting rules.

A month is 730 hours (8,760 hours / 12). Every function returns an amount in the
catalogue's currency per month. The optimiser's cost coefficients and the reports
both come from here, so they cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.catalogue.schema import Catalogue, Facility, HostModel, InstanceType, Licence, Price, instance_family

HOURS_PER_MONTH = 730.0
MONTHS_PER_YEAR = 12.0


def monthly_amount(price: Price, amortisation_months: int | None = None) -> float:
    """Return the monthly cost of ``price`` for the whole quantity it quotes (``units`` units).

    >>> monthly_amount(Price(amount=0.1, per="hour", source="s"))  # doctest: +SKIP
    73.0
    """
    if price.per == "hour":
        return price.amount * HOURS_PER_MONTH
    if price.per == "month":
        return price.amount
    if price.per == "year":
        return price.amount / MONTHS_PER_YEAR
    if amortisation_months is None:
        raise ValueError("a one-off price needs amortisation months")
    return price.amount / amortisation_months


def monthly_factor(price: Price, amortisation_months: int | None = None) -> float:
    """Return what one of ``price``'s amount costs per month: 730 (per hour), 1, 1/12, 1/amortisation.

    ``monthly_amount`` is ``price.amount`` times this; the workbook writes it as the multiplier of the
    price's cell, so a formula re-prices whatever amount (zero included) finance types there.
    """
    if price.per == "hour":
        return HOURS_PER_MONTH
    if price.per == "month":
        return 1.0
    if price.per == "year":
        return 1.0 / MONTHS_PER_YEAR
    if amortisation_months is None:
        raise ValueError("a one-off price needs amortisation months")
    return 1.0 / amortisation_months


@dataclass(frozen=True)
class Machine:
    """The shape licence rules count: sockets, physical cores per socket, vCPUs seen by the OS."""

    sockets: int
    cores_per_socket: int
    vcpu: float

    @staticmethod
    def of(base: InstanceType | HostModel) -> Machine:
        """Return the countable shape of a host model or cloud instance (1 socket, a core per vCPU)."""
        if isinstance(base, HostModel):
            return Machine(base.sockets, base.cores_per_socket, base.hardware_threads)
        return Machine(1, max(1, math.ceil(base.vcpu)), base.vcpu)


def licence_unit_monthly(licence: Licence) -> float:
    """Return the monthly cost of one licence unit (subscription, or perpetual amortised plus support)."""
    per_unit = licence.price.amount / licence.price.units
    if licence.payment == "subscription":
        return monthly_amount(licence.price) / licence.price.units
    assert licence.amortisation_months is not None
    support = 0.0
    if licence.support_percent_per_year is not None:
        support = per_unit * licence.support_percent_per_year.value / 100.0 / MONTHS_PER_YEAR
    return per_unit / licence.amortisation_months + support


def licence_unit_factor(licence: Licence) -> float:
    """Return what one of the licence price's amount costs per licence unit and month.

    ``licence_unit_monthly`` is ``price.amount`` times this (a perpetual licence's support share included).
    """
    if licence.payment == "subscription":
        return monthly_factor(licence.price) / licence.price.units
    assert licence.amortisation_months is not None
    support = 0.0
    if licence.support_percent_per_year is not None:
        support = licence.support_percent_per_year.value / 100.0 / MONTHS_PER_YEAR
    return (1.0 / licence.amortisation_months + support) / licence.price.units


def _round_to_pack(units: float, pack_size: int) -> int:
    return int(math.ceil(round(units, 9) / pack_size) * pack_size)


def host_licence_units(licence: Licence, machine: Machine) -> int:
    """Return the units one full licensing of a host needs, with the vendor minimums and packs.

    physical_core: each socket counts max(cores per socket, min_per_socket); the host
    at least min_per_host (VMware: 16 per CPU; Windows Server: 8 per processor and
    16 per server). socket / socket_pair / host count those. vcpu counts the vCPUs
    the host offers. The total is rounded up to ``pack_size``.
    """
    if licence.unit == "physical_core":
        units: float = machine.sockets * max(machine.cores_per_socket, licence.min_per_socket)
    elif licence.unit == "socket":
        units = machine.sockets * max(1, licence.min_per_socket)
    elif licence.unit == "socket_pair":
        units = math.ceil(machine.sockets / 2)
    elif licence.unit in ("host", "vm", "cluster"):
        units = 1
    else:  # vcpu
        units = machine.vcpu
    return _round_to_pack(max(units, licence.min_per_host), licence.pack_size)


def vm_licence_units(licence: Licence, vm_vcpu: float) -> int:
    """Return the units one VM needs under a per-VM or per-vCPU licence (min_per_host = per VM minimum)."""
    units = 1.0 if licence.unit == "vm" else vm_vcpu
    return _round_to_pack(max(units, licence.min_per_host), licence.pack_size if licence.unit == "vcpu" else 1)


def host_licence_monthly(licence: Licence, machine: Machine) -> float:
    """Return the monthly cost of one full licensing of a host."""
    return host_licence_units(licence, machine) * licence_unit_monthly(licence)


def is_host_scoped(licence: Licence) -> bool:
    """Return True when the licence is counted on the host (cores, sockets, the host), not per VM."""
    return licence.unit in ("physical_core", "socket", "socket_pair", "host")


def power_monthly(host: HostModel, facility: Facility) -> float:
    """Return the monthly power and facility cost of one host at its typical draw.

    Energy: watts / 1000 x 730 h x price per kWh x PUE; or colocation: kW x price per kW-month.
    """
    kilowatts = host.power_watts / 1000.0
    if facility.colocation_per_kw is not None:
        return kilowatts * monthly_amount(facility.colocation_per_kw)
    assert facility.electricity_per_kwh is not None and facility.pue is not None
    return kilowatts * HOURS_PER_MONTH * facility.electricity_per_kwh.amount * facility.pue.value


def power_factor(host: HostModel, facility: Facility) -> float:
    """Return what one of the facility price's amount (per kW-month, or per kWh) costs a host per month.

    ``power_monthly`` is that price's amount times this (energy: kW x 730 h x PUE).
    """
    kilowatts = host.power_watts / 1000.0
    if facility.colocation_per_kw is not None:
        return kilowatts * monthly_factor(facility.colocation_per_kw)
    assert facility.pue is not None
    return kilowatts * HOURS_PER_MONTH * facility.pue.value


ON_DEMAND = "on-demand"


@dataclass(frozen=True)
class Discount:
    """A commitment discount as a fraction (0.385 = 38.5 % off) and the catalogue entry behind it."""

    fraction: float = 0.0
    ref: str = ""


def commitment_discount(catalogue: Catalogue, term: str, applies_to: str, name: str) -> Discount:
    """Return the discount for ``name`` under a commitment ``term`` (``on-demand``: none).

    The most specific rule wins: one naming ``name`` itself, then its family
    (``instance_family``: ``m7i`` for ``m7i.large``), then a rule without names.
    """
    if term == ON_DEMAND:
        return Discount()
    family = instance_family(name)
    best: tuple[int, Discount] | None = None
    for index, rule in enumerate(catalogue.commitments.get(term, [])):  # type: ignore[call-overload]
        if rule.applies_to != applies_to:
            continue
        if rule.names is None:
            rank = 1
        elif name in rule.names:
            rank = 3
        elif family in rule.names:
            rank = 2
        else:
            continue
        found = Discount(rule.discount_percent.value / 100.0, f"commitments.{term}.{index}.discount_percent")
        if best is None or rank > best[0]:
            best = (rank, found)
    return best[1] if best else Discount()
