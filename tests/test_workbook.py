"""The workbook finance opens: sheets, live formulas on the Prices sheet, showback, text safety, plan data.

Formulas are recalculated with the ``formulas`` package (a Python Excel engine), because
openpyxl writes formulas without cached values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from planner.pipeline import PlanningResult, PlanOptions, run_plan
from planner.report import workbook as wbmod
from planner.report.json_out import result_dict
from planner.report.showback import showback, sum_cents
from planner.report.workbook import CATEGORY_LABELS, read_plan_data, write_workbook
from planner.strategies import CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = PlanOptions(time_limit=5)
CASES = {
    "boutique-aws": ("fleets/online-boutique.csv", "pricing/aws.yaml"),
    "boutique-onprem": ("fleets/online-boutique.csv", "pricing/onprem.yaml"),
    "windows-aws": ("fleets/mixed-windows.csv", "pricing/aws.yaml"),
    "windows-onprem": ("fleets/mixed-windows.csv", "pricing/onprem.yaml"),
}
EVIL = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(1)", "+cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[PlanningResult, Path]]:
    """Plan each shipped case once and write its workbook."""
    out: dict[str, tuple[PlanningResult, Path]] = {}
    folder = tmp_path_factory.mktemp("workbooks")
    for name, (fleet, pricing) in CASES.items():
        if not (ROOT / pricing).exists():
            continue
        result = run_plan(ROOT / fleet, ROOT / pricing, OPTIONS)
        path = folder / f"{name}.xlsx"
        write_workbook(result, path)
        out[name] = (result, path)
    assert out
    return out


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest,
         planned: dict[str, tuple[PlanningResult, Path]]) -> tuple[PlanningResult, Path]:
    if request.param not in planned:
        pytest.skip(f"{CASES[request.param][1]} not shipped")
    return planned[request.param]


def recalc(path: Path, inputs: dict[tuple[str, str], float] | None = None) -> Callable[[str, str], Any]:
    """Recalculate a workbook with the formulas engine; return a cell reader ``(sheet, 'B5') -> value``."""
    formulas = pytest.importorskip("formulas")
    model = formulas.ExcelModel().loads(str(path)).finish()
    book = path.name

    def key(sheet: str, cell: str) -> str:
        return f"'[{book}]{sheet.upper()}'!{cell}"

    sol = model.calculate(inputs={key(s, c): v for (s, c), v in (inputs or {}).items()})

    def read(sheet: str, cell: str) -> Any:
        value = sol[key(sheet, cell)].value[0, 0]
        return value.item() if hasattr(value, "item") else value

    return read


def find_row(ws: Any, col: int, text: str) -> int:
    for row in ws.iter_rows(min_col=col, max_col=col):
        if row[0].value == text:
            return row[0].row
    raise AssertionError(f"{text!r} not found in column {col} of {ws.title}")


def summary_cells(path: Path) -> dict[str, Any]:
    """Return the Summary's key cells: monthly cost per strategy column, category rows, delta cells."""
    ws = load_workbook(path)["Summary"]
    monthly = find_row(ws, 1, "Monthly cost")
    header = monthly - 1
    strategies = {ws.cell(header, c).value: c for c in range(2, ws.max_column + 1) if ws.cell(header, c).value}
    cat_header = find_row(ws, 1, "Category")
    total = find_row(ws, 1, "Total")
    return {"monthly": monthly, "strategies": strategies, "cat_rows": range(cat_header + 1, total),
            "total": total, "ws": ws}


# --- structure ----------------------------------------------------------------------


def test_sheets_and_layout(case: tuple[PlanningResult, Path]) -> None:
    result, path = case
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Services", "Hosts VM", "Placements VM", "Hosts Containers",
                             "Placements Containers", "Prices", "Assumptions", "_plan_data"]
    assert wb["_plan_data"].sheet_state == "hidden"
    assert all(len(name) <= 31 for name in wb.sheetnames)
    summary = wb["Summary"]
    assert summary.sheet_view.showGridLines is False
    assert len(summary._charts) == 1  # noqa: SLF001
    for name in ("Services", "Hosts VM", "Placements VM", "Hosts Containers", "Placements Containers", "Prices"):
        ws = wb[name]
        assert ws.freeze_panes == "B4", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:"), name
        assert ws["A3"].font.bold and ws["A3"].fill.fgColor.rgb.endswith("1F4E78"), name
    for name in ("Hosts VM", "Hosts Containers"):
        assert len(wb[name].conditional_formatting) == 2  # CPU and memory utilisation data bars
    cur = result.catalogue.currency
    money_cells = [c for row in wb["Hosts VM"].iter_rows(min_row=4) for c in row
                   if c.data_type == "f" and c.value.startswith("=Prices!")]
    assert money_cells and all(("$" if cur == "USD" else cur) in c.number_format for c in money_cells)
    # inputs on the Summary
    labels = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, 20)}
    assert labels["Currency"] == cur
    assert labels["Services"] == len(result.fleet.services)
    assert labels["Catalogue file"] == str(result.catalogue_path)
    if result.unverified_prices:
        assert labels["Unverified prices used"].startswith(f"{len(result.unverified_prices)} ")


