"""Burstable instance types (AWS T family) are sized at their CPU credit baseline.

A burstable type with ``baseline_cpu_percent`` offers vcpu x baseline % to sustained CPU
requests; reservations and the utilisation target then apply as for any container node.
Hand-worked figures below use the EKS formula: CPU 6 % of core 1 + 1 % of core 2, so a
2-vCPU node keeps 60 m + 10 m = 0.07 vCPU.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from planner.catalogue import load_catalogue
from planner.catalogue.schema import Catalogue
from planner.check import check_plan
from planner.cli import app
from planner.engine import solve_packing
from planner.engine.problem import SolveOptions
from planner.errors import InputError
from planner.plans import extract_plan
from planner.strategies import build_container_model, build_vm_model
from tests.builders import SOURCES, make_fleet, make_service, price

ROOT = Path(__file__).resolve().parent.parent
TINY_CLOUD = ROOT / "tests" / "data" / "pricing" / "tiny-cloud.yaml"
SMALL_LINE = "- {name: small, vcpu: 2, memory_gib: 4,"
FULLY_USABLE = "burstable (T-family) instances are treated as fully usable vCPUs"


def burst_catalogue(*, baselines: bool = True, **overrides: Any) -> Catalogue:
    """Two burstable types and one fixed-CPU type (2 vCPU each), EKS reservations, 85 % target.

    tb.small  2 vCPU  2 GiB  20 % -> 0.4 vCPU   $0.02/h = $14.60/month
    tb.large  2 vCPU  8 GiB  30 % -> 0.6 vCPU   $0.08/h = $58.40/month
    m.large   2 vCPU  8 GiB  fixed   2 vCPU     $0.10/h = $73.00/month
    """
    def t(name: str, mem: float, hourly: float, pct: float | None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "vcpu": 2, "memory_gib": mem, "price": price(hourly), "max_pods": 20,
                               "burstable": True}
        if baselines and pct is not None:
            out["baseline_cpu_percent"] = pct
        return out

    data: dict[str, Any] = {
        "name": "burstable test", "currency": "USD", "as_of": "2026-01-01", "sources": SOURCES,
        "instance_types": [
            t("tb.small", 2, 0.02, 20),
            t("tb.large", 8, 0.08, 30),
            {"name": "m.large", "vcpu": 2, "memory_gib": 8, "price": price(0.10), "max_pods": 20},
        ],
        "overheads": {"target_utilisation": 0.85, "container": {"node_reservation": {"formula": "eks"}}},
    }
    data.update(overrides)
    return Catalogue.model_validate(data)


def solve(model):
    return extract_plan(model, solve_packing(model.problem, SolveOptions(time_limit=10)))


# --------------------------------------------------------------------------- schema


def load_variant(tmp_path: Path, new: str) -> str:
    text = TINY_CLOUD.read_text()
    assert SMALL_LINE in text
    path = tmp_path / "cat.yaml"
    path.write_text(text.replace(SMALL_LINE, f"- {{name: small, vcpu: 2, {new}, memory_gib: 4,", 1))
    with pytest.raises(InputError) as info:
        load_catalogue(path)
    message = str(info.value)
    assert str(path) in message and "line 17, instance_types[0].baseline_cpu_percent: " in message
    return message


def test_schema_accepts_a_baseline_on_a_burstable_type(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text(TINY_CLOUD.read_text().replace(
        SMALL_LINE, "- {name: small, vcpu: 2, burstable: true, baseline_cpu_percent: 12.5, memory_gib: 4,", 1))
    small = load_catalogue(path).instance_types[0]
    assert (small.burstable, small.baseline_cpu_percent) == (True, 12.5)
    assert load_catalogue(TINY_CLOUD).instance_types[0].baseline_cpu_percent is None  # optional


def test_schema_rejects_a_baseline_on_a_non_burstable_type(tmp_path: Path) -> None:
    for new in ("baseline_cpu_percent: 20", "burstable: false, baseline_cpu_percent: 20"):
        message = load_variant(tmp_path, new)
        assert "got 20 on a type without burstable: true; expected baseline_cpu_percent only on burstable types" \
            in message


@pytest.mark.parametrize("bad", ["0", "-5", "100.5", "150"])
def test_schema_rejects_a_baseline_outside_0_to_100(tmp_path: Path, bad: str) -> None:
    message = load_variant(tmp_path, f"burstable: true, baseline_cpu_percent: {bad}")
    assert f"got {bad}; expected a percentage of each vCPU above 0 and at most 100" in message


def test_baseline_of_100_is_accepted() -> None:
    cat = burst_catalogue()
    data = cat.model_dump(by_alias=True)
    data["instance_types"][0]["baseline_cpu_percent"] = 100
    assert Catalogue.model_validate(data).instance_types[0].baseline_cpu_percent == 100


def test_bad_baseline_exits_2_naming_the_key(tmp_path: Path) -> None:
    cat = tmp_path / "bad.yaml"
    cat.write_text((ROOT / "pricing/aws.yaml").read_text().replace(
        "name: m7i.large, vcpu: 2,", "name: m7i.large, vcpu: 2, baseline_cpu_percent: 50,", 1))
    result = CliRunner().invoke(app, [str(ROOT / "fleets/online-boutique.csv"), "-p", str(cat), "--out",
                                      str(tmp_path), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "baseline_cpu_percent" in result.output and "burstable: true" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_shipped_aws_catalogue_has_every_t_baseline() -> None:
    cat = load_catalogue(ROOT / "pricing/aws.yaml")
    expected = {"nano": 5, "micro": 10, "small": 20, "medium": 20, "large": 30, "xlarge": 40, "2xlarge": 40}
    for t in cat.instance_types:
        family, size = t.name.split(".")
        if family in ("t3", "t3a", "t4g"):
            assert t.burstable and t.baseline_cpu_percent == expected[size], t.name
        else:
            assert not t.burstable and t.baseline_cpu_percent is None, t.name
    assert "aws-burstable-baseline" in cat.sources


# --------------------------------------------------------------------------- container-density


def test_container_node_capacity_is_the_baseline_less_reservations_times_target() -> None:
    model = build_container_model(make_fleet(make_service("web", 0.1, 0.5)), burst_catalogue(), "cat.yaml")
    # tb.small: (2 x 20 % - 0.07) x 0.85 = (0.4 - 0.07) x 0.85 = 0.2805 vCPU
    assert model.offer("tb.small").vcpu == pytest.approx(0.2805)
    # tb.large: (2 x 30 % - 0.07) x 0.85 = 0.53 x 0.85 = 0.4505 vCPU
    assert model.offer("tb.large").vcpu == pytest.approx(0.4505)
    # m.large (not burstable): (2 - 0.07) x 0.85 = 1.6405 vCPU
    assert model.offer("m.large").vcpu == pytest.approx(1.6405)
    assert any("sized at their CPU credit baseline" in n and "tb.small: 2 x 20 % = 0.4 vCPU" in n
               for n in model.notes)
    assert not any(FULLY_USABLE in n for n in model.notes)


def test_daemonsets_come_off_the_baseline() -> None:
    fleet = dataclasses.replace(make_fleet(make_service("web", 0.1, 0.5)), daemonset_vcpu=0.05,
                                daemonset_pods=1)
    model = build_container_model(fleet, burst_catalogue(), "cat.yaml")
    # (0.4 - 0.07 - 0.05) x 0.85 = 0.238 vCPU
    assert model.offer("tb.small").vcpu == pytest.approx(0.238)


def test_burstable_without_baseline_keeps_full_vcpus_and_the_note() -> None:
    model = build_container_model(make_fleet(make_service("web", 0.1, 0.5)), burst_catalogue(baselines=False),
                                  "cat.yaml")
    assert model.offer("tb.small").vcpu == pytest.approx(1.6405)
    assert any(FULLY_USABLE in n for n in model.notes)


# --------------------------------------------------------------------------- vm-per-service


def test_vm_per_service_needs_the_vcpu_within_the_baseline() -> None:
    fleet = make_fleet(make_service("a", 0.3, 1), make_service("b", 0.5, 1), make_service("c", 1.0, 1))
    model = build_vm_model(fleet, burst_catalogue(), "cat.yaml")
    assert [model.offer(n).vcpu for n in ("tb.small", "tb.large", "m.large")] == pytest.approx([0.4, 0.6, 2.0])
    plan = solve(model)
    on = {p.service: next(h.model for h in plan.hosts if h.id == p.host) for p in plan.placements}
    # a: 0.3 <= 0.4 -> tb.small; b: 0.5 > 0.4 but <= 0.6 -> tb.large; c: 1.0 > 0.6 -> m.large
    assert on == {"a": "tb.small", "b": "tb.large", "c": "m.large"}
    assert plan.total_cost == pytest.approx(14.60 + 58.40 + 73.00)  # 146.00 a month
    # the VM is the whole instance: placements report its 2 vCPU, hosts the baseline they offer
    assert {p.vcpu for p in plan.placements} == {2.0}
    assert sorted(h.vcpu for h in plan.hosts) == pytest.approx([0.4, 0.6, 2.0])
    assert check_plan(plan, model, fleet, burst_catalogue()) == []
    # without baselines every service fits the cheapest type: 3 x 14.60 = 43.80
    loose = solve(build_vm_model(fleet, burst_catalogue(baselines=False), "cat.yaml"))
    assert {h.model for h in loose.hosts} == {"tb.small"}
    assert loose.total_cost == pytest.approx(43.80)


# --------------------------------------------------------------------------- independent check


@pytest.mark.parametrize("build", [build_vm_model, build_container_model], ids=["vm", "containers"])
def test_check_flags_a_plan_that_overloads_a_burstable_host_past_its_baseline(build) -> None:
    """A plan made by a model that ignores the baseline is caught from the catalogue alone."""
    fleet = make_fleet(make_service("c", 1.0, 1))
    strict = burst_catalogue()
    wrong_model = build(fleet, burst_catalogue(baselines=False), "cat.yaml")  # full vCPUs offered
    plan = solve(wrong_model)
    assert [h.model for h in plan.hosts] == ["tb.small"]
    problems = check_plan(plan, wrong_model, fleet, strict)
    if build is build_vm_model:
        # 1 vCPU VM > 2 x 20 % = 0.4 vCPU the instance sustains
        assert problems == ["tb.small#1: 1.0000 vCPU placed > 0.4000 the catalogue allows on tb.small "
                            "(2 vCPU x 20 % baseline)"]
    else:
        # 1 vCPU of pods > 2 x 20 % x 0.85 = 0.34 vCPU (reservations would lower it further)
        assert problems == ["tb.small#1: 1.0000 vCPU placed > 0.3400 the catalogue allows on tb.small "
                            "(2 vCPU x 20 % baseline x 0.85 utilisation)"]
    # the same plan is sound for the catalogue it was made for, and a right plan passes
    assert check_plan(plan, wrong_model, fleet, burst_catalogue(baselines=False)) == []
    right_model = build(fleet, strict, "cat.yaml")
    assert check_plan(solve(right_model), right_model, fleet, strict) == []


# --------------------------------------------------------------------------- outputs


def test_outputs_show_the_baseline_allocatable_and_the_assumption(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas\nweb,100m,256Mi,2\n")
    cat = tmp_path / "cat.yaml"
    cat.write_text(TINY_CLOUD.read_text().replace(
        SMALL_LINE, "- {name: small, vcpu: 2, burstable: true, baseline_cpu_percent: 20, memory_gib: 4,", 1))
    js, book = tmp_path / "plan.json", tmp_path / "plan.xlsx"
    result = CliRunner().invoke(app, [str(fleet), "-p", str(cat), "--out", str(book), "--json", str(js)])
    assert result.exit_code == 0, result.output
    assert "sized at their CPU credit baseline" in result.output
    data = json.loads(js.read_text())
    for p in data["plans"]:
        small = next(t for t in p["host_types"] if t["name"] == "small")
        # tiny-cloud: fixed reservation 0, target 1.0 -> 2 x 20 % = 0.4 vCPU in both strategies
        assert small["allocatable_vcpu"] == pytest.approx(0.4)
    ws = load_workbook(book)["Assumptions"]
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert rows["Baseline CPU per vCPU"] == "20 %: small"
    assert "sized at their CPU credit baseline" in rows["Burstable instances"]
