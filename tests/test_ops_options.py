"""Growth, spare hosts and commitment pricing (the ops-inputs issue)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from planner.check import check_plan
from planner.engine import solve_packing
from planner.engine.problem import SolveOptions
from planner.fleet import grow, load_fleet, parse_growth
from planner.pipeline import PlanOptions, run_plan
from planner.plans import Plan, extract_plan
from planner.resilience import with_spares
from planner.strategies import GUEST_OS, INSTANCES, build_container_model, build_vm_model
from tests.builders import cloud_catalogue, make_fleet, make_service, onprem_catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_growth_scales_requests_by_exactly_the_factor():
    fleet = load_fleet(ROOT / "fleets/mixed-windows.csv")
    grown = grow(fleet, 0.30)
    assert sum(s.vcpu * s.replicas for s in grown.services) == pytest.approx(
        1.3 * sum(s.vcpu * s.replicas for s in fleet.services))
    assert sum(s.memory_gib * s.replicas for s in grown.services) == pytest.approx(
        1.3 * sum(s.memory_gib * s.replicas for s in fleet.services))
    assert [s.replicas for s in grown.services] == [s.replicas for s in fleet.services]


def test_growth_column_overrides_the_run_growth(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text("service,cpu,memory,replicas,growth\na,1,1Gi,1,50%\nb,1,1Gi,1,\n")
    grown = grow(load_fleet(path), 0.10)
    assert [s.vcpu for s in grown.services] == pytest.approx([1.5, 1.1])
    assert parse_growth("-10%") == pytest.approx(-0.1)


def test_bad_growth_column_is_an_input_error(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text("service,cpu,memory,replicas,growth\na,1,1Gi,1,0.3\n")
    from planner.errors import InputError
    with pytest.raises(InputError, match="row 2, growth.*% sign"):
        load_fleet(path)


def test_growth_plan_through_the_pipeline():
    base = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml", PlanOptions(time_limit=5))
    grown = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml",
                     PlanOptions(time_limit=5, growth=0.3))
    req = {s.name: s.vcpu for s in base.fleet.services}
    assert {s.name: s.vcpu for s in grown.fleet.services} == pytest.approx({k: v * 1.3 for k, v in req.items()})
    assert any("growth" in n for n in grown.notes)



def test_a_growth_column_without_the_option_is_reported_per_service(tmp_path: Path):
    """--growth 0 and a growth column: the notes must name the growth planned, not just 'requests x1'."""
    path = tmp_path / "f.csv"
    path.write_text("service,cpu,memory,replicas,growth\na,1,1Gi,2,20%\nb,1,1Gi,1,\nc,1,1Gi,1,-10%\n")
    result = run_plan(path, ROOT / "pricing/aws.yaml", PlanOptions(time_limit=5))
    assert [s.vcpu for s in result.fleet.services] == pytest.approx([1.2, 1.0, 0.9])
    note = next(n for n in result.notes if "growth" in n)
    assert "a +20 %" in note and "c -10 %" in note and "b " not in note
    assert note == "planned for growth from the growth column: a +20 %, c -10 %"  # not "requests x1"
    from rich.console import Console

    from planner.report.terminal import render_summary

    console = Console(record=True, width=200)
    render_summary(result, [], console)
    assert "planned for growth: 2 service(s) grown by their growth column value" in console.export_text()
    with_option = run_plan(path, ROOT / "pricing/aws.yaml", PlanOptions(time_limit=5, growth=0.1))
    console = Console(record=True, width=200)
    render_summary(with_option, [], console)
    assert ("planned for 10 % growth of every replica's requests, except 2 service(s) with their own growth "
            "column value") in console.export_text()


FLEET = make_fleet(
    make_service("web", 0.5, 1, 3),
    make_service("api", 1, 4, 4, max_per_host=2),
    make_service("iis", 1, 2, 2, os="windows"),
)


def _fail_host(plan: Plan, failed: str) -> Plan:
    """Move the failed host's replicas onto a surviving empty spare of the same pool (or nowhere)."""
    hosts = {h.id: h for h in plan.hosts}
    moved = [p for p in plan.placements if p.host == failed]
    survivors = tuple(h for h in plan.hosts if h.id != failed)
    if not moved:
        return dataclasses.replace(plan, hosts=survivors, total_cost=plan.total_cost - hosts[failed].cost)
    spare = next(h for h in survivors if h.spare and h.pool == hosts[failed].pool)
    placements = tuple(dataclasses.replace(p, host=spare.id) if p.host == failed else p for p in plan.placements)
    return dataclasses.replace(plan, hosts=survivors, placements=placements)


