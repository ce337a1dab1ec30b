"""End to end: the `plan` command on shipped fleets and catalogues, and on broken inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from tests.builders import write_tie_case

ROOT = Path(__file__).resolve().parent.parent
FLEETS = sorted((ROOT / "fleets").glob("*.csv"))
CATALOGUES = sorted((ROOT / "pricing").glob("*.yaml"))
runner = CliRunner()

CONTRACT_PLAN_KEYS = {"strategy", "status", "total_cost", "lower_bound", "solve_seconds", "cost_breakdown",
                      "host_types", "hosts", "placements"}


def plan(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fleet", FLEETS, ids=lambda p: p.stem)
def test_every_shipped_fleet_plans_on_every_catalogue(fleet: Path, catalogue: Path, tmp_path: Path):
    out = tmp_path / "out"
    js = tmp_path / "plan.json"
    result = plan(fleet, "--pricing", catalogue, "--out", out, "--json", js, "--time-limit", "5", "--quiet")
    assert result.exit_code == 0, result.output
    books = list(out.glob("*.xlsx"))
    assert len(books) == 1 and books[0].name.startswith(f"{fleet.stem}__{catalogue.stem}__")
    data = json.loads(js.read_text())
    assert data["currency"] and data["period"] == "month"
    assert {p["strategy"] for p in data["plans"]} == {"vm-per-service", "container-density"}
    replicas = data["fleet"]["replicas"]
    for p in data["plans"]:
        assert CONTRACT_PLAN_KEYS <= set(p)
        assert p["status"] in ("optimal", "feasible")
        assert sum(p["cost_breakdown"].values()) == pytest.approx(p["total_cost"])
        assert p["lower_bound"] <= p["total_cost"] + 1e-6
        assert len(p["placements"]) == replicas
        assert sum(h["cost"] for h in p["hosts"]) <= p["total_cost"] + 1e-6
        for t in p["host_types"]:
            assert {"name", "allocatable_vcpu", "allocatable_memory_gib", "cost_per_month"} <= set(t)
        for h in p["hosts"]:
            assert {"id", "type", "vcpu", "memory_gib", "cost"} <= set(h)
        for x in p["placements"]:
            assert {"service", "replica", "host", "vcpu", "memory_gib"} <= set(x)
    costs = {p["strategy"]: p["total_cost"] for p in data["plans"]}
    delta = data["delta"]
    assert delta["cheaper"] == min(costs, key=costs.get)
    assert delta["absolute"] == pytest.approx(abs(costs["vm-per-service"] - costs["container-density"]))
    assert delta["percent"] == pytest.approx(100 * delta["absolute"] / max(costs.values()))


def test_same_inputs_give_the_same_plan(tmp_path: Path):
    fleet, cat = ROOT / "fleets/mixed-windows.csv", ROOT / "pricing/onprem.yaml"
    runs = []
    for i in range(2):
        js = tmp_path / f"{i}.json"
        assert plan(fleet, "-p", cat, "--out", tmp_path / f"{i}.xlsx", "--json", js, "--quiet").exit_code == 0
        data = json.loads(js.read_text())
        runs.append([(p["strategy"], [(x["service"], x["replica"], x["host"]) for x in p["placements"]])
                     for p in data["plans"]])
    assert runs[0] == runs[1]


def test_existing_workbook_is_not_overwritten_without_force(tmp_path: Path):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"precious")
    args = [ROOT / "fleets/online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out", target, "--quiet"]
    result = plan(*args)
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_bytes() == b"precious"
    assert plan(*args, "--force").exit_code == 0
    assert target.read_bytes()[:2] == b"PK"


BAD_FLEETS = {
    "missing-column.csv": ("service,cpu,replicas\na,1,1\n", "memory"),
    "bare-memory.csv": ("service,cpu,memory,replicas\na,1,512,1\n", "512"),
    "zero-replicas.csv": ("service,cpu,memory,replicas\na,1,1Gi,0\n", "replicas"),
    "duplicate.csv": ("service,cpu,memory,replicas\na,1,1Gi,1\na,1,1Gi,1\n", "a"),
    "empty.csv": ("", "empty"),
}


@pytest.mark.parametrize("name", sorted(BAD_FLEETS))
def test_bad_fleet_exits_2_names_the_culprit_and_writes_nothing(name: str, tmp_path: Path):
    text, culprit = BAD_FLEETS[name]
    fleet = tmp_path / name
    fleet.write_text(text)
    out = tmp_path / "out"
    result = plan(fleet, "-p", ROOT / "pricing/aws.yaml", "--out", out, "--json", tmp_path / "p.json", "--quiet")
    assert result.exit_code == 2, result.output
    assert name in result.output and culprit in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "p.json").exists()


def test_missing_files_and_bad_catalogue_exit_2(tmp_path: Path):
    result = plan(tmp_path / "nope.csv", "-p", tmp_path / "nope.yaml", "--out", tmp_path, "--quiet")
    assert result.exit_code == 2
    assert "nope.csv" in result.output and "nope.yaml" in result.output
    cat = tmp_path / "bad.yaml"
    cat.write_text((ROOT / "pricing/aws.yaml").read_text().replace("vcpu: 2, memory_gib: 0.5,", "vcpu: 2, memroy_gib: 0.5,", 1))
    result = plan(ROOT / "fleets/online-boutique.csv", "-p", cat, "--out", tmp_path, "--quiet")
    assert result.exit_code == 2
    assert "memroy_gib" in result.output and "memory_gib" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_service_too_big_for_any_host_exits_2_listing_all(tmp_path: Path):
    fleet = tmp_path / "big.csv"
    fleet.write_text("service,cpu,memory,replicas\nmonster,4000,1Gi,1\nwhale,1,100Ti,1\nok,1,1Gi,1\n")
    result = plan(fleet, "-p", ROOT / "pricing/aws.yaml", "--out", tmp_path, "--quiet")
    assert result.exit_code == 2
    assert "monster" in result.output and "whale" in result.output
    assert "largest allocatable host" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_tie_is_not_reported_as_one_strategy_cheaper_by_zero(tmp_path: Path):
    """One host model and no licences: both strategies need the same 3 hosts. The summary said
    "container-density is cheaper by GBP 0.00 per month (0.0 %, ...)"."""
    fleet, catalogue = write_tie_case(tmp_path)
    result = plan(fleet, "-p", catalogue, "--out", tmp_path / "x.xlsx", "--time-limit", "5",
                  "--json", tmp_path / "x.json")
    assert result.exit_code == 0, result.output
    assert "cheaper by" not in result.output, result.output
    assert ("neither strategy is cheaper: vm-per-service and container-density cost GBP 435.00 per month each"
            in " ".join(result.output.split())), result.output
    delta = json.loads((tmp_path / "x.json").read_text())["delta"]
    assert delta["tie"] is True and delta["absolute"] == 0.0  # "cheaper" keeps the contract's values
    assert delta["cheaper"] in ("vm-per-service", "container-density")


def test_text_that_looks_like_terminal_markup_is_printed_as_written(tmp_path: Path):
    """Names went through rich markup: '[/]' crashed the run (after the workbook was written), '[bold]' vanished."""
    fleet = tmp_path / "f.csv"
    fleet.write_text("service,cpu,memory,replicas,[/x]\n[bold]web,500m,1Gi,2,\na[/],100m,100Mi,1,\n")
    catalogue = tmp_path / "c.yaml"
    catalogue.write_text((ROOT / "tests/data/pricing/tiny-cloud.yaml").read_text()
                         .replace("name: ", "name: Tiny [red]cloud[/] ", 1))
    out = tmp_path / "x[/b].xlsx"
    result = plan(fleet, "-p", catalogue, "--out", out, "--time-limit", "5")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "priced with Tiny [red]cloud[/]" in text and "[/x]" in text and f"wrote {out}" in text, text
    duplicate = tmp_path / "d.csv"
    duplicate.write_text("service,cpu,memory,replicas\na[/],1,1Gi,1\na[/],1,1Gi,1\n")
    result = plan(duplicate, "-p", catalogue, "--out", tmp_path / "d.xlsx", "--time-limit", "5")
    assert result.exit_code == 2 and "'a[/]' already used in row 2" in result.output, result.output


def test_paths_the_system_cannot_open_are_errors_not_tracebacks(tmp_path: Path):
    """A name longer than the file system takes, and a symbolic link that loops, raised OSError or
    RuntimeError from Path checks: a traceback and exit 1."""
    long = tmp_path / ("q" * 300 + ".csv")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    fleet, catalogue = ROOT / "fleets/sock-shop.csv", ROOT / "pricing/aws.yaml"
    for args in ([long, "-p", catalogue], [loop, "-p", catalogue], [fleet, "-p", loop],
                 [fleet, "-p", catalogue, "--out", tmp_path / ("q" * 300 + ".xlsx")],
                 [fleet, "-p", catalogue, "--out", tmp_path / "x.xlsx", "--json", loop],
                 ["convert", long, "--to", tmp_path / "c.csv"], ["convert", loop, "--to", tmp_path / "c.csv"]):
        if args[0] == "convert":
            from planner.cli import convert_app

            result = runner.invoke(convert_app, [str(a) for a in args[1:]])
        else:
            result = plan(*args, "--time-limit", "5")
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "expected a file path this system can open" in result.output, \
            result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop.csv"]  # nothing written


def test_convert_to_dash_writes_the_csv_to_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """--to - wrote a file named '-'."""
    from planner.cli import convert_app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(convert_app, [str(ROOT / "tests/data/kube/daemonsets.yaml"), "--to", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("service,team,os,arch,cpu,memory,replicas,max_per_host\n"), result.stdout
    assert "wrote the CSV to standard output" in result.stderr and not (tmp_path / "-").exists()
    empty = runner.invoke(convert_app, [str(ROOT / "tests/data/kube/daemonsets.yaml"), "--to", "x.csv",
                                        "--team-label", ""])
    assert empty.exit_code == 2 and "--team-label '': an empty label name" in empty.output, empty.output


def test_a_growth_fraction_without_its_percent_sign_is_refused(tmp_path: Path):
    """--growth 0.3 planned 0.3 % growth, where the user may mean 30 %; 30 and 30% both mean 30 %."""
    from planner.cli import parse_growth_option

    assert parse_growth_option("30") == parse_growth_option("30%") == pytest.approx(0.3)
    assert parse_growth_option("0") == parse_growth_option("0.3%") * 0 == 0.0
    result = plan(ROOT / "fleets/sock-shop.csv", "-p", ROOT / "pricing/aws.yaml", "--growth", "0.3",
                  "--out", tmp_path / "x.xlsx")
    assert result.exit_code == 2, result.output
    assert ("--growth '0.3': a fraction without a % sign; expected a percentage such as 30% (for 30 %) or 0.3% "
            "(for 0.3 %)") in " ".join(result.output.split()), result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_one_service_and_one_replica_are_counted_in_the_singular(tmp_path: Path):
    """The summary and convert said '1 services, 1 replicas'."""
    fleet = tmp_path / "one.csv"
    fleet.write_text("service,cpu,memory,replicas\nweb,500m,1Gi,1\n")
    result = plan(fleet, "-p", ROOT / "pricing/aws.yaml", "--out", tmp_path / "x.xlsx", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert "one: 1 service, 1 replica - priced with" in result.output, result.output
    from planner.cli import convert_app

    manifest = tmp_path / "web.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
                        "  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"
                        "        resources: {requests: {cpu: 500m, memory: 1Gi}}\n")
    converted = runner.invoke(convert_app, [str(manifest), "--to", str(tmp_path / "web.csv")])
    assert converted.exit_code == 0 and ": 1 service, 1 replica" in " ".join(converted.output.split()), converted.output


def test_bad_options_exit_2(tmp_path: Path):
    args = [ROOT / "fleets/online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out", tmp_path, "--quiet"]
    assert plan(*args, "--solver", "gurobi").exit_code == 2
    assert plan(*args, "--gap", "lots").exit_code == 2


@pytest.mark.parametrize("target", ["fleet", "catalogue", "baseline"])
def test_outputs_never_overwrite_an_input_even_with_force(target: str, tmp_path: Path):
    """--json (or --out) naming an input file is refused before any work; the input is untouched."""
    fleet, catalogue = tmp_path / "f.csv", tmp_path / "aws.yaml"
    fleet.write_text((ROOT / "fleets/online-boutique.csv").read_text())
    catalogue.write_text((ROOT / "pricing/aws.yaml").read_text())
    base = tmp_path / "base.json"
    assert plan(fleet, "-p", catalogue, "--out", tmp_path / "b.xlsx", "--json", base, "--quiet",
                "--time-limit", "5").exit_code == 0
    victim = {"fleet": fleet, "catalogue": catalogue, "baseline": tmp_path / "b.xlsx"}[target]
    before = victim.read_bytes()
    option = "--out" if target == "baseline" else "--json"
    extra = ["--baseline", victim] if target == "baseline" else ["--out", tmp_path / "o.xlsx"]
    result = plan(fleet, "-p", catalogue, *extra, option, victim, "--force", "--quiet")
    assert result.exit_code == 2, result.output
    assert "planner never overwrites its inputs" in result.output and str(victim) in result.output
    assert victim.read_bytes() == before
    assert not (tmp_path / "o.xlsx").exists()


def test_convert_never_overwrites_its_manifests(tmp_path: Path):
    manifests = tmp_path / "m.yaml"
    manifests.write_text((ROOT / "tests/data/kube/online-boutique.yaml").read_text())
    from planner.cli import convert_app

    result = runner.invoke(convert_app, [str(manifests), "--to", str(manifests), "--force"])
    assert result.exit_code == 2
    assert "the Kubernetes manifests this run reads" in result.output
    assert manifests.read_text() == (ROOT / "tests/data/kube/online-boutique.yaml").read_text()


def test_console_script_prints_no_traceback(tmp_path: Path):
    """The real entry point, as a user runs it."""
    fleet = tmp_path / "f.csv"
    fleet.write_text("service,cpu,memory,replicas\na,-1,1Gi,1\n")
    proc = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", str(fleet),
                           "--pricing", str(ROOT / "pricing/aws.yaml"), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "f.csv" in proc.stderr and "cpu" in proc.stderr


def test_plan_from_kubernetes_manifests_and_convert(tmp_path: Path):
    manifests = ROOT / "tests/data/kube/online-boutique.yaml"
    js = tmp_path / "k.json"
    result = plan(manifests, "-p", ROOT / "pricing/aws.yaml", "--out", tmp_path, "--json", js, "--quiet")
    assert result.exit_code == 0, result.output
    from_manifests = json.loads(js.read_text())
    csv_js = tmp_path / "c.json"
    assert plan(ROOT / "fleets/online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out", tmp_path / "c.xlsx",
                "--json", csv_js, "--quiet").exit_code == 0
    from_csv = json.loads(csv_js.read_text())
    assert [p["total_cost"] for p in from_manifests["plans"]] == pytest.approx([p["total_cost"] for p in from_csv["plans"]])

    out_csv = tmp_path / "fleet.csv"
    proc = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "convert", str(manifests),
                           "--to", str(out_csv)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    from planner.fleet import load_fleet
    converted = {(s.name, s.vcpu, s.memory_gib, s.replicas) for s in load_fleet(out_csv).services}
    shipped = {(s.name, s.vcpu, s.memory_gib, s.replicas) for s in load_fleet(ROOT / "fleets/online-boutique.csv").services}
    assert converted == shipped
    bad = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "convert",
                          str(tmp_path / "none.yaml"), "--to", str(tmp_path / "x.csv")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and not (tmp_path / "x.csv").exists()


def test_replan_options_add_their_sheets(tmp_path: Path):
    import openpyxl

    fleet, aws, onprem = ROOT / "fleets/online-boutique.csv", ROOT / "pricing/aws.yaml", ROOT / "pricing/onprem.yaml"
    base = tmp_path / "base.xlsx"
    assert plan(fleet, "-p", aws, "--out", base, "--quiet", "--time-limit", "5").exit_code == 0
    dearer = tmp_path / "aws-dearer.yaml"
    dearer.write_text(aws.read_text().replace("amount: 0.10, per: hour, source: eks-pricing",
                                              "amount: 0.20, per: hour, source: eks-pricing"))
    new = tmp_path / "new.xlsx"
    result = plan(fleet, "-p", dearer, "--baseline", base, "--max-moves", "0", "--out", new, "--quiet",
                  "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert "price effect +73.00" in result.output.replace("\n", " ").replace("  ", " ")
    assert "Changes" in openpyxl.load_workbook(new).sheetnames

    both = tmp_path / "both.xlsx"
    result = plan(fleet, "-p", aws, "-p", onprem, "--sensitivity", "--out", both, "--quiet", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(both).sheetnames
    assert "Scenarios" in names and "Sensitivity" in names
    assert "cheapest:" in result.output

    assert plan(fleet, "-p", aws, "--max-moves", "3", "--out", tmp_path / "x.xlsx", "--quiet").exit_code == 2
    bad = plan(fleet, "-p", aws, "--baseline", tmp_path / "missing.xlsx", "--out", tmp_path / "y.xlsx", "--quiet")
    assert bad.exit_code == 2 and "missing.xlsx" in bad.output
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "y.xlsx").exists()


def test_json_dash_writes_the_plans_to_stdout_and_the_summary_to_stderr(tmp_path: Path):
    """`--json -` pipes: stdout is the JSON alone (the file --json would write), the summary goes to stderr."""
    fleet = ROOT / "fleets" / "online-boutique.csv"
    args = [sys.executable, "-c", "from planner.cli import main; main()", str(fleet),
            "--pricing", str(ROOT / "pricing/aws.yaml"), "--time-limit", "5", "--quiet"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(args + ["--out", str(tmp_path / "a.xlsx"), "--json", "-"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    piped = json.loads(proc.stdout)
    assert "cheaper" in proc.stderr and not (tmp_path / "-").exists()
    assert (tmp_path / "a.xlsx").exists()
    proc = subprocess.run(args + ["--out", str(tmp_path / "b.xlsx"), "--json", str(tmp_path / "b.json")],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    written = json.loads((tmp_path / "b.json").read_text())
    assert [p["total_cost"] for p in piped["plans"]] == [p["total_cost"] for p in written["plans"]]
    assert piped.keys() == written.keys()


def test_out_dash_is_refused(tmp_path: Path):
    result = plan(ROOT / "fleets" / "online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out", "-", "--quiet")
    assert result.exit_code == 2
    assert "--out -" in result.output and "standard output" in result.output
    assert not (Path("-")).exists()


@pytest.mark.parametrize("out", ["", "  "])
def test_empty_out_is_refused_not_taken_as_the_current_folder(out: str, tmp_path: Path, monkeypatch):
    """`--out "$DIR"` with DIR unset wrote the workbook into the current folder (Path("") is ".")."""
    monkeypatch.chdir(tmp_path)
    result = plan(ROOT / "fleets" / "online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out", out, "--quiet")
    assert result.exit_code == 2
    assert f"--out {out!r}: an empty path; expected a folder or a path ending in .xlsx" in result.output
    assert not list(tmp_path.rglob("*.xlsx"))


def test_json_naming_a_folder_names_the_option(tmp_path: Path):
    result = plan(ROOT / "fleets" / "online-boutique.csv", "-p", ROOT / "pricing/aws.yaml", "--out",
                  tmp_path / "a.xlsx", "--json", tmp_path, "--quiet")
    assert result.exit_code == 2
    assert f"--json {tmp_path}: is a folder; expected a file path" in result.output
    assert not list(tmp_path.rglob("*.xlsx"))


def test_help_lists_the_convert_sub_command_version_and_manifest_input():
    result = plan("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "plan convert MANIFESTS --to FLEET.csv" in text and "plan --version" in text
    assert "Kubernetes manifests" in text


def test_a_single_value_option_given_twice_is_refused(tmp_path: Path):
    """Click would keep the last --baseline (or --to) and drop the other without a word."""
    entry = [sys.executable, "-c", "from planner.cli import main; main()"]
    proc = subprocess.run(entry + [str(ROOT / "fleets/online-boutique.csv"), "-p", str(ROOT / "pricing/aws.yaml"),
                                   "--baseline", "old.json", "--out", str(tmp_path / "w.xlsx"),
                                   "--baseline=new.xlsx"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--baseline given 2 times ('old.json', 'new.xlsx'): give it once" in " ".join(proc.stderr.split())
    assert not (tmp_path / "w.xlsx").exists()
    proc = subprocess.run(entry + ["convert", str(ROOT / "tests/data/kube/online-boutique.yaml"),
                                   "--to", str(tmp_path / "a.csv"), "--to", str(tmp_path / "b.csv")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "--to given 2 times" in proc.stderr
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_repeated_option_reads_values_as_values():
    """A value that looks like an option is the value; after -- nothing is an option; -p may repeat."""
    from planner.cli import PLAN_SINGLE_VALUE_OPTIONS, repeated_option

    assert repeated_option(["f.csv", "--out", "--json", "--json", "x.json"], PLAN_SINGLE_VALUE_OPTIONS) is None
    assert repeated_option(["f.csv", "-p", "a.yaml", "-p", "b.yaml", "--fx", "EUR=1.1", "--fx", "GBP=1.3"],
                           PLAN_SINGLE_VALUE_OPTIONS) is None
    assert repeated_option(["--gap", "1", "--", "--gap"], PLAN_SINGLE_VALUE_OPTIONS) is None
    assert repeated_option(["--gap", "1", "--gap=2"], PLAN_SINGLE_VALUE_OPTIONS).startswith("--gap given 2 times")