def test_host_cost_cells_are_formulas_on_prices(case: tuple[PlanningResult, Path]) -> None:
    result, path = case
    wb = load_workbook(path)
    price_rows = {wb["Prices"].cell(r, 1).value: r for r in range(4, wb["Prices"].max_row + 1)}
    assert set(price_rows) >= {u.ref for u in result.prices_used}
    for plan, name in zip(result.plans, ("Hosts VM", "Hosts Containers"), strict=True):
        ws = wb[name]
        head = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
        cats = [c for c in CATEGORIES if CATEGORY_LABELS[c] in head]
        for i, host in enumerate(plan.hosts):
            r = 4 + i
            assert ws.cell(r, 1).value == host.id
            for cat in cats:
                cell = ws.cell(r, head[CATEGORY_LABELS[cat]])
                lines = [ln for ln in host.lines if ln.category == cat]
                if any(ln.monthly for ln in lines):
                    assert cell.data_type == "f" and cell.value.startswith("=Prices!$B$"), (name, r, cat)
                    for ln in lines:
                        if ln.monthly:
                            assert f"Prices!$B${price_rows[ln.ref]}" in cell.value
            assert ws.cell(r, head["Total"]).value.startswith("=SUM(")


# --- recalculated totals --------------------------------------------------------------


def test_recalculated_totals_match_the_plans(case: tuple[PlanningResult, Path]) -> None:
    result, path = case
    data = result_dict(result)
    read = recalc(path)
    cells = summary_cells(path)
    for plan in data["plans"]:
        col = cells["strategies"][plan["strategy"]]
        letter = "ABCDE"[col - 1]
        monthly = read("Summary", f"{letter}{cells['monthly']}")
        # not round(..., 2) on both sides: a total on an exact half cent (mixed-windows on AWS:
        # 2624.715) rounds either way depending on the order floats were summed in
        assert monthly == pytest.approx(plan["total_cost"], abs=1e-6)
        assert read("Summary", f"{letter}{cells['monthly'] + 1}") == pytest.approx(12 * plan["total_cost"], abs=1e-5)
        # the why: categories shown add up to the total and match the breakdown
        ws = cells["ws"]
        for r in cells["cat_rows"]:
            label = ws.cell(r, 1).value
            cat = next(c for c, lab in CATEGORY_LABELS.items() if lab == label)
            assert read("Summary", f"{letter}{r}") == pytest.approx(plan["cost_breakdown"][cat], abs=1e-6)
        shown = {next(c for c, lab in CATEGORY_LABELS.items() if lab == ws.cell(r, 1).value) for r in cells["cat_rows"]}
        assert all(abs(v) < 1e-9 for c, v in plan["cost_breakdown"].items() if c not in shown)
        assert [c for c in CATEGORIES if c in shown] == [
            next(c for c, lab in CATEGORY_LABELS.items() if lab == ws.cell(r, 1).value) for r in cells["cat_rows"]]
        assert read("Summary", f"{letter}{cells['total']}") == pytest.approx(plan["total_cost"], abs=1e-6)
    delta = data["delta"]
    r = find_row(cells["ws"], 1, "Cheaper strategy")
    assert read("Summary", f"B{r}") == delta["cheaper"]
    assert read("Summary", f"B{r + 1}") == pytest.approx(delta["absolute"], abs=1e-6)
    assert read("Summary", f"B{r + 3}") == pytest.approx(delta["percent"] / 100, abs=1e-9)


def test_cheaper_strategy_names_neither_on_a_tie(planned: dict[str, tuple[PlanningResult, Path]]) -> None:
    # It named the alphabetically first strategy "cheaper" when both cost the same (the terminal says neither).
    _, path = planned["boutique-aws"]
    cells = summary_cells(path)
    r = find_row(cells["ws"], 1, "Cheaper strategy")
    monthly = cells["monthly"]
    same = recalc(path, {("Summary", f"B{monthly}"): 100.0, ("Summary", f"C{monthly}"): 100.004})
    assert same("Summary", f"B{r}") == "neither (same cost)"
    first = cells["ws"].cell(monthly - 1, 2).value
    second = cells["ws"].cell(monthly - 1, 3).value
    assert recalc(path, {("Summary", f"B{monthly}"): 100.0, ("Summary", f"C{monthly}"): 100.01})(
        "Summary", f"B{r}") == first
    assert recalc(path, {("Summary", f"B{monthly}"): 100.01, ("Summary", f"C{monthly}"): 100.0})(
        "Summary", f"B{r}") == second