@pytest.mark.parametrize("catalogue", [cloud_catalogue(), onprem_catalogue()], ids=["cloud", "onprem"])
@pytest.mark.parametrize("build", [build_vm_model, build_container_model], ids=["vm", "containers"])
def test_with_one_spare_any_single_host_can_fail(build, catalogue):
    model = build(FLEET, catalogue, "cat.yaml")
    packing = solve_packing(model.problem, SolveOptions(time_limit=10))
    resilient = with_spares(model, packing, 1, 0.001)
    plan = extract_plan(model, resilient)
    assert check_plan(plan, model, FLEET, catalogue) == []
    assert plan.lower_bound <= plan.total_cost + 1e-6
    if all(o.max_items == 1 for o in model.offers):  # cloud VM mode: no spares, and a note says why
        assert not any(h.spare for h in plan.hosts)
        assert any("none added" in n for n in plan.notes)
        return
    assert any(h.spare for h in plan.hosts)
    for host in plan.hosts:
        failed = _fail_host(plan, host.id)
        # the re-packing must pass the independent checker on capacity, spread and placement
        problems = [p for p in check_plan(failed, model, FLEET, catalogue) if "cost" not in p and "total" not in p
                    and "breakdown" not in p and "bound" not in p]
        assert problems == [], (host.id, problems)


def test_the_spare_bound_counts_every_pool_a_replica_cannot_leave():
    """Linux and Windows node pools each survive a failure on their own, so a resilient plan pays at
    least one more host in each: the bound adds the cheapest host of both pools, not of one."""
    catalogue = cloud_catalogue()
    model = build_container_model(FLEET, catalogue, "cat.yaml")
    packing = solve_packing(model.problem, SolveOptions(time_limit=10))
    cheapest = {pool: min(o.fixed_cost for o in model.offers if o.pool == pool) for pool in ("linux", "windows")}
    resilient = with_spares(model, packing, 1, 0.001)
    assert resilient.lower_bound == pytest.approx(min(resilient.cost, packing.lower_bound + sum(cheapest.values())))
    assert resilient.lower_bound > packing.lower_bound + max(cheapest.values())


def test_a_zero_count_left_on_a_host_does_not_change_its_spares():
    """Re-planning with --max-moves left hosts holding '0 iis' (a Windows service) in the Linux pool: no
    single type could then take over every host, and each pool got one spare of every type used (+588/month)."""
    from planner.engine.problem import HostLoad
    from planner.resilience import spare_hosts

    catalogue = cloud_catalogue()
    model = build_container_model(FLEET, catalogue, "cat.yaml")
    packing = solve_packing(model.problem, SolveOptions(time_limit=10))
    linux = next(h for h in packing.hosts if model.offer(h.host_type).pool == "linux")
    with_zero = dataclasses.replace(packing, hosts=tuple(
        HostLoad(h.host_type, {**h.items, "iis": 0}) if h is linux else h for h in packing.hosts))
    assert spare_hosts(model, with_zero, 1) == spare_hosts(model, packing, 1)


def test_a_vm_spare_is_licensed_for_the_guests_it_takes_over():
    """Windows guest licences belong to the physical host: after any one host fails and its VMs
    move to the spare, the spare's licence lines must already cover them (the checker recomputes
    each host's cost from what it runs; the spare's cost must not change)."""
    catalogue = onprem_catalogue()
    model = build_vm_model(FLEET, catalogue, "cat.yaml")
    plan = extract_plan(model, with_spares(model, solve_packing(model.problem, SolveOptions(time_limit=10)), 1, 0.001))
    assert check_plan(plan, model, FLEET, catalogue) == []
    spare = next(h for h in plan.hosts if h.spare)
    assert dict(spare.licensed).get("windows", 0) >= 1  # the fleet runs 2 Windows VMs ('iis')
    assert any(line.category == GUEST_OS for line in spare.lines)
    for host in plan.hosts:
        if host.spare:
            continue
        failed = _fail_host(plan, host.id)
        costs = [p for p in check_plan(failed, model, FLEET, catalogue) if p.startswith(spare.id)]
        assert costs == [], (host.id, costs)


