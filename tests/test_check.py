"""The independent checker catches what a wrong solver answer would look like."""

from __future__ import annotations

import dataclasses

import pytest

from planner.check import check_plan
from planner.engine import solve_packing
from planner.engine.problem import SolveOptions
from planner.plans import extract_plan
from planner.strategies import build_container_model, build_vm_model
from tests.builders import cloud_catalogue, make_fleet, make_service, onprem_catalogue

FLEET = make_fleet(
    make_service("web", 0.5, 1, 3),
    make_service("api", 1, 4, 2, max_per_host=2),
    make_service("iis", 1, 2, 3, os="windows"),
)


@pytest.fixture(scope="module", params=["cloud-vm", "cloud-containers", "onprem-vm", "onprem-containers"])
def solved(request):
    kind, strategy = request.param.split("-")
    catalogue = cloud_catalogue() if kind == "cloud" else onprem_catalogue()
    build = build_vm_model if strategy == "vm" else build_container_model
    model = build(FLEET, catalogue, "cat.yaml")
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=10)))
    return plan, model, catalogue


def test_a_solved_plan_passes(solved):
    plan, model, catalogue = solved
    assert check_plan(plan, model, FLEET, catalogue) == []


def test_missing_and_duplicated_replicas_are_caught(solved):
    plan, model, catalogue = solved
    dropped = dataclasses.replace(plan, placements=plan.placements[1:])
    assert any("replicas placed" in p for p in check_plan(dropped, model, FLEET, catalogue))
    doubled = dataclasses.replace(plan, placements=plan.placements + plan.placements[:1])
    assert any("replicas placed" in p for p in check_plan(doubled, model, FLEET, catalogue))


def test_overfull_host_and_broken_spread_are_caught(solved):
    plan, model, catalogue = solved
    target = plan.hosts[0].id
    crammed = dataclasses.replace(plan, placements=tuple(dataclasses.replace(p, host=target)
                                                          for p in plan.placements))
    problems = check_plan(crammed, model, FLEET, catalogue)
    assert any("max_per_host" in p for p in problems)
    host = plan.hosts[0]
    load_vcpu = sum(p.host_vcpu for p in plan.placements)
    if load_vcpu > host.vcpu or len(plan.placements) > host.max_items:
        assert any("allocatable" in p or "allowed" in p for p in problems)


def test_wrong_cost_is_caught(solved):
    plan, model, catalogue = solved
    host = plan.hosts[0]
    cheap_line = dataclasses.replace(host.lines[0], monthly=host.lines[0].monthly - 1)
    cheaper = dataclasses.replace(host, lines=(cheap_line, *host.lines[1:]))
    tampered = dataclasses.replace(plan, hosts=(cheaper, *plan.hosts[1:]), total_cost=plan.total_cost - 1)
    assert any("catalogue gives" in p for p in check_plan(tampered, model, FLEET, catalogue))


def test_bound_above_cost_is_caught(solved):
    plan, model, catalogue = solved
    bad = dataclasses.replace(plan, lower_bound=plan.total_cost * 1.01 + 1)
    assert any("lower bound" in p for p in check_plan(bad, model, FLEET, catalogue))


def test_per_vm_guest_licence_minimum_is_recomputed():
    """A per-VM licence with min_per_host 2 (units per VM) is re-priced at 2 units per VM, as planned."""
    from planner.catalogue.schema import Catalogue
    from tests.builders import price
    data = onprem_catalogue().model_dump(by_alias=True)
    data["licences"].append({"name": "rhel-vm", "product": "RHEL per VM", "role": "guest_os", "unit": "vm",
                             "price": price(120, "year"), "min_per_host": 2, "os": ["rhel"]})
    data["strategies"]["vm-per-service"]["guest_os"]["rhel"] = ["rhel-vm"]
    catalogue = Catalogue.model_validate(data)
    fleet = make_fleet(make_service("jboss", 1, 1, 3, os="rhel", max_per_host=3))
    model = build_vm_model(fleet, catalogue, "cat.yaml")
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=10)))
    rhel = [ln for h in plan.hosts for ln in h.lines if ln.name == "rhel-vm"]
    assert sum(ln.units for ln in rhel) == 6
    assert check_plan(plan, model, fleet, catalogue) == []


def test_windows_on_an_arm_host_is_caught():
    """Windows placed on an arm64 type whose catalogue prices no Windows there is a violation."""
    from planner.strategies import HostOffer
    fleet = make_fleet(make_service("iis", 1, 2, 1, os="windows"))
    catalogue = cloud_catalogue()
    model = build_container_model(fleet, catalogue, "cat.yaml")
    arm = next(b for b in catalogue.instance_types if b.name == "arm")
    offer = HostOffer("arm (windows)", arm, "windows", 3.0, 7.0, 30, model.offer("small (windows)").fixed_lines)
    model = dataclasses.replace(model, offers=(*model.offers, offer))
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=10)))
    host = dataclasses.replace(plan.hosts[0], id="arm (windows)#1", type="arm (windows)", model="arm")
    placements = tuple(dataclasses.replace(p, host=host.id) for p in plan.placements)
    moved = dataclasses.replace(plan, hosts=(host,), placements=placements)
    assert any("needs x86_64" in p for p in check_plan(moved, model, fleet, catalogue))
    assert not any("needs x86_64" in p for p in check_plan(plan, model, fleet, catalogue))


def test_cloud_per_vcpu_guest_licence_is_recomputed_per_instance():
    """A per-vCPU guest licence on a cloud catalogue is re-priced on the instance's vCPUs (8 on 'large')."""
    from tests.builders import price
    catalogue = cloud_catalogue(
        licences=[{"name": "rhel-vcpu", "product": "RHEL per vCPU", "role": "guest_os", "unit": "vcpu",
                   "price": price(0.01), "os": ["rhel"]}],
        strategies={"vm-per-service": {"guest_os": {"rhel": ["rhel-vcpu"]}}},
    )
    fleet = make_fleet(make_service("jboss", 1.5, 20, 2, os="rhel"))
    model = build_vm_model(fleet, catalogue, "cat.yaml")
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=10)))
    assert plan.total_cost == pytest.approx(2 * (0.4 + 8 * 0.01) * 730)
    assert check_plan(plan, model, fleet, catalogue) == []
