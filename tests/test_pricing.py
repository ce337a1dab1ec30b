"""Licence counting and money normalisation, with hand-worked examples."""

from __future__ import annotations

import pytest

from planner.catalogue.schema import Facility, Figure, HostModel, InstanceType, Licence, Price
from planner.pricing import (
    HOURS_PER_MONTH,
    Machine,
    host_licence_monthly,
    host_licence_units,
    licence_unit_monthly,
    monthly_amount,
    power_monthly,
    vm_licence_units,
)


def price(amount: float, per: str = "year", units: int = 1) -> Price:
    return Price(amount=amount, per=per, source="s", units=units)


def licence(**kw) -> Licence:
    base = dict(name="l", product="L", role="guest_os", unit="physical_core", price=price(100))
    base.update(kw)
    return Licence(**base)


WS_STD = dict(unit="physical_core", min_per_socket=8, min_per_host=16, pack_size=2, vms_per_licence=2,
              payment="perpetual", amortisation_months=36, price=price(1176, "once", units=16))


def test_month_is_730_hours():
    """0.1 per hour = 73 per month; 120 per year = 10 per month; a purchase of 3600 over 36 months = 100."""
    assert HOURS_PER_MONTH == 730
    assert monthly_amount(price(0.1, "hour")) == pytest.approx(73.0)
    assert monthly_amount(price(120, "year")) == pytest.approx(10.0)
    assert monthly_amount(price(3600, "once"), 36) == pytest.approx(100.0)
    with pytest.raises(ValueError):
        monthly_amount(price(3600, "once"))


def test_windows_standard_five_vms_on_2x12_is_three_stacks_of_24_cores():
    """2 x 12 cores: 24 core licences per full licensing; 5 VMs need ceil(5/2) = 3 stacks = 72 cores."""
    lic = licence(**WS_STD)
    machine = Machine(sockets=2, cores_per_socket=12, vcpu=48)
    assert host_licence_units(lic, machine) == 24
    stacks = -(-5 // lic.vms_per_licence)
    assert stacks * host_licence_units(lic, machine) == 72
    # 1176 per 16 cores over 36 months = 2.041666.. per core-month
    assert licence_unit_monthly(lic) == pytest.approx(1176 / 16 / 36)
    assert host_licence_monthly(lic, machine) * stacks == pytest.approx(72 * 1176 / 16 / 36)


def test_datacenter_on_one_6_core_cpu_bills_the_16_core_minimum():
    """1 x 6 cores: max(6, 8 per processor) = 8, then the 16-per-server minimum = 16."""
    lic = licence(**{**WS_STD, "vms_per_licence": None})
    assert host_licence_units(lic, Machine(1, 6, 12)) == 16


def test_per_core_hypervisor_on_2x12_bills_32_cores_under_16_per_cpu_minimum():
    lic = licence(role="hypervisor", unit="physical_core", min_per_socket=16, price=price(135))
    assert host_licence_units(lic, Machine(2, 12, 48)) == 32
    assert host_licence_monthly(lic, Machine(2, 12, 48)) == pytest.approx(32 * 135 / 12)
    assert host_licence_units(lic, Machine(2, 32, 128)) == 64


def test_socket_pair_host_and_vcpu_units():
    assert host_licence_units(licence(unit="socket_pair"), Machine(2, 16, 64)) == 1
    assert host_licence_units(licence(unit="socket_pair"), Machine(4, 16, 128)) == 2
    assert host_licence_units(licence(unit="host"), Machine(2, 16, 64)) == 1
    assert host_licence_units(licence(unit="socket"), Machine(2, 16, 64)) == 2
    assert host_licence_units(licence(unit="vcpu"), Machine(1, 4, 4)) == 4


def test_core_pair_pack_rounding():
    """OpenShift-style: priced per 2 cores; a 2 x 9-core host = 18 cores = 9 core pairs."""
    lic = licence(role="container_platform", price=price(2000, units=2), pack_size=2)
    machine = Machine(2, 9, 36)
    assert host_licence_units(lic, machine) == 18
    assert host_licence_monthly(lic, machine) == pytest.approx(18 * 1000 / 12)


def test_pack_size_rounds_up():
    lic = licence(unit="physical_core", pack_size=16)
    assert host_licence_units(lic, Machine(1, 20, 40)) == 32


def test_vm_units_with_per_vm_minimum():
    """Per-vCPU licence with an 8-per-VM minimum: a 2-vCPU VM bills 8, a 10-vCPU VM bills 10."""
    lic = licence(unit="vcpu", min_per_host=8)
    assert vm_licence_units(lic, 2) == 8
    assert vm_licence_units(lic, 10) == 10


def test_perpetual_with_support_percentage():
    """3600 once over 36 months = 100/month; 25 %/year support = 900/year = 75/month."""
    lic = licence(payment="perpetual", amortisation_months=36, price=price(3600, "once"),
                  support_percent_per_year=Figure(value=25, source="s"))
    assert licence_unit_monthly(lic) == pytest.approx(175.0)


def test_perpetual_needs_amortisation_and_once():
    with pytest.raises(ValueError):
        licence(payment="perpetual", price=price(3600, "once"))
    with pytest.raises(ValueError):
        licence(payment="subscription", price=price(3600, "once"))


def test_a_host_is_bought_and_amortised_or_leased():
    """purchase per: once is spread over amortisation_months; a lease per month needs none (and refuses one)."""
    leased = HostModel(name="h", sockets=1, cores_per_socket=8, memory_gib=64, purchase=price(300, "month"),
                       power_watts=0)
    assert monthly_amount(leased.purchase, leased.amortisation_months) == pytest.approx(300.0)
    with pytest.raises(ValueError, match="only for a purchase with per: once"):
        HostModel(name="h", sockets=1, cores_per_socket=8, memory_gib=64, purchase=price(300, "month"),
                  amortisation_months=60, power_watts=0)
    with pytest.raises(ValueError, match="needs amortisation_months"):
        HostModel(name="h", sockets=1, cores_per_socket=8, memory_gib=64, purchase=price(18000, "once"),
                  power_watts=0)


def test_power_colocation_and_energy():
    """500 W at 196 per kW-month = 98; 500 W x 730 h x 0.12 x PUE 1.5 = 65.7."""
    host = HostModel(name="h", sockets=2, cores_per_socket=16, memory_gib=512, purchase=price(20000, "once"),
                     amortisation_months=60, power_watts=500)
    colo = Facility(colocation_per_kw=price(196, "month"))
    assert power_monthly(host, colo) == pytest.approx(98.0)
    energy = Facility(electricity_per_kwh=price(0.12, "kwh"), pue=Figure(value=1.5, source="s"))
    assert power_monthly(host, energy) == pytest.approx(65.7)


def test_instance_machine_shape():
    inst = InstanceType(name="m7i.large", vcpu=2, memory_gib=8, price=price(0.1008, "hour"))
    assert Machine.of(inst) == Machine(1, 2, 2)