def test_three_year_term_lowers_instance_lines_by_the_discount_exactly():
    commitments = {"3y": [{"applies_to": "instances", "names": ["small"],
                           "discount_percent": {"value": 60, "source": "s"}},
                          {"applies_to": "instances", "discount_percent": {"value": 40, "source": "s"}}]}
    catalogue = cloud_catalogue(commitments=commitments)
    fleet = make_fleet(make_service("web", 0.5, 1, 3))
    on_demand = build_container_model(fleet, catalogue, "cat.yaml")
    committed = build_container_model(fleet, catalogue, "cat.yaml", "3y")
    for offer in on_demand.offers:
        od = [ln for ln in offer.fixed_lines if ln.category == INSTANCES][0]
        c = [ln for ln in committed.offer(offer.name).fixed_lines if ln.category == INSTANCES][0]
        rate = 0.60 if offer.base.name == "small" else 0.40
        assert c.monthly == pytest.approx(od.monthly * (1 - rate))
        assert c.on_demand_monthly == pytest.approx(od.monthly)
    # the cluster fee is not an instance: unchanged
    assert committed.plan_lines[0].monthly == pytest.approx(on_demand.plan_lines[0].monthly)


def test_licence_commitment_discount_reaches_guest_licence_choices():
    commitments = {"1y": [{"applies_to": "licences", "names": ["ws-std", "ws-dc"],
                           "discount_percent": {"value": 10, "source": "s"}}]}
    catalogue = onprem_catalogue(commitments=commitments)
    fleet = make_fleet(make_service("iis", 1, 2, 3, os="windows", max_per_host=3))
    model = build_vm_model(fleet, catalogue, "cat.yaml", "1y")
    plan = extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=5)))
    assert check_plan(plan, model, fleet, catalogue) == []
    guest = [ln for h in plan.hosts for ln in h.lines if ln.category == "guest_os_licences"]
    assert guest and all(ln.discount == pytest.approx(0.10) for ln in guest)


def test_unknown_commitment_term_is_a_clear_error():
    from planner.errors import PlannerError
    with pytest.raises(PlannerError, match="no commitments.3y"):
        run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/onprem.yaml",
                 PlanOptions(time_limit=5, commitment="3y"))


def test_commitment_families_work_for_dotted_and_hyphenated_instance_names():
    from planner.catalogue.schema import instance_family
    from planner.pricing import commitment_discount

    assert [instance_family(n) for n in ("m7i.large", "m7i.metal-24xl", "e2-standard-4", "Standard_D4s_v5")] == [
        "m7i", "m7i", "e2", "Standard_D4s_v5"]
    commitments = {"1y": [{"applies_to": "instances", "names": ["e2"], "discount_percent": {"value": 37, "source": "s"}}]}
    catalogue = cloud_catalogue(commitments=commitments)
    catalogue = catalogue.model_copy(update={"instance_types": [
        t.model_copy(update={"name": n}) for t, n in zip(catalogue.instance_types, ("e2-standard-2", "e2-highmem-8",
                                                                                      "t2a-standard-4"))]})
    assert commitment_discount(catalogue, "1y", "instances", "e2-highmem-8").fraction == pytest.approx(0.37)
    assert commitment_discount(catalogue, "1y", "instances", "t2a-standard-4").fraction == 0.0


def test_zero_growth_needs_no_percent_sign_and_gap_takes_a_trailing_point():
    from planner.cli import parse_gap

    assert [parse_growth(t) for t in ("0", "0.0", "+0", "0%")] == [0.0, 0.0, 0.0, 0.0]
    assert parse_gap("5.") == pytest.approx(0.05) and parse_gap(".5") == pytest.approx(0.005)