def test_editing_a_price_moves_the_totals_exactly(planned: dict[str, tuple[PlanningResult, Path]]) -> None:
    result, path = planned["boutique-aws"]
    container = next(p for p in result.plans if p.strategy == "container-density")
    ref = next(ln.ref for h in container.hosts for ln in h.lines if ln.ref.startswith("instance_types."))
    prices = load_workbook(path)["Prices"]
    row = find_row(prices, 1, ref)
    amount = prices.cell(row, 2).value
    before = recalc(path)
    after = recalc(path, {("Prices", f"B{row}"): amount * 1.1})
    cells = summary_cells(path)
    moved = {}
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        affected = math.fsum(ln.monthly for ln in [*plan.plan_lines, *(x for h in plan.hosts for x in h.lines)]
                             if ln.ref == ref)
        got = after("Summary", f"{letter}{cells['monthly']}") - before("Summary", f"{letter}{cells['monthly']}")
        assert got == pytest.approx(0.1 * affected, abs=1e-6)
        moved[plan.strategy] = after("Summary", f"{letter}{cells['monthly']}")
    assert moved["container-density"] > container.total_cost
    r = find_row(cells["ws"], 1, "Saving per month")
    assert after("Summary", f"B{r}") == pytest.approx(abs(moved["container-density"] - moved["vm-per-service"]),
                                                      abs=1e-6)


# --- showback ---------------------------------------------------------------------


def test_showback_adds_up_to_each_plan_total(case: tuple[PlanningResult, Path]) -> None:
    result, path = case
    ws = load_workbook(path)["Services"]
    head = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    rows = range(4, 4 + len(result.fleet.services))
    assert [ws.cell(r, 1).value for r in rows] == [s.name for s in result.fleet.services]
    for plan, model in zip(result.plans, result.models, strict=True):
        col = head[plan.strategy]
        values = [ws.cell(r, col).value for r in rows]
        assert sum(round(v * 100) for v in values) == round(plan.total_cost * 100)
        assert sum_cents(showback(plan, model)) == round(plan.total_cost * 100)
    if any(s.team for s in result.fleet.services):
        assert "Team" in head
        r = find_row(ws, 1, "By team") + 1
        team_col = {ws.cell(r, c).value: c for c in range(1, 5)}
        for plan in result.plans:
            rr, total = r + 1, 0
            while ws.cell(rr, 1).value != "Total":
                total += round(ws.cell(rr, team_col[plan.strategy]).value * 100)
                rr += 1
            assert total == round(plan.total_cost * 100)
    read = recalc(path)
    total_row = 4 + len(result.fleet.services)
    for plan in result.plans:
        letter = "ABCDEFGHIJ"[head[plan.strategy] - 1]
        assert round(read("Services", f"{letter}{total_row}"), 2) == round(plan.total_cost, 2)


# --- text safety and plan data ---------------------------------------------------------


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanningResult, Path]:
    folder = tmp_path_factory.mktemp("evil")
    fleet = folder / "evil.csv"
    rows = ["service,cpu,memory,replicas,team"]
    for i, name in enumerate(EVIL):
        quoted = '"' + name.replace('"', '""') + '"'
        rows.append(f"{quoted},250m,256Mi,{1 + i % 2},{quoted}")
    fleet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_plan(fleet, ROOT / "pricing/aws.yaml", OPTIONS)
    path = folder / "evil.xlsx"
    write_workbook(result, path)
    return result, path


def test_injected_formulas_stay_text(evil: tuple[PlanningResult, Path]) -> None:
    _, path = evil
    wb = load_workbook(path)
    services = wb["Services"]
    assert [services.cell(4 + i, 1).value for i in range(len(EVIL))] == EVIL
    for i, name in enumerate(EVIL):
        for col in (1, 2):  # service, team
            cell = services.cell(4 + i, col)
            assert cell.data_type == "s" and cell.value == name
    for sheet in ("Placements VM", "Placements Containers", "Hosts VM", "Hosts Containers"):
        ws = wb[sheet]
        texts = [c for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str)]
        for c in texts:
            if c.data_type == "f":  # only our own formulas: cost lines and sums
                assert c.value.startswith(("=Prices!", "=SUM(", "=0")), (sheet, c.coordinate, c.value)
        placed = [ws.cell(r, 1) for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value in EVIL]
        if sheet.startswith("Placements"):
            assert {c.value for c in placed} == set(EVIL)
            assert all(c.data_type == "s" for c in placed)
    read = recalc(path)  # and the engine sees them as text, not formulas
    assert read("Services", "A4") == EVIL[0]


