"""Break-even and tornado: re-solved points either side of the reported break-even have different winners."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from planner.catalogue import load_catalogue
from planner.pipeline import PlanOptions, run_plan
from planner.report.replan_sheets import write_sensitivity_sheet
from planner.sensitivity import catalogue_yaml, price_groups, run_sensitivity, scale_prices

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "fleets/online-boutique.csv"
TINY_ONPREM = ROOT / "tests/data/pricing/tiny-onprem.yaml"
AWS = ROOT / "pricing/aws.yaml"
OPTS = PlanOptions(time_limit=10)


def winner_at(tmp: Path, catalogue: Path, refs: tuple[str, ...], factor: float) -> str:
    path = tmp / f"x{factor:.6f}.yaml"
    path.write_text(catalogue_yaml(scale_prices(load_catalogue(catalogue), factor, refs)), encoding="utf-8")
    result = run_plan(BOUTIQUE, path, OPTS)
    assert result.delta is not None
    return result.delta.cheaper


def test_scale_prices_scales_every_price_and_nothing_else():
    cat = load_catalogue(TINY_ONPREM)
    scaled = scale_prices(cat, 1.1)
    assert scaled.licences[0].price.amount == pytest.approx(1.1 * cat.licences[0].price.amount)
    assert scaled.host_models[0].purchase.amount == pytest.approx(1.1 * cat.host_models[0].purchase.amount)
    assert scaled.host_models[0].power_watts == cat.host_models[0].power_watts


def test_hand_worked_break_even_and_the_winner_flips_either_side(tmp_path):
    # tiny-onprem, one host each: VM 670 = 350 host + 320 hypervisor; containers 350 = 250 + 100 Ubuntu Pro
    # (1,200 a year). Containers stay cheaper unless Ubuntu Pro for the host rises above 4.2 x = 5,040 a year.
    result = run_plan(BOUTIQUE, TINY_ONPREM, OPTS)
    sens = run_sensitivity(result, workers=1, time_limit=5)
    assert sens.winner == "container-density" and sens.base_delta == pytest.approx(320)
    row = next(r for r in sens.rows if r.group.key == "host_os")
    assert row.direction == "up"
    assert row.break_even == pytest.approx(4.2, rel=1e-6)
    assert row.break_even_amount == pytest.approx(5040, rel=1e-6)
    assert row.winner_side < row.break_even < row.flipped_side
    assert dict(row.tornado)[1.25] == pytest.approx(320 - 25)
    text = "\n".join(sens.sentences())
    assert "container-density stays cheaper unless the price of Test Ubuntu Pro (container host)" in text and "5,040" in text
    # the unit says once what one amount buys (it read "USD per host per year per host")
    assert "rises above 5,040 USD per host per year (today 1,200;" in text
    refs = row.group.refs
    assert winner_at(tmp_path, TINY_ONPREM, refs, row.break_even * 0.99) == "container-density"
    assert winner_at(tmp_path, TINY_ONPREM, refs, row.break_even * 1.01) == "vm-per-service"
    hyp = next(r for r in sens.rows if r.group.key == "hypervisor")
    assert hyp.break_even is None  # even a free hypervisor only ties (350 vs 350)
    wb = Workbook()
    write_sensitivity_sheet(wb, sens, "USD")
    assert wb["Sensitivity"]["A4"].value == sens.rows[0].group.label


def test_break_even_with_plan_switches_is_bracketed_by_re_solved_points(tmp_path):
    result = run_plan(BOUTIQUE, AWS, OPTS)
    groups = [g for g in price_groups(result) if g.key == "instances"]
    sens = run_sensitivity(result, groups=groups, workers=1, time_limit=5)
    row = sens.rows[0]
    assert row.break_even is not None
    assert winner_at(tmp_path, AWS, row.group.refs, row.winner_side) == sens.winner
    assert winner_at(tmp_path, AWS, row.group.refs, row.flipped_side) == sens.loser


def test_parallel_runs_give_the_same_answer():
    result = run_plan(BOUTIQUE, TINY_ONPREM, OPTS)
    one = run_sensitivity(result, workers=1, time_limit=5)
    seen = []
    two = run_sensitivity(result, workers=2, time_limit=5, progress=lambda d, n, label: seen.append((d, n)))
    assert one.rows == two.rows
    assert sorted(seen) == [(k, len(one.rows)) for k in range(1, len(one.rows) + 1)]


def test_manifests_are_re_solved_with_the_runs_hpa_replicas(tmp_path):
    # --replicas max: every re-solve plans the HPA's 6 replicas, as the run did, not spec.replicas (1)
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n"
        "      - {name: web, image: web, resources: {requests: {cpu: '2', memory: 4Gi}}}\n---\n"
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 6\n",
        encoding="utf-8")
    result = run_plan(manifest, TINY_ONPREM, PlanOptions(time_limit=5, replicas="max"))
    assert result.fleet.total_replicas == 6
    sens = run_sensitivity(result, workers=1, time_limit=5)
    assert sens.rows
    for row in sens.rows:
        assert row.base_delta == pytest.approx(sens.base_delta)
