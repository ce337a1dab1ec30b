"""Hostile and absurd inputs: each ends in a clear InputError/BaselineError (exit 2), never a traceback.

Covers: whole numbers too large for the engine, memory exponents out of Decimal's range,
realistic CPU/memory bounds and values that round to zero, non-ASCII digits, recursive or
deeply nested manifests, a baseline that contradicts itself, and three small message fixes
(a CSV given to convert, the document number of a tag error, nanocore CPU quantities).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app, convert_app
from planner.errors import InputError, PlannerError
from planner.fleet import MAX_REPLICAS, load_fleet
from planner.kube import MAX_LIST_DEPTH, load_kubernetes_fleet
from planner.replan import BaselineError, load_baseline

ROOT = Path(__file__).resolve().parents[1]
AWS = ROOT / "pricing" / "aws.yaml"
runner = CliRunner()
HUGE = "99999999999999999999"


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fleet_problems(tmp_path: Path, rows: str, header: str = "service,cpu,memory,replicas") -> list[str]:
    path = write(tmp_path, f"{header}\n{rows}\n", "fleet.csv")
    with pytest.raises(InputError) as info:
        load_fleet(path)
    return info.value.problems


def kube_problems(tmp_path: Path, text: str, name: str = "m.yaml", **kw: object) -> list[str]:
    path = write(tmp_path, text, name)
    with pytest.raises(InputError) as info:
        load_kubernetes_fleet(path, **kw)  # type: ignore[arg-type]
    return info.value.problems


def deployment(*, replicas: object = 3, cpu: str = "250m", memory: str = "256Mi", name: str = "web") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
        - name: app
          resources: {{requests: {{cpu: {json.dumps(cpu)}, memory: {json.dumps(memory)}}}}}
"""


def hpa(max_replicas: object) -> str:
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: shop}}
spec:
  scaleTargetRef: {{kind: Deployment, name: web}}
  minReplicas: 1
  maxReplicas: {max_replicas}