def test_plan_data_round_trips(case: tuple[PlanningResult, Path]) -> None:
    result, path = case
    expected = json.loads(json.dumps(result_dict(result)))
    assert read_plan_data(path) == expected


def test_plan_data_is_chunked(planned: dict[str, tuple[PlanningResult, Path]], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = planned["boutique-aws"]
    monkeypatch.setattr(wbmod, "CHUNK", 1000)
    path = tmp_path / "chunked.xlsx"
    write_workbook(result, path)
    ws = load_workbook(path)["_plan_data"]
    chunks = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert len(chunks) > 2 and all(len(c) <= 1000 for c in chunks)
    assert all(ws.cell(r, 1).data_type == "s" for r in range(1, ws.max_row + 1))
    assert read_plan_data(path) == json.loads(json.dumps(result_dict(result)))


def test_read_plan_data_rejects_other_workbooks(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    with pytest.raises(ValueError, match="_plan_data"):
        read_plan_data(path)


def test_support_percent_and_pue_are_live_too(tmp_path: Path) -> None:
    """Perpetual licences reference their support figure, energy its PUE: editing either re-prices."""
    import yaml

    cat = yaml.safe_load((ROOT / "tests/data/pricing/tiny-onprem.yaml").read_text(encoding="utf-8"))
    for lic in cat["licences"]:
        if lic["name"] in ("win-standard", "win-datacenter", "win-standard-host"):
            lic["support_percent_per_year"] = {"value": 20, "source": "test"}
    cat["facility"] = {"electricity_per_kwh": {"amount": 0.2, "per": "kwh", "source": "test"},
                       "pue": {"value": 1.5, "source": "test"}}
    pricing = tmp_path / "tiny.yaml"
    pricing.write_text(yaml.safe_dump(cat), encoding="utf-8")
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas,os\nwin-a,2,4Gi,3,windows\nlin-b,1,2Gi,2,linux\n", encoding="utf-8")
    result = run_plan(fleet, pricing, OPTIONS)
    path = tmp_path / "tiny.xlsx"
    write_workbook(result, path)
    wb = load_workbook(path)
    prices = wb["Prices"]
    pue_row = find_row(prices, 1, "facility.pue")
    support_ref = "licences.win-standard.support_percent_per_year"
    formulas_text = " ".join(c.value for name in ("Hosts VM", "Hosts Containers") for row in wb[name].iter_rows()
                             for c in row if c.data_type == "f")
    assert f"Prices!$B${pue_row}" in formulas_text
    cells = summary_cells(path)
    before = recalc(path)
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        assert before("Summary", f"{letter}{cells['monthly']}") == pytest.approx(plan.total_cost, abs=1e-6)
    after = recalc(path, {("Prices", f"B{pue_row}"): 1.65})
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        power = plan.cost_breakdown["power_and_facility"]
        got = after("Summary", f"{letter}{cells['monthly']}") - before("Summary", f"{letter}{cells['monthly']}")
        assert got == pytest.approx(0.1 * power, abs=1e-6)
    lines = [ln for p in result.plans for h in p.hosts for ln in h.lines if ln.ref == "licences.win-standard.price"]
    if lines:  # the plan chose Windows Server Standard somewhere: its support figure is live
        support_row = find_row(prices, 1, support_ref)
        assert f"Prices!$B${support_row}" in formulas_text
        after = recalc(path, {("Prices", f"B{support_row}"): 40})
        for plan in result.plans:
            letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
            # 1,600 per 16 cores: 20 more support points a year is 100 * 0.20 / 12 per core-month
            expected = sum(ln.units * 100 * 0.20 / 12 for h in plan.hosts for ln in h.lines
                           if ln.ref == "licences.win-standard.price")
            got = after("Summary", f"{letter}{cells['monthly']}") - before("Summary", f"{letter}{cells['monthly']}")
            assert got == pytest.approx(expected, abs=1e-6)


def test_commitment_discount_is_live(tmp_path: Path) -> None:
    """Under --commitment the discount on the Prices sheet is in the formulas: editing it re-prices."""
    result = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml",
                      PlanOptions(time_limit=5, commitment="1y"))
    path = tmp_path / "1y.xlsx"
    write_workbook(result, path)
    lines = [ln for p in result.plans for h in p.hosts for ln in h.lines if ln.discount]
    assert lines
    ref = lines[0].discount_ref
    prices = load_workbook(path)["Prices"]
    row = find_row(prices, 1, ref)
    percent = prices.cell(row, 2).value
    assert prices.cell(row, 3).value == "% off the on-demand price"
    assert prices.cell(row, 4).value == "1y commitment, instances"
    cells = summary_cells(path)
    before = recalc(path)
    after = recalc(path, {("Prices", f"B{row}"): percent + 10})
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        assert before("Summary", f"{letter}{cells['monthly']}") == pytest.approx(plan.total_cost, abs=1e-6)
        expected = -0.10 * math.fsum(ln.on_demand_monthly for h in plan.hosts for ln in h.lines
                                     if ln.discount_ref == ref)
        got = after("Summary", f"{letter}{cells['monthly']}") - before("Summary", f"{letter}{cells['monthly']}")
        assert expected < 0 and got == pytest.approx(expected, abs=1e-6)
    hosts = load_workbook(path)["Hosts Containers"]
    fee = find_row(hosts, 1, "Plan-level line")
    assert hosts.cell(fee, 3).value == "Amazon EKS cluster, standard support (1 unit)"


def test_prices_say_what_one_amount_buys(planned: dict[str, tuple[PlanningResult, Path]]) -> None:
    """A licence per core or a colocation price per kW is not shown as a bare 'USD per year' / 'per month'."""
    _, path = planned["windows-onprem"]
    prices = load_workbook(path)["Prices"]
    units = {prices.cell(r, 1).value: prices.cell(r, 3).value for r in range(4, prices.max_row + 1)}
    assert units["licences.vvf.price"] == "USD per physical core per year"
    assert units["licences.openshift.price"] == "USD per 2 physical cores per year"
    assert units["facility.colocation_per_kw"] == "USD per kW per month"
    assert units["host_models.r760-2x16c-512g.purchase"] == "USD per server (one-off purchase)"
    _, path = planned["windows-aws"]
    prices = load_workbook(path)["Prices"]
    units = {prices.cell(r, 1).value: prices.cell(r, 3).value for r in range(4, prices.max_row + 1)}
    assert units["os_pricing.windows.price"] == "USD per vCPU per hour"
    assert units["licences.eks.price"] == "USD per cluster per hour"


def test_spare_hosts_are_labelled(tmp_path: Path) -> None:
    """An empty spare host says so instead of naming a limiting resource it does not have."""
    result = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/onprem.yaml",
                      PlanOptions(time_limit=5, spare_hosts=1))
    path = tmp_path / "spare.xlsx"
    write_workbook(result, path)
    wb = load_workbook(path)
    seen = 0
    for plan in result.plans:
        ws = wb[f"Hosts {'VM' if plan.strategy == 'vm-per-service' else 'Containers'}"]
        head = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
        for i, host in enumerate(plan.hosts):
            limiting = ws.cell(4 + i, head["Limiting resource"]).value
            services = ws.cell(4 + i, head["Services"]).value
            if host.spare:
                seen += 1
                assert limiting == "none (spare)" and services.startswith("spare"), (ws.title, host.id)
            else:
                assert limiting in ("cpu", "memory", "slots") and services
    assert seen == sum(p.spare_hosts for p in result.plans) > 0
    # the first-fit-decreasing figure is the packing's before spares: below the plan's own bound, so say so
    ws = wb["Assumptions"]
    methods = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)
               if str(ws.cell(r, 1).value).endswith(": method")]
    assert len(methods) == 2 and all("first-fit-decreasing cost (before spare hosts)" in m for m in methods)


