"""Several catalogues in one run: every strategy on every catalogue, one currency."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from planner.catalogue import load_catalogue
from planner.errors import PlannerError
from planner.pipeline import PlanOptions, run_plan
from planner.report.replan_sheets import write_scenarios_sheet
from planner.scenarios import parse_fx, run_scenarios
from planner.sensitivity import catalogue_yaml

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "fleets/online-boutique.csv"
TINY_CLOUD = ROOT / "tests/data/pricing/tiny-cloud.yaml"
TINY_ONPREM = ROOT / "tests/data/pricing/tiny-onprem.yaml"
OPTS = PlanOptions(time_limit=10)


def test_every_strategy_on_every_catalogue_in_parallel():
    first = run_plan(BOUTIQUE, TINY_CLOUD, OPTS)
    seen = []
    sc = run_scenarios(BOUTIQUE, [TINY_CLOUD, TINY_ONPREM, ROOT / "pricing/aws.yaml"], OPTS, first=first,
                       progress=lambda d, n, label: seen.append(d))
    assert [s.catalogue_path for s in sc.scenarios] == [str(TINY_CLOUD), str(TINY_ONPREM), str(ROOT / "pricing/aws.yaml")]
    onprem = run_plan(BOUTIQUE, TINY_ONPREM, OPTS)
    assert sc.scenarios[1].total("vm-per-service") == pytest.approx(onprem.plans[0].total_cost)
    assert sc.cheapest[2] == min(p.total for s in sc.scenarios for p in s.plans)
    assert sorted(seen) == [2, 3]
    wb = Workbook()
    ws = write_scenarios_sheet(wb, sc, "USD")
    assert ws["A4"].value == first.catalogue.name


def test_other_currencies_need_a_rate(tmp_path):
    eur = tmp_path / "eur.yaml"
    eur.write_text(catalogue_yaml(load_catalogue(TINY_ONPREM).model_copy(update={"currency": "EUR"})))
    with pytest.raises(PlannerError, match="different currencies.*--fx EUR="):
        run_scenarios(BOUTIQUE, [TINY_CLOUD, eur], OPTS, workers=1)
    sc = run_scenarios(BOUTIQUE, [TINY_CLOUD, eur], OPTS, fx=parse_fx(["EUR=1.5"]), workers=1)
    assert sc.currency == "USD"
    assert sc.scenarios[1].total("container-density") == pytest.approx(1.5 * 350)
    assert sc.scenarios[1].plans[1].native_total == pytest.approx(350)
    assert any("EUR" in n for n in sc.notes)
    with pytest.raises(PlannerError, match="--fx"):
        parse_fx(["EUR:1.5"])


def test_a_rate_no_catalogue_uses_is_refused(tmp_path):
    """--fx USD=2 (the report currency) or a rate with nothing to convert would be silently ignored."""
    from planner.scenarios import check_currencies

    eur = tmp_path / "eur.yaml"
    eur.write_text(catalogue_yaml(load_catalogue(TINY_ONPREM).model_copy(update={"currency": "EUR"})))
    with pytest.raises(PlannerError, match="report currency"):
        check_currencies([TINY_CLOUD, eur], {"EUR": 1.1, "USD": 2.0})
    with pytest.raises(PlannerError, match="GBP"):
        check_currencies([TINY_CLOUD, eur], {"EUR": 1.1, "GBP": 1.3})
    assert check_currencies([TINY_CLOUD, eur], {"EUR": 1.1})[eur] == ("EUR", 1.1)


def test_a_commitment_term_a_later_catalogue_lacks_is_refused_before_solving(tmp_path):
    from planner.scenarios import check_currencies
    from tests.builders import cloud_catalogue

    committed = tmp_path / "committed.yaml"
    committed.write_text(catalogue_yaml(cloud_catalogue(commitments={"1y": [
        {"applies_to": "instances", "discount_percent": {"value": 30, "source": "s"}}]})))
    assert check_currencies([committed], {}, "1y")[committed] == ("USD", 1.0)
    with pytest.raises(PlannerError, match=r"has no commitments\.1y"):
        check_currencies([committed, TINY_ONPREM], {}, "1y")


def test_catalogues_with_one_name_are_told_apart_by_their_file():
    from planner.scenarios import Scenario, ScenarioPlan, Scenarios

    def row(path: str, name: str, total: float) -> Scenario:
        return Scenario(path, name, "2026-07-20", "USD", 1.0,
                        (ScenarioPlan("container-density", total, total, 1, "optimal", 0.0),), 0)

    both = Scenarios("USD", (row("pricing/aws.yaml", "AWS", 10.0), row("quotes/aws.yaml", "AWS", 9.0),
                             row("pricing/onprem.yaml", "On-prem", 11.0)), ("container-density",))
    lines = both.lines()
    assert "  AWS (pricing/aws.yaml): container-density 10.00" in lines
    assert "  AWS (quotes/aws.yaml): container-density 9.00" in lines
    assert both.label(both.scenarios[2]) == "On-prem"
    assert both.cheapest == ("AWS (quotes/aws.yaml)", "container-density", 9.0)


def test_the_suggested_rate_names_the_currency_that_lacks_one(tmp_path):
    """A later catalogue in the report currency must not turn the hint into '--fx USD=1.08 (one USD in USD)'."""
    from planner.scenarios import check_currencies

    eur = tmp_path / "eur.yaml"
    eur.write_text(catalogue_yaml(load_catalogue(TINY_ONPREM).model_copy(update={"currency": "EUR"})))
    with pytest.raises(PlannerError, match=r"--fx EUR=1\.08 \(one EUR in USD\)"):
        check_currencies([TINY_CLOUD, eur, TINY_ONPREM], {})


@pytest.mark.parametrize("text", ["EUR=" + "9" * 400, "EUR=0", "EUR=0." + "0" * 400 + "1"])
def test_a_rate_that_is_not_a_finite_positive_number_is_refused(text):
    with pytest.raises(PlannerError, match="--fx"):
        parse_fx([text])


def test_a_service_no_host_of_a_later_catalogue_fits_stops_the_run_before_any_solve(tmp_path, monkeypatch):
    # it was found only after the first catalogue's strategies had been solved (minutes on a large fleet)
    from typer.testing import CliRunner

    import planner.cli
    from planner.cli import app

    fleet = tmp_path / "fleet.csv"
    fleet.write_text("service,cpu,memory,replicas\nbig,12,8Gi,1\nsmall,1,1Gi,2\n")  # 12 vCPU: no tiny-cloud host
    solved = []
    monkeypatch.setattr(planner.cli, "_run", lambda *a, **k: solved.append(a) or pytest.fail("solved"))
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(app, [str(fleet), "-p", str(ROOT / "pricing/aws.yaml"), "-p", str(TINY_CLOUD),
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 2 and not solved and not out.exists()
    assert "big (row 2) needs 12 vCPU" in result.output and str(TINY_CLOUD) in result.output


def test_the_scenarios_as_of_column_holds_dates(tmp_path):
    """A catalogue's as-of date is an Excel date (sortable, filterable); anything else stays as written."""
    import datetime as dt

    from openpyxl import load_workbook

    from planner.scenarios import Scenario, ScenarioPlan, Scenarios

    def row(path: str, as_of: str) -> Scenario:
        return Scenario(path, path, as_of, "USD", 1.0,
                        (ScenarioPlan("container-density", 10.0, 10.0, 1, "optimal", 0.0),), 0)

    texts = ["2026-07-20", "2026-07", "20260720", "2026-02-30", "July 2026"]
    sc = Scenarios("USD", tuple(row(f"c{i}.yaml", t) for i, t in enumerate(texts)), ("container-density",))
    wb = Workbook()
    write_scenarios_sheet(wb, sc, "USD")
    wb.save(tmp_path / "scenarios.xlsx")
    ws = load_workbook(tmp_path / "scenarios.xlsx")["Scenarios"]
    assert ws["B3"].value == "as of"
    cell = ws["B4"]
    assert cell.is_date and cell.value == dt.datetime(2026, 7, 20) and cell.number_format == "yyyy-mm-dd"
    for r, text in enumerate(texts[1:], 5):
        assert ws.cell(r, 2).value == text and ws.cell(r, 2).data_type == "s"


def test_an_fx_rate_no_currency_pair_has_is_refused():
    """10**21 (or 0.000000000001) is a slip, not a rate; real extremes (a dong in dinar, a dinar in dong) are taken."""
    with pytest.raises(PlannerError, match=r"--fx 'EUR=1000000000000000000000': a rate of 1e\+21 is no exchange rate"):
        parse_fx(["EUR=1000000000000000000000"])
    with pytest.raises(PlannerError, match="expected one from 1e-09 to 1e\\+09"):
        parse_fx(["EUR=0.000000000001"])
    assert parse_fx(["KWD=0.0000123", "VND=81000"]) == {"KWD": 0.0000123, "VND": 81000.0}
