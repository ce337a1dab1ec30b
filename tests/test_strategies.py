"""Strategy builders: sizes, allocatable capacity, host costs and licence options, fit errors."""

from __future__ import annotations

import pytest

from planner.errors import InfeasibleError, InputError
from planner.strategies import (
    CONTAINER_DENSITY,
    build_container_model,
    build_vm_model,
    kube_reserved,
)
from planner.catalogue.schema import NodeReservation
from tests.builders import cloud_catalogue, make_fleet, make_service, onprem_catalogue


def test_eks_reservation_matches_bootstrap_formula():
    """m7i.large-like: 2 vCPU -> 60 + 10 = 70m; 29 pods -> 11*29 + 255 + 100 eviction = 674 MiB."""
    cpu, mem = kube_reserved(NodeReservation(formula="eks", eviction_memory_mib=100), 2, 8, 29)
    assert cpu == pytest.approx(0.070)
    assert mem * 1024 == pytest.approx(674)
    cpu8, _ = kube_reserved(NodeReservation(formula="eks"), 8, 32, 58)
    assert cpu8 == pytest.approx(0.060 + 0.010 + 0.010 + 4 * 0.0025)


def test_gke_memory_tiers():
    """16 GiB: 25 % of 4 + 20 % of 4 + 10 % of 8 = 1 + 0.8 + 0.8 = 2.6 GiB, plus 100 MiB eviction."""
    _, mem = kube_reserved(NodeReservation(formula="gke", eviction_memory_mib=100), 4, 16, 110)
    assert mem == pytest.approx(2.6 + 100 / 1024)


def test_cloud_vm_mode_one_instance_per_replica_with_windows_uplift():
    fleet = make_fleet(make_service("web", 1, 2, 2), make_service("iis", 1, 1, 1, os="windows"))
    model = build_vm_model(fleet, cloud_catalogue(), "cat.yaml")
    win = model.offer("small (windows)")
    # 0.1/h + 2 vCPU x 0.05/h = 0.2/h = 146/month
    assert win.fixed_cost == pytest.approx(146.0)
    assert model.offer("small").fixed_cost == pytest.approx(73.0)
    assert all(t.max_items == 1 for t in model.problem.host_types)
    items = {i.name: i for i in model.problem.items}
    assert "arm (windows)" not in {t.name for t in model.problem.host_types}
    assert items["iis"].compatible == frozenset({"small (windows)", "large (windows)"})
    assert items["web"].compatible == frozenset({"small", "large", "arm"})


def test_container_mode_pools_fees_and_allocatable():
    fleet = make_fleet(make_service("web", 0.5, 1, 3), make_service("iis", 1, 2, 1, os="windows"))
    cat = cloud_catalogue()
    model = build_container_model(fleet, cat, "cat.yaml")
    assert model.strategy == CONTAINER_DENSITY
    assert model.problem.fixed_plan_cost == pytest.approx(73.0)  # one cluster at 0.10/h
    small = model.offer("small")
    assert small.vcpu == pytest.approx(2.0)  # fixed reservation of 0 by default
    assert small.memory_gib == pytest.approx(4 - 100 / 1024)  # default eviction 100 MiB
    assert {i.name: i.compatible for i in model.problem.items}["iis"] == frozenset(
        {"small (windows)", "large (windows)"})


def test_a_per_vcpu_fee_is_charged_on_every_host_by_its_vcpus():
    """README: a per-host fee with unit vcpu counts the instance's vCPUs (a monitoring agent at 1 a vCPU-month)."""
    fleet = make_fleet(make_service("web", 0.5, 1, 3))
    cat = cloud_catalogue()
    monitor = {"name": "monitor", "product": "monitoring", "role": "fee", "unit": "vcpu",
               "price": {"amount": 1, "per": "month", "source": "test"}}
    cat = cat.model_copy(update={
        "licences": [*cat.licences, type(cat.licences[0]).model_validate(monitor)],
        "strategies": cat.strategies.model_copy(update={
            "container_density": cat.strategies.container_density.model_copy(update={"fees": ["eks", "monitor"]})}),
    })
    model = build_container_model(fleet, cat, "cat.yaml")
    assert model.problem.fixed_plan_cost == pytest.approx(73.0)  # the cluster fee only
    assert model.offer("small").fixed_cost == pytest.approx(73.0 + 2.0)  # 2 vCPUs
    assert model.offer("large").fixed_cost - 4 * 73.0 == pytest.approx(8.0)  # 8 vCPUs