def test_host_and_replica_counts_read_as_english(case: tuple[PlanningResult, Path]) -> None:
    """Titles count hosts and replicas with the noun's number: '1 host', '12 hosts'."""
    result, path = case
    wb = load_workbook(path)
    for plan in result.plans:
        n = len(plan.hosts)
        hosts = f"{n} host" if n == 1 else f"{n:,} hosts"
        label = "VM" if plan.strategy == "vm-per-service" else "Containers"
        assert wb[f"Hosts {label}"].cell(1, 1).value.startswith(f"Hosts — {plan.strategy}: {hosts}, ")
        assert wb[f"Placements {label}"].cell(1, 1).value.endswith(f" on {hosts}")
        assert " 1 hosts" not in wb[f"Hosts {label}"].cell(1, 1).value


def test_changes_sheet_states_period_and_currency(planned: dict[str, tuple[PlanningResult, Path]],
                                                  tmp_path: Path) -> None:
    """The Changes sheet's amounts are monthly, like every other sheet's, and it says so."""
    from planner.replan import compare_to_baseline, load_baseline

    result, path = planned["boutique-aws"]
    changes = compare_to_baseline(result, load_baseline(path))
    out = tmp_path / "changes.xlsx"
    write_workbook(result, out, changes=changes)
    assert load_workbook(out)["Changes"]["A2"].value.startswith("Monthly costs in USD. Baseline ")