"""


def assert_clean_exit_2(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


# --- 1. whole numbers too large ----------------------------------------------------------


@pytest.mark.parametrize("replicas", [HUGE, f'"{HUGE}"', "9" * 5000, "1000001", "1000001.0"])
def test_fleet_replicas_above_the_maximum_are_rejected(tmp_path: Path, replicas: str) -> None:
    (problem,) = fleet_problems(tmp_path, f"a,100m,128Mi,{replicas}")
    assert problem.startswith(f"{tmp_path / 'fleet.csv'}, row 2, replicas: ")
    assert "is too large; expected at most 1,000,000 replicas per service" in problem
    assert len(problem) < 300  # a 5000-digit value is not echoed whole


def test_fleet_replicas_at_the_maximum_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, f"service,cpu,memory,replicas,max_per_host\na,100m,128Mi,{MAX_REPLICAS},{MAX_REPLICAS}\n",
                 "ok.csv")
    assert load_fleet(path).services[0].replicas == MAX_REPLICAS


def test_fleet_max_per_host_is_bounded(tmp_path: Path) -> None:
    (problem,) = fleet_problems(tmp_path, f"a,100m,128Mi,2,{HUGE}", "service,cpu,memory,replicas,max_per_host")
    assert f"row 2, max_per_host: '{HUGE}' is too large; expected at most 1,000,000" in problem


def test_manifest_replicas_above_the_maximum_are_rejected(tmp_path: Path) -> None:
    (problem,) = kube_problems(tmp_path, deployment(replicas=HUGE))
    assert problem.startswith(f"{tmp_path / 'm.yaml'}, document 1 (line 1), Deployment shop/web: spec.replicas: ")
    assert f"{HUGE} is too large; expected a whole number from 0 to 1,000,000" in problem


@pytest.mark.parametrize("mode", ["spec", "max"])
def test_hpa_max_replicas_above_the_maximum_are_rejected(tmp_path: Path, mode: str) -> None:
    (problem,) = kube_problems(tmp_path, deployment() + "---\n" + hpa(HUGE), replicas=mode)
    assert "document 2 (line 12), HorizontalPodAutoscaler shop/web: spec.maxReplicas: " in problem
    assert "is too large; expected a whole number from 1 to 1,000,000" in problem


def test_cli_huge_hpa_max_replicas_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, deployment() + "---\n" + hpa(HUGE), "hpa.yaml")
    result = runner.invoke(app, [str(path), "-p", str(AWS), "--replicas", "max", "--out", str(tmp_path), "--quiet"])
    assert_clean_exit_2(result, "hpa.yaml", "spec.maxReplicas", "too large", "1,000,000")
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.mark.parametrize("number", ["9" * 5000, "1" + "0" * 4400])
def test_numbers_too_long_to_parse_are_reported(tmp_path: Path, number: str) -> None:
    (problem,) = kube_problems(tmp_path, deployment(replicas=number))
    assert "document 1: a value cannot be read (a whole number of more than 4300 digits)" in problem
    (problem,) = kube_problems(tmp_path, json.dumps({"kind": "List", "items": []})[:-2] + number + "]}", "get.json")
    assert "get.json: a value cannot be read (a whole number of more than 4300 digits)" in problem


# --- 2. sizes: out of range, unrealistic, rounding to zero -----------------------------


@pytest.mark.parametrize(("memory", "found"), [
    ("1e999999999", "'1e999999999' is too large; expected a realistic size"),
    ("1e-999999999", "'1e-999999999' is too small to be a memory size"),
    ("1e" + "9" * 5000, "is too large"),
    ("5Pi", "'5Pi' is too large; expected a realistic size: at most 4Pi"),
    ("1e-3", "'1e-3' is too small to be a memory size (less than one byte)"),
])
def test_fleet_memory_out_of_range(tmp_path: Path, memory: str, found: str) -> None:
    (problem,) = fleet_problems(tmp_path, f"a,1,{memory},1")
    assert problem.startswith(f"{tmp_path / 'fleet.csv'}, row 2, memory: ")
    assert found in problem


PLAIN = "service,cpu,memory,replicas"
IN_MIB = "service,cpu,memory_mib,replicas"


@pytest.mark.parametrize(("header", "row", "found"), [
    (PLAIN, "a,100001,1Gi,1", "cpu: '100001' is too large; expected a realistic size: at most 100000 cores"),
    (PLAIN, "a,0.0000000001,1Gi,1", "cpu: '0.0000000001' is too small to be a CPU size"),
    (PLAIN, "a,0.1n,1Gi,1", "cpu: '0.1n' is too small to be a CPU size (less than 1n"),
    (PLAIN, f"a,{'9' * 3000},1Gi,1", "(3000 characters) is too large"),
    (IN_MIB, "a,1,0.0000001,1", "memory_mib: '0.0000001' is too small to be a memory size"),
    (IN_MIB, f"a,1,{HUGE},1", "is too large; expected a realistic size"),
])
def test_fleet_sizes_are_bounded(tmp_path: Path, header: str, row: str, found: str) -> None:
    (problem,) = fleet_problems(tmp_path, row, header)
    assert found in problem


@pytest.mark.parametrize("memory", ["1e999999999", "1e-999999999"])
def test_manifest_memory_exponent_out_of_range(tmp_path: Path, memory: str) -> None:
    (problem,) = kube_problems(tmp_path, deployment(memory=memory))
    assert "Deployment shop/web: container app, resources.requests.memory: " in problem
    assert ("too large" if "-" not in memory else "too small") in problem


def test_manifest_pod_total_is_bounded(tmp_path: Path) -> None:
    text = deployment(memory="3Pi").replace(
        "        - name: app\n", "        - name: side\n          resources: {requests: {cpu: 1, memory: 3Pi}}\n"
                                "        - name: app\n")
    (problem,) = kube_problems(tmp_path, text)
    assert problem == (f"{tmp_path / 'm.yaml'}, document 1 (line 1), Deployment shop/web: the pod's total request "
                       "of memory, 6Pi, is too large; expected a realistic size: at most 4Pi per pod")


def test_cli_memory_exponent_exits_2(tmp_path: Path) -> None:
    fleet = write(tmp_path, "service,cpu,memory,replicas\na,1,1e999999999,1\n", "exp.csv")
    result = runner.invoke(app, [str(fleet), "-p", str(AWS), "--out", str(tmp_path), "--quiet"])
    assert_clean_exit_2(result, "exp.csv, row 2, memory: '1e999999999' is too large")


# --- 3. ASCII digits only -------------------------------------------------------------------


@pytest.mark.parametrize(("header", "row", "column", "digit"), [
    ("service,cpu,memory,replicas", "a,１,1Gi,1", "cpu", "U+FF11"),
    ("service,cpu,memory,replicas", "a,٣,1Gi,1", "cpu", "U+0663"),
    ("service,cpu,memory,replicas", "a,1,٣Gi,1", "memory", "U+0663"),
    ("service,cpu,memory,replicas", "a,1,1Gi,٣", "replicas", "U+0663"),
    ("service,cpu,memory,replicas", "a,1,1Gi,１２", "replicas", "U+FF11"),
    ("service,cpu_millicores,memory_mib,replicas", "a,２５０,512,1", "cpu_millicores", "U+FF12"),
    ("service,cpu,memory,replicas,max_per_host", "a,1,1Gi,2,٢", "max_per_host", "U+0662"),
    ("service,cpu,memory,replicas,growth", "a,1,1Gi,2,٣٠%", "growth", "U+0663"),
])
def test_non_ascii_digits_are_rejected(tmp_path: Path, header: str, row: str, column: str, digit: str) -> None:
    (problem,) = fleet_problems(tmp_path, row, header)
    assert f"row 2, {column}: " in problem
    assert "has a digit that is not 0-9" in problem and digit in problem and "ASCII digits 0-9" in problem


def test_non_ascii_digits_in_a_manifest_are_rejected(tmp_path: Path) -> None:
    (problem,) = kube_problems(tmp_path, deployment(cpu="٣"))
    assert "resources.requests.cpu: '٣' has a digit that is not 0-9" in problem


def test_cli_fullwidth_digit_exits_2(tmp_path: Path) -> None:
    fleet = write(tmp_path, "service,cpu,memory,replicas\na,１,1Gi,1\n", "wide.csv")
    result = runner.invoke(app, [str(fleet), "-p", str(AWS), "--out", str(tmp_path), "--quiet"])
    assert_clean_exit_2(result, "wide.csv, row 2, cpu: '１' has a digit that is not 0-9")
    assert not list(tmp_path.glob("*.xlsx"))


# --- 4. recursive and deeply nested manifests -------------------------------------------


RECURSIVE_LISTS = {
    "alias-of-items": "apiVersion: v1\nkind: List\nitems: &a\n  - apiVersion: v1\n    kind: List\n    items: *a\n",
    "alias-of-object": "apiVersion: v1\nkind: List\nitems:\n  - &x {apiVersion: v1, kind: List, items: [*x]}\n",
}


@pytest.mark.parametrize("name", sorted(RECURSIVE_LISTS))
def test_recursive_yaml_list_is_reported(tmp_path: Path, name: str) -> None:
    (problem,) = kube_problems(tmp_path, RECURSIVE_LISTS[name])
    assert problem.startswith(f"{tmp_path / 'm.yaml'}, document 1, item 1")
    assert "items contains the List itself (a recursive YAML alias" in problem


def test_list_nesting_depth_is_capped(tmp_path: Path) -> None:
    data: dict = json.loads(json.dumps({"apiVersion": "v1", "kind": "List", "items": []}))
    inner = data
    for _ in range(MAX_LIST_DEPTH + 5):
        child = {"apiVersion": "v1", "kind": "List", "items": []}
        inner["items"].append(child)
        inner = child
    (problem,) = kube_problems(tmp_path, json.dumps(data), "nested.json")
    assert f"Lists nested more than {MAX_LIST_DEPTH} deep" in problem
    assert problem.startswith(f"{tmp_path / 'nested.json'}, item 1, item 1")


def test_deeply_nested_json_is_reported(tmp_path: Path) -> None:
    (problem,) = kube_problems(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    assert problem == (f"{tmp_path / 'deep.json'}: JSON nested too deeply to read (thousands of nested [ or {{); "
                       "expected Kubernetes objects, such as kubectl get ... -o json writes")


def test_aliases_repeating_a_list_are_capped(tmp_path: Path) -> None:
    lines = ["apiVersion: v1", "kind: List", "items:", "  - &l0 {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}"]
    for level in range(1, 7):  # 10**6 objects once expanded
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"  - &l{level} {{apiVersion: v1, kind: List, items: [{refs}]}}")
    (problem,) = kube_problems(tmp_path, "\n".join(lines) + "\n")
    assert "more than 200,000 objects (YAML aliases repeating a List?)" in problem


def test_cli_recursive_manifest_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, RECURSIVE_LISTS["alias-of-items"], "rec.yaml")
    result = runner.invoke(app, [str(path), "-p", str(AWS), "--out", str(tmp_path), "--quiet"])
    assert_clean_exit_2(result, "rec.yaml, document 1, item 1", "recursive YAML alias")
    result = runner.invoke(convert_app, [str(path), "--to", str(tmp_path / "out.csv")])
    assert_clean_exit_2(result, "rec.yaml", "recursive YAML alias")
    assert not (tmp_path / "out.csv").exists()


# --- 5. a baseline that contradicts itself ---------------------------------------------------


def baseline_data(placed: str = "web", host: str = "m5.large#1") -> dict:
    return {
        "currency": "USD",
        "fleet": {"name": "f", "path": "f.csv",
                  "service_rows": [{"service": "web", "vcpu": 0.5, "memory_gib": 1.0, "replicas": 1}]},
        "plans": [{"strategy": "vm-per-service", "total_cost": 70.0,
                   "hosts": [{"id": "m5.large#1", "type": "m5.large"}],
                   "placements": [{"service": placed, "replica": 1, "host": host}]}],
    }


def test_baseline_placement_of_an_unknown_service_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(baseline_data(placed="ghost")), "ghost.json")
    with pytest.raises(BaselineError) as info:
        load_baseline(path)
    message = str(info.value)
    assert message.startswith(f"--baseline {path}: 2 problems")
    assert ("placement 1 of vm-per-service names service 'ghost', which is not in that plan's services; "
            "expected a file written by planner, unedited") in message
    assert "vm-per-service places 0 replica(s) of 'web', its fleet service lists 1" in message


def test_baseline_placement_on_an_unknown_host_is_refused(tmp_path: Path) -> None:
    data = baseline_data(host="999")
    path = write(tmp_path, json.dumps(data), "badhost.json")
    with pytest.raises(BaselineError, match="placement 1 of vm-per-service puts 'web' on host '999', which is not in "
                                            "that plan's hosts"):
        load_baseline(path)
    data["plans"][0]["placements"][0]["host"] = 999  # a number is not an id planner writes (never made one)
    path = write(tmp_path, json.dumps(data), "badhost.json")
    with pytest.raises(BaselineError, match="placement host 999; expected text"):
        load_baseline(path)


def test_consistent_baseline_loads(tmp_path: Path) -> None:
    base = load_baseline(write(tmp_path, json.dumps(baseline_data()), "ok.json"))
    assert base.plans["vm-per-service"].placements == (("web", 1, "m5.large#1"),)


def test_cli_ghost_baseline_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(baseline_data(placed="ghost")), "ghost.json")
    result = runner.invoke(app, [str(ROOT / "fleets/online-boutique.csv"), "-p", str(AWS), "--baseline", str(path),
                                 "--out", str(tmp_path), "--quiet"])
    assert_clean_exit_2(result, "ghost.json", "names service 'ghost', which is not in that plan's services")
    assert not list(tmp_path.glob("*.xlsx"))


# --- 6. small message fixes ----------------------------------------------------------------


def test_convert_of_a_fleet_csv_echoes_only_an_excerpt(tmp_path: Path) -> None:
    csv_text = "service,cpu,memory,replicas\n" + "".join(f"svc-{i},100m,128Mi,1\n" for i in range(200))
    path = write(tmp_path, csv_text, "fleet.csv")
    result = runner.invoke(convert_app, [str(path), "--to", str(tmp_path / "out.csv")])
    assert_clean_exit_2(result, "fleet.csv", "not a mapping", "characters)", "a fleet CSV? plan it directly")
    assert "svc-150" not in result.output and len(result.output) < 600


def test_tag_error_in_the_first_document_says_document_1(tmp_path: Path) -> None:
    (problem,) = kube_problems(tmp_path, "!!python/object/apply:os.system ['echo x']\n")
    assert "YAML syntax error in document 1:" in problem and "tags are never executed" in problem
    (problem,) = kube_problems(tmp_path, deployment() + "---\n!!python/object/apply:os.system ['echo x']\n")
    assert "YAML syntax error in document 2:" in problem


def test_syntax_error_numbering_is_unchanged(tmp_path: Path) -> None:
    (problem,) = kube_problems(tmp_path, deployment() + "---\nkind: [unclosed\n")
    assert "YAML syntax error in document 2:" in problem


@pytest.mark.parametrize(("cpu", "millicores"), [("1n", 1), ("500000n", 1), ("1500000n", 2), ("250000u", 250),
                                                 ("1u", 1), ("0n", 0)])
def test_manifest_cpu_in_nanocores_and_microcores(tmp_path: Path, cpu: str, millicores: int) -> None:
    path = write(tmp_path, deployment(cpu=cpu) + "---\n" + deployment(name="other"), "n.yaml")
    fleet = load_kubernetes_fleet(path)
    web = [s for s in fleet.services if s.name == "web"]
    if millicores == 0:  # no CPU request (the scheduler counts 0): planned at 1m and listed
        assert round(web[0].vcpu * 1000, 9) == 1 and any("web (Deployment: no cpu)" in n for n in fleet.notes)
    else:
        assert round(web[0].vcpu * 1000, 9) == millicores  # rounded up to whole millicores, as the API server does


def test_fleet_cpu_in_nanocores(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas\na,1500000n,1Gi,1\nb,250000u,1Gi,1\n", "n.csv")
    assert [s.vcpu for s in load_fleet(path).services] == [0.0015, 0.25]


def test_all_problems_are_planner_errors(tmp_path: Path) -> None:
    """InputError and BaselineError are PlannerErrors: the CLI prints them and exits 2."""
    assert issubclass(InputError, PlannerError) and issubclass(BaselineError, PlannerError)


def test_names_with_control_characters_or_huge_lengths_are_refused(tmp_path) -> None:
    """The workbook would show them changed (control characters) or cut (past 32,767 characters)."""
    import pytest as _pytest

    from planner.errors import PlannerError as _Err
    from planner.fleet import load_fleet as _load

    for row, expected in ((f"ctl\x01x,team,1,1Gi,1", "U+0001"), ("a" * 300 + ",team,1,1Gi,1", "at most 253"),
                          ("svc,te\x07am,1,1Gi,1", "team name")):
        path = tmp_path / "fleet.csv"
        path.write_text("service,team,cpu,memory,replicas\n" + row + "\n", encoding="utf-8")
        with _pytest.raises(_Err) as err:
            _load(path)
        assert expected in str(err.value) and "row 2" in str(err.value)


def test_a_fleet_beyond_the_total_replica_limit_is_refused_before_planning(tmp_path: Path) -> None:
    from planner.pipeline import MAX_FLEET_REPLICAS

    half = MAX_FLEET_REPLICAS // 2 + 1
    fleet = write(tmp_path, f"service,cpu,memory,replicas,max_per_host\na,100m,128Mi,{half},1000\n"
                            f"b,100m,128Mi,{half},1000\n", "fleet.csv")
    out = tmp_path / "out"
    result = runner.invoke(app, [str(fleet), "-p", str(AWS), "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert f"{2 * half:,} replicas in all; expected at most {MAX_FLEET_REPLICAS:,}" in result.output
    assert not out.exists()


@pytest.mark.parametrize(("cpu", "millicores"), [("+250m", 250), ("2e-1", 200), ("1E0", 1000), ("1k", 1_000_000),
                                                 ("+1", 1000), ("1e-5", 1)])
def test_manifest_cpu_in_the_whole_kubernetes_quantity_grammar(tmp_path: Path, cpu: str, millicores: int) -> None:
    """A plus sign, a decimal exponent and SI multipliers are valid Kubernetes CPU quantities."""
    fleet = load_kubernetes_fleet(write(tmp_path, deployment(cpu=cpu, memory="+256Mi"), "q.yaml"))
    (web,) = fleet.services
    assert round(web.vcpu * 1000, 9) == millicores and web.memory_gib == 0.25


@pytest.mark.parametrize(("cpu", "found"), [("1E", "'1E' is 1e+18 cores"), ("1e999", "'1e999' is 1e+999 cores"),
                                            ("++1", "has a sign")])
def test_manifest_cpu_quantities_out_of_range_name_what_was_written(tmp_path: Path, cpu: str, found: str) -> None:
    (problem,) = kube_problems(tmp_path, deployment(cpu=cpu))
    assert found in problem


def test_a_fleet_csv_with_more_rows_than_the_replica_limit_stops_reading_early(tmp_path: Path, monkeypatch) -> None:
    """A 1,000,000-row CSV was read whole (15 s, 750 MB) before the total was refused; every row is at
    least one replica, so reading stops at the first row past the limit."""
    import planner.fleet

    monkeypatch.setattr(planner.fleet, "MAX_FLEET_REPLICAS", 3)
    path = tmp_path / "fleet.csv"
    path.write_text("service,cpu,memory,replicas\n" + "".join(f"s{i},1,1Gi,1\n" for i in range(4)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        planner.fleet.load_fleet(path)
    assert str(err.value) == (f"{path}: more than 3 rows (services of one replica or more); expected at most 3 "
                              "replicas in all (Kubernetes runs at most 150,000 pods per cluster): plan each "
                              "cluster or team on its own")
    path.write_text("service,cpu,memory,replicas\n" + "".join(f"s{i},1,1Gi,1\n" for i in range(3)), encoding="utf-8")
    assert len(planner.fleet.load_fleet(path).services) == 3