def test_onprem_vm_host_cost_and_guest_licence_options():
    """h2x12: 18000/60 = 300 hardware; 0.5 kW x 200 = 100 power; VVF 32 cores x 10 = 320."""
    fleet = make_fleet(make_service("iis", 1, 2, 5, os="windows", max_per_host=5))
    model = build_vm_model(fleet, onprem_catalogue(), "cat.yaml")
    offer = model.offer("h2x12")
    assert offer.fixed_cost == pytest.approx(300 + 100 + 320)
    # Standard: 24 cores x 1152/16/36 = 48 per full licensing covering 2 VMs; Datacenter 24 x 12 = 288
    opts = {opt.name: opt for _, opt, _ in offer.group_options["windows"]}
    assert opts["ws-std"].block_cost == pytest.approx(48.0)
    assert opts["ws-std"].items_per_block == 2
    assert opts["ws-dc"].block_cost == pytest.approx(288.0)
    assert opts["ws-dc"].items_per_block is None
    host_type = model.problem.host_type("h2x12")
    assert host_type.licence_cost("windows", 5) == (pytest.approx(144.0), "ws-std", 3)
    # VM size: 1 vCPU, 2 + 2 GiB guest footprint = 4 GiB
    assert model.shapes["iis"].size_memory_gib == pytest.approx(4.0)


def test_hypervisor_reserved_cores_take_all_their_threads():
    """h2x12 has 24 cores x 2 threads; 2 reserved cores left 46 threads (cores were counted as threads), not 44."""
    from planner.catalogue.schema import Catalogue
    from planner.check import check_plan
    from planner.engine import solve_packing
    from planner.engine.problem import SolveOptions
    from planner.plans import extract_plan
    data = onprem_catalogue().model_dump(by_alias=True)
    data["overheads"]["vm"]["hypervisor_reserved_cores"] = 2
    data["strategies"]["vm-per-service"]["hosts"] = ["h2x12"]
    cat = Catalogue.model_validate(data)
    fleet = make_fleet(make_service("web", 1, 1, 45, max_per_host=45))
    model = build_vm_model(fleet, cat, "cat.yaml")
    assert model.offer("h2x12").vcpu == pytest.approx((48 - 2 * 2) * 1.0)
    # the independent checker counts the same capacity: 44 one-vCPU VMs fit one h2x12, 45 do not
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=5)))
    assert check_plan(plan, model, fleet, cat) == []
    assert sorted(h.items for h in plan.hosts) == [1, 44]


def test_unknown_os_is_an_input_error_naming_services():
    fleet = make_fleet(make_service("a", os="solaris"), make_service("b", os="solaris"))
    with pytest.raises(InputError, match="solaris.*a \\(row 2\\), b \\(row 2\\)"):
        build_vm_model(fleet, cloud_catalogue(), "cat.yaml")


def test_service_that_fits_no_host_lists_every_such_service():
    fleet = make_fleet(make_service("huge", 64, 8), make_service("fat", 1, 900), make_service("ok"))
    with pytest.raises(InfeasibleError) as err:
        build_container_model(fleet, cloud_catalogue(), "cat.yaml")
    text = str(err.value)
    assert "huge" in text and "fat" in text and "ok (" not in text
    assert "largest allocatable host is large" in text


def test_onprem_windows_nodes_need_a_windows_host_licence():
    from planner.catalogue.schema import Catalogue
    data = onprem_catalogue().model_dump(by_alias=True)
    data["strategies"]["container-density"]["host_os"] = {"linux": ["ubuntu"]}
    fleet = make_fleet(make_service("iis", 1, 2, 1, os="windows"))
    with pytest.raises(InputError, match="no Windows node can be priced"):
        build_container_model(fleet, Catalogue.model_validate(data), "cat.yaml")


def test_problems_of_both_strategies_are_one_numbered_list():
    """Two OSes unpriced for VMs and no Windows node printed "error:   - ...", then a line with no dash."""
    from pathlib import Path

    from planner.catalogue.schema import Catalogue
    from planner.pipeline import build_models
    data = onprem_catalogue().model_dump(by_alias=True)
    data["strategies"] = {}
    fleet = make_fleet(make_service("iis", 1, 2, 1, os="windows"), make_service("jboss", 1, 2, 1, os="rhel"))
    with pytest.raises(InputError) as err:
        build_models(fleet, Catalogue.model_validate(data), Path("cat.yaml"))
    lines = str(err.value).splitlines()
    assert lines[0] == "3 problems:", lines
    assert len(lines) == 4 and all(line.startswith("  - ") for line in lines[1:]), lines
    assert "os 'windows' used by iis" in lines[1] + lines[2] and "no Windows node can be priced" in lines[3], lines
    # on-prem there is no licence-included Windows to point to
    assert "os_pricing" not in lines[3] and "strategies.container-density.host_os.windows" in lines[3], lines


def _per_vm_rhel_catalogue(min_per_host: int, pack_size: int):
    from planner.catalogue.schema import Catalogue
    from tests.builders import price
    data = onprem_catalogue().model_dump(by_alias=True)
    data["licences"].append({"name": "rhel-vm", "product": "RHEL per VM", "role": "guest_os", "unit": "vm",
                             "price": price(120, "year"), "min_per_host": min_per_host, "pack_size": pack_size,
                             "os": ["rhel"]})
    data["strategies"]["vm-per-service"]["guest_os"]["rhel"] = ["rhel-vm"]
    return Catalogue.model_validate(data)