def test_a_gap_left_by_spare_hosts_is_explained_not_called_a_time_limit(tmp_path):
    """With --spare-hosts the packing can be proven optimal and the plan still show a gap: say why."""
    from planner.pipeline import PlanOptions, run_plan

    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas,max_per_host\n" + "".join(f"s{i},1,2Gi,2,1\n" for i in range(6)))
    result = run_plan(fleet, ROOT / "tests/data/pricing/tiny-onprem.yaml", PlanOptions(time_limit=10, spare_hosts=1))
    feasible = [p for p in result.plans if p.status == "feasible"]
    assert feasible, "the spares' bound leaves a gap on this fleet"
    for plan in feasible:
        assert plan.gap_reason.startswith("the packing is proven optimal; the spare hosts are added after it")
    book = tmp_path / "plan.xlsx"
    write_workbook(result, book)
    ws = load_workbook(book)["Summary"]
    rows = {row[0].value: [c.value for c in row[1:3]] for row in ws.iter_rows() if row[0].value}
    assert [p.gap_reason or "-" for p in result.plans] == rows["Why a gap remains"]


def test_the_delta_is_explained_in_words_from_the_cost_categories(tmp_path):
    """Online Boutique on AWS: containers pay the EKS fee (73.00) and save 26.79 on instances."""
    result = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml", PlanOptions(time_limit=10))
    from planner.report.why import delta_explanation

    vm, ct = (next(p for p in result.plans if p.strategy == s) for s in ("vm-per-service", "container-density"))
    fee = ct.cost_breakdown["cluster_fees"] - vm.cost_breakdown["cluster_fees"]
    saved = ct.cost_breakdown["instances"] - vm.cost_breakdown["instances"]
    assert fee == pytest.approx(73.0) and saved < 0
    why = delta_explanation(result)
    assert why == (f"container-density costs USD {ct.total_cost - vm.total_cost:,.2f} more per month: "
                   f"cluster fees +73.00; it spends less on instances {saved:+,.2f}")
    path = tmp_path / "ob.xlsx"
    write_workbook(result, path)
    ws = load_workbook(path)["Summary"]
    row = next(r for r in ws.iter_rows() if r[0].value == "Why, at the run's prices")
    assert row[1].value == why + "."


def _zero_price_catalogue(tmp_path: Path, **changes: Any) -> Path:
    """tiny-onprem with the hosts' support and the Ubuntu Pro licences priced at 0 (placeholders not yet quoted)."""
    import yaml

    cat = yaml.safe_load((ROOT / "tests/data/pricing/tiny-onprem.yaml").read_text(encoding="utf-8"))
    for host in cat["host_models"]:
        host["support"]["amount"] = 0
    for lic in cat["licences"]:
        if lic["name"] in ("ubuntu-pro", "ubuntu-pro-host"):
            lic["price"]["amount"] = 0
    cat.update(changes)
    pricing = tmp_path / "zero.yaml"
    pricing.write_text(yaml.safe_dump(cat), encoding="utf-8")
    return pricing


def test_a_price_of_zero_is_still_a_live_reference(tmp_path: Path) -> None:
    """A 0 in the catalogue is referenced with its multiplier, not written as 0: typing a price over it re-prices."""
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas,os\nwin-a,2,4Gi,3,windows\nlin-b,1,2Gi,2,linux\n", encoding="utf-8")
    result = run_plan(fleet, _zero_price_catalogue(tmp_path), OPTIONS)
    path = tmp_path / "zero.xlsx"
    write_workbook(result, path)
    wb = load_workbook(path)
    prices = wb["Prices"]
    support_rows = {f"host_models.{m}.support": find_row(prices, 1, f"host_models.{m}.support")
                    for m in {h.model for p in result.plans for h in p.hosts}}
    assert all(prices.cell(r, 2).value == 0 for r in support_rows.values())
    ubuntu = "licences.ubuntu-pro-host.price"
    assert any(ln.ref == ubuntu for p in result.plans for h in p.hosts for ln in h.lines)
    ubuntu_row = find_row(prices, 1, ubuntu)
    # every host's support cell is the price cell times the months it is paid for (1 a month), not a literal 0
    for plan in result.plans:
        ws = wb[f"Hosts {'VM' if plan.strategy == 'vm-per-service' else 'Containers'}"]
        col = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}[CATEGORY_LABELS["support_and_rack"]]
        for i, host in enumerate(plan.hosts):
            cell = ws.cell(4 + i, col)
            row = support_rows[f"host_models.{host.model}.support"]
            assert cell.data_type == "f" and cell.value == f"=Prices!$B${row}*1", (ws.title, host.id, cell.value)
    cells = summary_cells(path)
    before = recalc(path)
    new_support = {row: 50.0 + 10 * k for k, row in enumerate(support_rows.values())}
    after = recalc(path, {**{("Prices", f"B{row}"): v for row, v in new_support.items()},
                          ("Prices", f"B{ubuntu_row}"): 1200.0})
    support_label = find_row(cells["ws"], 1, CATEGORY_LABELS["support_and_rack"])
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        monthly = f"{letter}{cells['monthly']}"
        assert before("Summary", monthly) == pytest.approx(plan.total_cost, abs=1e-6)
        support = sum(new_support[support_rows[f"host_models.{h.model}.support"]] for h in plan.hosts)
        ubuntu_cost = sum(ln.units * 1200 / 12 for h in plan.hosts for ln in h.lines if ln.ref == ubuntu)
        assert after("Summary", monthly) - before("Summary", monthly) == pytest.approx(support + ubuntu_cost, abs=1e-6)
        # the category table keeps the row that moved: its total is the plan total again
        assert after("Summary", f"{letter}{support_label}") == pytest.approx(support, abs=1e-6)
        assert after("Summary", f"{letter}{cells['total']}") == pytest.approx(after("Summary", monthly), abs=1e-6)


def test_a_zero_commitment_discount_is_live(tmp_path: Path) -> None:
    """A 0 % commitment discount is still a factor on its Prices row: typing 10 takes 10 % off."""
    import yaml

    cat = yaml.safe_load((ROOT / "tests/data/pricing/tiny-cloud.yaml").read_text(encoding="utf-8"))
    cat["commitments"] = {"1y": [{"applies_to": "instances", "discount_percent": {"value": 0, "source": "test"}}]}
    pricing = tmp_path / "zero-discount.yaml"
    pricing.write_text(yaml.safe_dump(cat), encoding="utf-8")
    result = run_plan(ROOT / "fleets/online-boutique.csv", pricing, PlanOptions(time_limit=5, commitment="1y"))
    path = tmp_path / "zero-discount.xlsx"
    write_workbook(result, path)
    ref = "commitments.1y.0.discount_percent"
    row = find_row(load_workbook(path)["Prices"], 1, ref)
    ws = load_workbook(path)["Hosts Containers"]
    assert f"*(1-Prices!$B${row}/100)" in ws.cell(4, 5).value
    cells = summary_cells(path)
    before = recalc(path)
    after = recalc(path, {("Prices", f"B{row}"): 10.0})
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        instances = math.fsum(ln.on_demand_monthly for h in plan.hosts for ln in h.lines if ln.discount_ref == ref)
        got = after("Summary", f"{letter}{cells['monthly']}") - before("Summary", f"{letter}{cells['monthly']}")
        assert instances > 0 and got == pytest.approx(-0.10 * instances, abs=1e-6)


def test_the_on_demand_equivalent_is_live(tmp_path: Path) -> None:
    """Under --commitment the Summary's on-demand equivalent moves with a price and not with the discount."""
    result = run_plan(ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml",
                      PlanOptions(time_limit=5, commitment="1y"))
    path = tmp_path / "1y.xlsx"
    write_workbook(result, path)
    cells = summary_cells(path)
    ws = cells["ws"]
    r = find_row(ws, 1, "On-demand equivalent (same placement)")
    prices = load_workbook(path)["Prices"]
    container = next(p for p in result.plans if p.strategy == "container-density")
    ref = next(ln.ref for h in container.hosts for ln in h.lines if ln.ref.startswith("instance_types."))
    price_row = find_row(prices, 1, ref)
    discount_row = find_row(prices, 1, container.hosts[0].lines[0].discount_ref)
    before = recalc(path)
    dearer = recalc(path, {("Prices", f"B{price_row}"): prices.cell(price_row, 2).value * 1.1})
    deeper = recalc(path, {("Prices", f"B{discount_row}"): prices.cell(discount_row, 2).value + 10})
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        assert ws[f"{letter}{r}"].data_type == "f"
        assert before("Summary", f"{letter}{r}") == pytest.approx(plan.on_demand_cost, abs=1e-6)
        lines = [*plan.plan_lines, *(x for h in plan.hosts for x in h.lines)]
        affected = math.fsum(ln.on_demand_monthly for ln in lines if ln.ref == ref)
        assert dearer("Summary", f"{letter}{r}") - before("Summary", f"{letter}{r}") == pytest.approx(0.1 * affected,
                                                                                                      abs=1e-6)
        assert deeper("Summary", f"{letter}{r}") == pytest.approx(plan.on_demand_cost, abs=1e-6)