def test_per_vm_guest_licence_counts_its_per_vm_minimum():
    """unit vm with min_per_host 2 (README: per VM): 3 VMs need 6 units at 10 a month, not 3."""
    fleet = make_fleet(make_service("jboss", 1, 1, 3, os="rhel", max_per_host=3))
    model = build_vm_model(fleet, _per_vm_rhel_catalogue(2, 1), "cat.yaml")
    host_type = model.problem.host_type("h2x12")
    assert host_type.licence_cost("rhel", 3)[0] == pytest.approx(60.0)
    assert host_type.licence_cost("rhel", 1)[0] == pytest.approx(20.0)
    # 1 unit per VM in packs of 2 (RHEL per 2 VMs) is unchanged: 3 VMs buy 4 units
    packed = build_vm_model(fleet, _per_vm_rhel_catalogue(0, 2), "cat.yaml").problem.host_type("h2x12")
    assert packed.licence_cost("rhel", 3)[0] == pytest.approx(40.0)
    # 2 units per VM in packs of 4: 3 VMs need 6 units, bought as 8
    both = build_vm_model(fleet, _per_vm_rhel_catalogue(2, 4), "cat.yaml").problem.host_type("h2x12")
    assert both.licence_cost("rhel", 3)[0] == pytest.approx(80.0)


def test_per_vm_minimum_and_pack_that_do_not_divide_are_refused():
    """3 units per VM in 2-unit packs cannot be priced per block of VMs exactly: the run stops, naming it."""
    fleet = make_fleet(make_service("jboss", 1, 1, 3, os="rhel", max_per_host=3))
    with pytest.raises(InputError, match="rhel-vm.*3 units per VM.*packs of 2"):
        build_vm_model(fleet, _per_vm_rhel_catalogue(3, 2), "cat.yaml")


def test_windows_brought_by_a_licence_is_never_offered_on_arm_instances():
    """A guest_os / host_os Windows licence on a cloud catalogue (no licence-included Windows) keeps
    Windows on x86_64 types, as on-prem: Windows Server does not run on arm64 (Graviton)."""
    from tests.builders import price
    ws = {"role": "guest_os", "unit": "physical_core", "price": price(100, "year"), "os": ["windows"]}
    cat = cloud_catalogue(
        os_pricing={},
        licences=[{"name": "eks", "product": "EKS", "role": "fee", "unit": "cluster", "price": price(0.1)},
                  {"name": "ws", "product": "WS guest", **ws},
                  {"name": "ws-host", "product": "WS host", **ws, "role": "host_os"}],
        strategies={"vm-per-service": {"guest_os": {"windows": ["ws"]}},
                    "container-density": {"fees": ["eks"], "host_os": {"windows": ["ws-host"]}}},
    )
    fleet = make_fleet(make_service("iis", 1, 2, 2, os="windows"))
    vm = build_vm_model(fleet, cat, "cat.yaml")
    assert {o.name for o in vm.offers} == {"small (windows)", "large (windows)"}
    containers = build_container_model(fleet, cat, "cat.yaml")
    assert {o.name for o in containers.offers if o.pool == "windows"} == {"small (windows)", "large (windows)"}
    assert {i.name: i.compatible for i in containers.problem.items}["iis"] == frozenset(
        {"small (windows)", "large (windows)"})


def _cloud_per_vcpu_rhel():
    from tests.builders import price
    return cloud_catalogue(
        licences=[{"name": "eks", "product": "EKS", "role": "fee", "unit": "cluster", "price": price(0.1)},
                  {"name": "rhel-vcpu", "product": "RHEL per vCPU", "role": "guest_os", "unit": "vcpu",
                   "price": price(0.01), "os": ["rhel"]}],
        strategies={"vm-per-service": {"guest_os": {"rhel": ["rhel-vcpu"]}}, "container-density": {"fees": ["eks"]}},
    )


def test_cloud_per_vcpu_guest_licence_counts_the_instance_vcpus():
    """On a cloud catalogue the VM is the instance: RHEL per vCPU on 'large' (8 vCPU) is 8 x 0.01/h = 58.4
    a month, not the 2 vCPU the request rounds to; and it is priced per instance type, so it steers the choice."""
    fleet = make_fleet(make_service("jboss", 1.5, 20, 2, os="rhel"))
    model = build_vm_model(fleet, _cloud_per_vcpu_rhel(), "cat.yaml")
    assert model.problem.fixed_plan_cost == 0.0
    assert not model.plan_lines
    large = model.problem.host_type("large (rhel)")
    assert large.licence_cost("rhel", 1)[0] == pytest.approx(8 * 0.01 * 730)
    small = model.problem.host_type("small (rhel)")
    assert small.licence_cost("rhel", 1)[0] == pytest.approx(2 * 0.01 * 730)