def test_zero_energy_and_perpetual_licence_prices_are_live_with_their_figures(tmp_path: Path) -> None:
    """Energy at 0 per kWh keeps kW x 730 h x PUE; a perpetual licence at 0 keeps units, amortisation and support."""
    import yaml

    cat = yaml.safe_load((ROOT / "tests/data/pricing/tiny-onprem.yaml").read_text(encoding="utf-8"))
    cat["facility"] = {"electricity_per_kwh": {"amount": 0, "per": "kwh", "source": "test"},
                       "pue": {"value": 1.5, "source": "test"}}
    for lic in cat["licences"]:
        if lic["name"] in ("win-standard", "win-standard-host"):
            lic["price"]["amount"] = 0
            lic["support_percent_per_year"] = {"value": 20, "source": "test"}
    pricing = tmp_path / "zero-perpetual.yaml"
    pricing.write_text(yaml.safe_dump(cat), encoding="utf-8")
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas,os\nwin-a,2,4Gi,3,windows\nlin-b,1,2Gi,2,linux\n", encoding="utf-8")
    result = run_plan(fleet, pricing, OPTIONS)
    path = tmp_path / "zero-perpetual.xlsx"
    write_workbook(result, path)
    prices = load_workbook(path)["Prices"]
    energy = find_row(prices, 1, "facility.electricity_per_kwh")
    used = {ln.ref for p in result.plans for h in p.hosts for ln in h.lines}
    licences = {ref: find_row(prices, 1, ref) for ref in ("licences.win-standard.price",
                                                          "licences.win-standard-host.price") if ref in used}
    assert licences, "the free Windows Server Standard is chosen somewhere"
    cells = summary_cells(path)
    before = recalc(path)
    after = recalc(path, {("Prices", f"B{energy}"): 0.2, **{("Prices", f"B{r}"): 1600.0 for r in licences.values()}})
    watts = {m["name"]: m["power_watts"] for m in cat["host_models"]}
    for plan in result.plans:
        letter = "ABCDE"[cells["strategies"][plan.strategy] - 1]
        monthly = f"{letter}{cells['monthly']}"
        assert before("Summary", monthly) == pytest.approx(plan.total_cost, abs=1e-6)
        power = sum(watts[h.model] / 1000 * 730 * 0.2 * 1.5 for h in plan.hosts)
        # 1,600 per 16 cores over 50 months, plus 20 % of it a year in support
        licence = sum(ln.units * (100 / 50 + 100 * 0.20 / 12)
                      for h in plan.hosts for ln in h.lines if ln.ref in licences)
        assert after("Summary", monthly) - before("Summary", monthly) == pytest.approx(power + licence, abs=1e-6)


def test_every_cost_line_is_its_price_times_its_own_multiplier(case: tuple[PlanningResult, Path]) -> None:
    """The formula's multiplier is set where a line is priced, so it holds at any amount (0 too)."""
    from planner.catalogue.schema import Price
    from planner.price_refs import resolve

    result, _ = case
    for plan in result.plans:
        for ln in [*plan.plan_lines, *(x for h in plan.hosts for x in h.lines)]:
            price = resolve(result.catalogue, ln.ref)
            assert isinstance(price, Price) and ln.per_amount is not None, ln
            assert price.amount * ln.per_amount == pytest.approx(ln.on_demand_monthly, rel=1e-12, abs=1e-12), ln


def test_a_text_longer_than_a_cell_holds_is_cut_saying_so() -> None:
    """Excel cells hold 32,767 characters: a note of 40,000 (a fleet with thousands of unknown columns)
    was cut mid-name without a word."""
    from openpyxl import Workbook

    from planner.report.workbook_style import MAX_CELL_CHARS, put

    cell = put(Workbook().active, 1, 1, "unknown columns: " + "c" * 40_000)
    assert len(cell.value) == MAX_CELL_CHARS and cell.value.startswith("unknown columns: ccc")
    assert cell.value.endswith("(cut: a cell holds at most 32,767 characters; the terminal and --json notes have it all)")
