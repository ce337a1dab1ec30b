"""Re-planning against a baseline: effects that add up, moves, --max-moves, unusable baselines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planner.catalogue import load_catalogue
from planner.pipeline import PlanOptions, run_plan
from planner.replan import (
    BaselineError,
    baseline_from_dict,
    compare_loads,
    compare_to_baseline,
    load_baseline,
    plan_loads,
    summary_lines,
)
from planner.report.json_out import result_dict
from planner.report.replan_sheets import write_changes_sheet
from planner.sensitivity import catalogue_yaml, scale_prices
from tests.builders import write_tie_case

ROOT = Path(__file__).resolve().parent.parent
TINY_CLOUD = ROOT / "tests/data/pricing/tiny-cloud.yaml"
TINY_ONPREM = ROOT / "tests/data/pricing/tiny-onprem.yaml"
OPTS = PlanOptions(time_limit=10)

# 8 services x 2 replicas of 1 vCPU / 2 GiB: several small or medium nodes at the tiny-cloud prices
FLEET = "service,cpu,memory,replicas,max_per_host\n" + "".join(f"svc{i},1,2Gi,2,1\n" for i in range(8))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def catalogue_copy(tmp: Path, name: str, factor: float, refs=None, src: Path = TINY_CLOUD, **update) -> Path:
    cat = scale_prices(load_catalogue(src), factor, refs)
    if update:
        cat = cat.model_copy(update=update)
    return write(tmp / f"{name}.yaml", catalogue_yaml(cat))


def baseline_of(result, tmp: Path):
    path = write(tmp / "baseline.json", json.dumps(result_dict(result)))
    return load_baseline(path)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replan")
    fleet = write(tmp / "fleet.csv", FLEET)
    result = run_plan(fleet, TINY_CLOUD, OPTS)
    return tmp, fleet, result, baseline_of(result, tmp)


@pytest.fixture(scope="module")
def cheap_large(base, tmp_path_factory):
    """The base fleet re-planned with large nodes at 40 % of their price: (catalogue path, result)."""
    _, fleet, _, _ = base
    path = catalogue_copy(tmp_path_factory.mktemp("cheap"), "cheap-large", 0.4, ["instance_types.large.price"])
    return path, run_plan(fleet, path, OPTS)


def assert_adds_up(changes):
    for s in changes.strategies:
        parts = [a for _, a in s.effects() if a is not None]
        assert sum(parts) == pytest.approx(s.total_change, abs=1e-6)
        assert s.total_change == pytest.approx(s.final_cost - s.baseline_cost, abs=1e-9)


def test_unchanged_inputs_give_zero_effects(base):
    tmp, fleet, result, baseline = base
    again = run_plan(fleet, TINY_CLOUD, OPTS)
    changes = compare_to_baseline(again, baseline)
    for s in changes.strategies:
        assert s.price_effect == pytest.approx(0.0, abs=1e-9)
        assert s.volume_effect == pytest.approx(0.0, abs=1e-9)
        assert s.reoptimisation_effect == pytest.approx(0.0, abs=1e-9)
        assert s.moves == () and s.hosts_added == {} and s.hosts_removed == {}
    assert not changes.winner_changed and changes.fleet.unchanged
    assert_adds_up(changes)


@pytest.mark.parametrize("catalogue", [TINY_CLOUD, TINY_ONPREM], ids=["cloud", "onprem"])
def test_prices_times_1_1_give_a_price_effect_of_exactly_10_percent(tmp_path, catalogue):
    fleet = write(tmp_path / "fleet.csv", FLEET)
    before = run_plan(fleet, catalogue, OPTS)
    baseline = baseline_of(before, tmp_path)
    scaled = catalogue_copy(tmp_path, "x1.1", 1.1, src=catalogue)
    changes = compare_to_baseline(run_plan(fleet, scaled, OPTS), baseline)
    for s in changes.strategies:
        assert s.repriced_cost == pytest.approx(1.1 * s.baseline_cost, rel=1e-12)
        assert s.price_effect == pytest.approx(0.1 * s.baseline_cost, rel=1e-9)
        assert s.volume_effect == pytest.approx(0.0, abs=1e-9)
    assert_adds_up(changes)


def test_effects_add_up_with_new_prices_and_a_changed_fleet(base, tmp_path):
    _, _, _, baseline = base
    # large nodes get much cheaper (re-optimisation), one service added, one resized, one removed
    cheap_large = catalogue_copy(tmp_path, "cheap-large", 0.4, ["instance_types.large.price"])
    fleet2 = write(tmp_path / "fleet2.csv", FLEET.replace("svc7,1,2Gi,2,1\n", "svc7,2,4Gi,3,1\n")
                   .replace("svc6,1,2Gi,2,1\n", "") + "newsvc,0.5,1Gi,2,1\n")
    result = run_plan(fleet2, cheap_large, OPTS)
    changes = compare_to_baseline(result, baseline)
    assert changes.fleet.added == ("newsvc",) and changes.fleet.removed == ("svc6",)
    assert changes.fleet.resized == ("svc7",)
    ct = changes.strategy("container-density")
    assert "large" not in ct.hosts_before  # the baseline nodes' prices did not change: no price effect
    assert ct.price_effect == pytest.approx(0.0, abs=1e-9) and ct.reoptimisation_effect < 0
    assert ct.volume_effect != 0
    assert ct.hosts_added.get("large", 0) >= 1
    assert_adds_up(changes)
    text = "\n".join(summary_lines(changes))
    assert "price effect" in text and "volume effect" in text


def test_max_moves_0_reproduces_the_baseline_placement(base, cheap_large):
    _, fleet, before, baseline = base
    _, result = cheap_large
    changes = compare_to_baseline(result, baseline, max_moves=0)
    for plan, old in zip(changes.result.plans, before.plans, strict=True):
        assert [(t, c) for _, t, c in plan_loads(plan)] == [(t, c) for _, t, c in plan_loads(old)]
        s = changes.strategy(plan.strategy)
        assert s.moves == () and s.final_cost == pytest.approx(s.repriced_cost)
    assert_adds_up(changes)
    # The workbook prices every host from its Prices sheet: the kept baseline hosts' types (which
    # the unconstrained re-plan no longer uses) must be listed there too, or their cost cells read 0.
    used = {u.ref for u in changes.result.prices_used}
    for plan in changes.result.plans:
        for line in [*plan.plan_lines, *(ln for h in plan.hosts for ln in h.lines)]:
            assert not line.monthly or line.ref in used, line.ref
    assert used != {u.ref for u in result.prices_used}  # the kept types differ from the re-plan's


def test_max_moves_trades_churn_for_savings(base, cheap_large):
    _, fleet, before, baseline = base
    _, result = cheap_large
    full = compare_to_baseline(result, baseline)
    optimum_moves = len(full.strategy("container-density").moves)
    assert optimum_moves > 0
    for n in (1, 4, optimum_moves):
        changes = compare_to_baseline(result, baseline, max_moves=n)
        ct = changes.strategy("container-density")
        assert len(ct.moves) <= n
        rows = ct.churn
        assert rows[0].budget == 0 and rows[0].method == "baseline placement"
        assert rows[-1].budget >= optimum_moves and rows[-1].cost == pytest.approx(ct.optimal_cost)  # the table
        assert all(r.moves <= r.budget for r in rows)
        assert [r.cost for r in rows] == sorted((r.cost for r in rows), reverse=True)
        assert ct.final_cost == pytest.approx(next(r.cost for r in rows if r.budget == n))
        assert ct.churn_effect >= -1e-9
        assert_adds_up(changes)
    assert ct.final_cost == pytest.approx(ct.optimal_cost)  # enough moves: the full re-plan


def test_renumbered_hosts_are_not_moves():
    a = [("m#1", "m", Counter({"x": 1, "y": 1})), ("m#2", "m", Counter({"z": 2}))]
    b = [("m#1", "m", Counter({"z": 2})), ("m#2", "m", Counter({"x": 1, "y": 1}))]
    diff = compare_loads(a, b)
    assert diff.moves == () and diff.added == {} and diff.removed == {}
    c = [("m#1", "m", Counter({"z": 2, "x": 1})), ("s#1", "s", Counter({"y": 1}))]
    diff = compare_loads(a, c)
    assert [(m.service, m.from_host, m.to_host) for m in diff.moves] == [("x", "m#1", "m#1"), ("y", "m#1", "s#1")]
    assert diff.added == {"s": 1} and diff.removed == {"m": 1}


def test_workbook_baseline_and_changes_sheet(base, tmp_path):
    _, fleet, before, _ = base
    from planner.report.workbook import write_workbook

    book = tmp_path / "before.xlsx"
    write_workbook(before, book)
    baseline = load_baseline(book)
    assert set(baseline.plans) == {"vm-per-service", "container-density"}
    scaled = catalogue_copy(tmp_path, "x1.1", 1.1)
    changes = compare_to_baseline(run_plan(fleet, scaled, OPTS), baseline, max_moves=2)
    from openpyxl import Workbook

    wb = Workbook()
    write_changes_sheet(wb, changes, "USD")
    wb.save(tmp_path / "changes.xlsx")
    ws = load_workbook(tmp_path / "changes.xlsx")["Changes"]
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "price effect" in values and "Hosts by type" in values


def test_a_workbook_whose_placements_sheet_was_edited_is_refused_not_read_as_written(base, tmp_path):
    """The baseline is the hidden plan data: an edit on the visible sheet would be ignored, so it is refused."""
    _, _, before, _ = base
    from planner.report.workbook import write_workbook

    book = tmp_path / "book.xlsx"
    write_workbook(before, book)
    wb = load_workbook(book)
    ws = wb["Placements Containers"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    for r, row in enumerate(reversed(rows), 4):  # sorted the other way round: not an edit
        for c, value in enumerate(row, 1):
            ws.cell(r, c, value)
    wb.save(tmp_path / "sorted.xlsx")
    assert set(load_baseline(tmp_path / "sorted.xlsx").plans) == {"vm-per-service", "container-density"}
    other = next(v for v in (ws.cell(r, 3).value for r in range(4, 4 + len(rows))) if v != ws.cell(4, 3).value)
    moved = (ws.cell(4, 1).value, ws.cell(4, 2).value, ws.cell(4, 3).value)
    ws.cell(4, 3, other)  # a replica moved to another host by hand
    wb.save(tmp_path / "moved.xlsx")
    with pytest.raises(BaselineError) as err:
        load_baseline(tmp_path / "moved.xlsx")
    assert (f"sheet 'Placements Containers' row 4: {moved[0]!r} replica {moved[1]} on host {other!r}; "
            f"planner wrote {moved[2]!r}") in str(err.value)
    assert "edits would be ignored" in str(err.value) and str(tmp_path / "moved.xlsx") in str(err.value)
    ws.delete_rows(4)  # a replica removed by hand
    wb.save(tmp_path / "removed.xlsx")
    with pytest.raises(BaselineError, match=f"{moved[0]!r} replica {moved[1]} no longer listed"):
        load_baseline(tmp_path / "removed.xlsx")


def test_a_baseline_is_read_by_its_content_not_its_name(base, tmp_path):
    """A workbook saved as plan.json, or the JSON saved as plan.xlsx, still reads, to the same plans."""
    _, _, before, _ = base
    from planner.report.workbook import write_workbook

    book = tmp_path / "book.json"
    write_workbook(before, book)
    data = write(tmp_path / "data.xlsx", json.dumps(result_dict(before)))
    from_book, from_data = load_baseline(book), load_baseline(data)
    assert from_book.plans == from_data.plans and set(from_book.plans) == {"vm-per-service", "container-density"}


def test_a_baseline_too_big_to_be_a_plan_is_refused_before_it_fills_memory(base, tmp_path, monkeypatch):
    """--baseline /dev/zero ran out of memory (24 GB); a zip bomb saved as .xlsx reached 3.8 GB."""
    import planner.replan as replan
    from planner.report.workbook import write_workbook

    _, _, before, _ = base
    book = tmp_path / "book.xlsx"
    write_workbook(before, book)
    data = write(tmp_path / "data.json", json.dumps(result_dict(before)))
    monkeypatch.setattr(replan, "MAX_BASELINE_BYTES", data.stat().st_size - 1)
    with pytest.raises(BaselineError, match="data.json: larger than"):
        load_baseline(data)
    monkeypatch.setattr(replan, "MAX_BASELINE_BYTES", 256 * 2**20)
    monkeypatch.setattr(replan, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(BaselineError, match="book.xlsx: its parts unpack to"):
        load_baseline(book)
    monkeypatch.setattr(replan, "MAX_UNPACKED_BYTES", 512 * 2**20)
    assert load_baseline(book).plans == load_baseline(data).plans


def test_the_move_limited_search_keeps_to_the_time_limit(base, cheap_large, monkeypatch):
    """--max-moves ran its local search with no time limit (1,000 replicas: not done after 20 minutes).
    Out of time, each budget keeps what it found so far (here: nothing, so the baseline placement) and a
    note says the search was cut."""
    import planner.replan as replan

    _, _, before, baseline = base
    _, result = cheap_large
    real = replan._improve
    monkeypatch.setattr(replan, "_improve", lambda st, hosts, budget, keep, deadline: real(st, hosts, budget, keep, 0.0))
    changes = compare_to_baseline(result, baseline, max_moves=3)
    for plan, old in zip(changes.result.plans, before.plans, strict=True):
        if changes.strategy(plan.strategy).moves:
            continue  # the full re-plan needed no more than 3 moves
        assert [(t, c) for _, t, c in plan_loads(plan)] == [(t, c) for _, t, c in plan_loads(old)]
    notes = [n for s in changes.strategies for n in s.notes]
    assert any("stopped at the time limit" in n for n in notes), notes
    assert_adds_up(changes)


def test_moves_a_gone_host_type_forces_are_labelled_as_forced(base, tmp_path):
    """The churn table read "at most 0 move(s): ... (16 moved, baseline placement)"."""
    _, fleet, before, baseline = base
    gone = {t for p in before.plans for t in (h.type for h in p.hosts)}
    cat = load_catalogue(TINY_CLOUD)
    kept = [t for t in cat.instance_types if t.name not in gone]
    assert kept, "every instance type is used: pick a fleet that leaves one out"
    path = catalogue_copy(tmp_path, "without", 1.0, instance_types=kept)
    changes = compare_to_baseline(run_plan(fleet, path, OPTS), baseline, max_moves=0)
    rows = [row for s in changes.strategies for row in s.churn if row.moves > row.budget]
    assert rows and all("more move(s) forced: hosts gone or replicas that no longer fit" in row.method for row in rows)


def test_a_tie_is_no_cheaper_strategy_in_the_changes_either(tmp_path):
    """Both strategies cost the same (one host model, no licences): the Changes summary said
    'container-density is still the cheaper strategy'."""
    fleet, catalogue = write_tie_case(tmp_path)
    result = run_plan(fleet, catalogue, OPTS)
    assert result.delta.tie
    baseline = baseline_from_dict(result_dict(result))
    assert baseline.cheaper is None
    changes = compare_to_baseline(result, baseline)
    assert changes.cheaper_before is None and changes.cheaper_after is None and not changes.winner_changed
    assert not any("cheaper strategy" in line for line in summary_lines(changes)), summary_lines(changes)


def test_another_currency_or_fleet_is_a_clear_error(base, tmp_path):
    tmp, fleet, result, baseline = base
    eur = catalogue_copy(tmp_path, "eur", 1.0, currency="EUR")
    with pytest.raises(BaselineError, match="priced in USD.*EUR"):
        compare_to_baseline(run_plan(fleet, eur, OPTS), baseline)
    other = run_plan(ROOT / "fleets/online-boutique.csv", TINY_CLOUD, OPTS)
    with pytest.raises(BaselineError, match="no service name is in both"):
        compare_to_baseline(other, baseline)
    with pytest.raises(BaselineError, match="no such file"):
        load_baseline(tmp_path / "missing.xlsx")
    with pytest.raises(BaselineError, match="not a planner workbook|cannot read"):
        load_baseline(write(tmp_path / "junk.xlsx", "not a workbook"))
    with pytest.raises(BaselineError, match="no plans"):
        baseline_from_dict({"hello": 1})


def test_a_host_type_gone_from_the_catalogue_is_a_note_not_a_crash(base, tmp_path):
    _, fleet, before, baseline = base
    data = json.loads(json.dumps(result_dict(before)))
    for p in data["plans"]:  # pretend the baseline ran on a type this catalogue no longer has
        for h in p["hosts"]:
            h["type"], h["id"] = "gone-" + h["type"], "gone-" + h["id"]
        for x in p["placements"]:
            x["host"] = "gone-" + x["host"]
    old = baseline_from_dict(data)
    changes = compare_to_baseline(run_plan(fleet, TINY_CLOUD, OPTS), old, max_moves=3)
    ct = changes.strategy("container-density")
    assert ct.price_effect is None and any("not in the new catalogue" in n for n in ct.notes)
    assert_adds_up(changes)
    # one note says why these replicas move, with how many; none claims they no longer fit their host
    for s in changes.strategies:
        gone = [n for n in s.notes if "not in the new catalogue" in n]
        assert len(gone) == 1 and f"their {sum(x.replicas for x in old.services)} replica(s) must move" in gone[0]
        assert "price effect is shown together with re-optimisation" in gone[0]
        assert not any("no longer fit" in n and "must move" in n for n in s.notes)


def _swap_two_replicas(plan: dict) -> bool:
    """Swap one replica each of two services between two hosts of one type (same shapes: same cost)."""
    by_host: dict[str, list[dict]] = {}
    for p in plan["placements"]:
        by_host.setdefault(p["host"], []).append(p)
    types = {h["id"]: h["type"] for h in plan["hosts"]}
    for a, pa in by_host.items():
        for b, pb in by_host.items():
            if a >= b or types[a] != types[b]:
                continue
            on_a, on_b = {p["service"] for p in pa}, {p["service"] for p in pb}
            for x in pa:
                for y in pb:
                    if x["service"] not in on_b and y["service"] not in on_a:
                        x["host"], y["host"] = b, a
                        return True
    return False


def test_a_replan_that_saves_nothing_keeps_the_baseline_placement(base, tmp_path):
    # A baseline with the same cost but another placement (as a time-limited search can give):
    # re-planning with unchanged inputs must not move replicas for no saving.
    _, fleet, result, _ = base
    data = result_dict(result)
    swapped = [plan["strategy"] for plan in data["plans"] if _swap_two_replicas(plan)]
    assert swapped  # the fixture fleet has two same-type hosts with different services
    baseline = load_baseline(write(tmp_path / "swapped.json", json.dumps(data)))
    changes = compare_to_baseline(result, baseline)
    for name in swapped:
        s = changes.strategy(name)
        assert s.moves == () and s.hosts_added == {} and s.hosts_removed == {}
        assert s.reoptimisation_effect == pytest.approx(0.0, abs=1e-9)
        plan = next(p for p in changes.result.plans if p.strategy == name)
        old = next(p for p in result.plans if p.strategy == name)
        assert plan.method == "baseline placement" and plan.total_cost == pytest.approx(old.total_cost)
        assert plan.lower_bound == pytest.approx(old.lower_bound) and plan.status == old.status
        assert [(t, c) for _, t, c in plan_loads(plan)] == [(t, c) for _, t, c in baseline.plans[name].loads()]
        assert any("kept the baseline placement" in n for n in s.notes)
    assert_adds_up(changes)


def test_a_cheaper_replan_replaces_the_baseline_placement(base, cheap_large):
    _, fleet, before, baseline = base
    _, result = cheap_large
    changes = compare_to_baseline(result, baseline)
    cheaper = 0
    for plan, new in zip(changes.result.plans, result.plans, strict=True):
        s = changes.strategy(plan.strategy)
        if s.repriced_cost is not None and new.total_cost < s.repriced_cost - 1e-6:
            assert plan is new and plan.method != "baseline placement"
            cheaper += 1
    assert cheaper  # large nodes at 40 % of their price: some strategy re-plans cheaper


def test_max_moves_keeps_the_spare_hosts_asked_for(base, tmp_path):
    # The baseline had no spares; the re-plan asks for one: empty spares move no replica, so
    # every churn-limited plan must still carry them (and keep the run's proven bound).
    _, fleet, _, baseline = base
    options = PlanOptions(time_limit=10, spare_hosts=1)
    result = run_plan(fleet, TINY_CLOUD, options)
    changes = compare_to_baseline(result, baseline, max_moves=2)
    assert [p.spare_hosts for p in changes.result.plans] == [p.spare_hosts for p in result.plans]
    assert any(p.spare_hosts for p in changes.result.plans)
    for plan, full in zip(changes.result.plans, result.plans, strict=True):
        assert 0 < plan.lower_bound <= plan.total_cost + 1e-6
        assert plan.lower_bound == pytest.approx(min(full.lower_bound, plan.total_cost))


def _edit(data: dict, what: str) -> None:
    if what == "nan total":
        data["plans"][1]["total_cost"] = float("nan")
    elif what == "total off its breakdown":
        data["plans"][1]["total_cost"] = 1000.0
    elif what == "negative vcpu":
        data["fleet"]["service_rows"][0]["vcpu"] = -1
    elif what == "too many replicas":
        data["fleet"]["service_rows"][0]["replicas"] = 10_000_000
    elif what == "strategy twice":
        data["plans"][1]["strategy"] = data["plans"][0]["strategy"]
    elif what == "unknown strategy":
        data["plans"][1]["strategy"] = "bare-metal"
    elif what == "no plans":
        data["plans"] = []
    elif what == "a replica placed twice":
        data["plans"][0]["placements"].append(dict(data["plans"][0]["placements"][0]))
    elif what == "a replica not placed":
        del data["plans"][1]["placements"][0]
    elif what == "replica numbered 0":
        data["plans"][0]["placements"][0]["replica"] = 0
    elif what == "fractional replicas":
        data["fleet"]["service_rows"][0]["replicas"] = 2.9
    elif what == "max_per_host 0":
        data["fleet"]["service_rows"][0]["max_per_host"] = 0
    elif what == "service listed twice":
        data["fleet"]["service_rows"].append(dict(data["fleet"]["service_rows"][0]))
    elif what == "os a number":
        data["fleet"]["service_rows"][0]["os"] = 5
    elif what == "unknown arch":
        data["fleet"]["service_rows"][0]["arch"] = "sparc"
    elif what == "fleet not a mapping":
        data["fleet"] = "abc"
    elif what == "options not a mapping":
        data["options"] = "x"
    elif what == "catalogue not a mapping":
        data["catalogue"] = "x"
    elif what == "daemonset text":
        data["fleet"]["daemonset"] = {"vcpu": "a"}
    elif what == "negative daemonset":
        data["fleet"]["daemonset"] = {"vcpu": float("nan"), "memory_gib": -1, "pods": -4}
    elif what == "negative spare hosts":
        data["options"]["spare_hosts"] = -3
    elif what == "unknown commitment":
        data["options"]["commitment"] = "5y"
    elif what == "total too large":
        data["plans"][0]["total_cost"] = 10 ** 400
    elif what == "licensed guests text":
        data["plans"][0]["hosts"][0]["licensed_guests"] = "abc"
    elif what == "negative licensed guests":
        data["plans"][0]["hosts"][0]["licensed_guests"] = {"windows": -5}
    elif what == "huge licensed guests":  # 10**400 overflowed the licence arithmetic (a traceback)
        data["plans"][0]["hosts"][0]["licensed_guests"] = {"windows": 10**400}
    elif what == "total huge but finite":
        data["plans"][0]["total_cost"] = 1e300
    elif what == "host id null":
        data["plans"][0]["hosts"][0]["id"] = None
    elif what == "placement host a number":
        data["plans"][1]["placements"][0]["host"] = 7
    elif what == "service name a number":
        data["fleet"]["service_rows"][0]["service"] = 12


@pytest.mark.parametrize("what, expected", [
    ("nan total", "expected a finite amount"),
    ("total off its breakdown", "cost_breakdown sums to"),
    ("negative vcpu", "vcpu -1"),
    ("too many replicas", "replicas 10000000"),
    ("strategy twice", "appears twice"),
    ("unknown strategy", "is unknown"),
    ("no plans", "no plans in it"),
    ("a replica placed twice", "places 3 replica(s) of 'svc0', its fleet service lists 2"),
    ("a replica not placed", "places 1 replica(s) of 'svc0', its fleet service lists 2"),
    ("replica numbered 0", "numbers the replicas of 'svc0' 0, 2; expected 1 to 2"),
    ("fractional replicas", "replicas 2.9; expected a whole number"),
    ("max_per_host 0", "max_per_host 0; expected 1 to"),
    ("service listed twice", "'svc0': listed 2 times"),
    ("os a number", "os 5; expected an OS name"),
    ("unknown arch", "arch 'sparc'; expected any, x86_64 or arm64"),
    ("fleet not a mapping", "fleet 'abc'; expected a mapping"),
    ("options not a mapping", "options 'x'; expected a mapping"),
    ("catalogue not a mapping", "catalogue 'x'; expected a mapping"),
    ("daemonset text", "fleet daemonset: vcpu 'a'; expected a number"),
    ("negative daemonset", "pods -4; expected finite amounts >= 0"),
    ("negative spare hosts", "spare_hosts -3"),
    ("unknown commitment", "commitment '5y'; expected on-demand, 1y or 3y"),
    ("total too large", "expected a finite number"),
    ("licensed guests text", "licensed_guests 'abc'; expected a mapping"),
    ("negative licensed guests", "licensed_guests 'windows' -5"),
    ("huge licensed guests", "expected a whole number up to 1,000,000,000"),
    ("total huge but finite", "total_cost 1e+300; expected a number up to 1e+15"),
    ("host id null", "host id None; expected text"),
    ("placement host a number", "placement host 7; expected text"),
    ("service name a number", "fleet service name 12; expected text"),
])
def test_a_hand_edited_baseline_is_refused_before_planning(base, tmp_path, what, expected):
    _, _, result, _ = base
    data = result_dict(result)
    _edit(data, what)
    path = write(tmp_path / "edited.json", json.dumps(data))
    with pytest.raises(BaselineError) as err:
        load_baseline(path)
    assert expected in str(err.value) and str(path) in str(err.value)


def test_a_baseline_with_licensed_spares_reprices_to_itself(tmp_path):
    """A hypervisor spare carries guest licences; re-planning from that baseline at the same prices
    shows no price effect (the spare's licences come back from the baseline)."""
    result = run_plan(ROOT / "fleets/mixed-windows.csv", ROOT / "pricing/onprem.yaml",
                      PlanOptions(time_limit=5, spare_hosts=1))
    vm = next(p for p in result.plans if p.strategy == "vm-per-service")
    assert any(h.spare and h.licensed for h in vm.hosts)
    changes = compare_to_baseline(result, baseline_of(result, tmp_path))
    s = changes.strategy("vm-per-service")
    assert s.repriced_cost == pytest.approx(s.baseline_cost)
    assert s.price_effect == pytest.approx(0.0, abs=1e-6)


def test_with_max_moves_the_scenarios_sheet_says_its_plans_are_not_move_limited(base, tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    _, fleet, before, _ = base
    from planner.report.workbook import write_workbook

    book = tmp_path / "before.xlsx"
    write_workbook(before, book)
    out = tmp_path / "after.xlsx"
    result = CliRunner().invoke(app, [str(fleet), "-p", str(TINY_CLOUD), "-p", str(TINY_ONPREM),
                                      "--baseline", str(book), "--max-moves", "1", "--out", str(out), "--quiet",
                                      "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    note = load_workbook(out)["Scenarios"]["A2"].value
    assert note.endswith("These are optimal plans, not limited by --max-moves 1: the Summary shows the "
                         "move-limited plans.")


def test_daemonsets_pinned_to_one_node_os_round_trip_through_a_baseline(tmp_path):
    manifests = tmp_path / "k8s.yaml"
    manifests.write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: a, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers: [{name: a, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
""")
    result = run_plan(manifests, TINY_CLOUD, OPTS)
    assert result.fleet.daemonset_os == (("linux", 0.1, 0.0625, 1),)
    data = result_dict(result)
    baseline = baseline_from_dict(json.loads(json.dumps(data)))
    assert baseline.fleet.daemonset_os == result.fleet.daemonset_os
    changes = compare_to_baseline(run_plan(manifests, TINY_CLOUD, OPTS), baseline)
    assert changes.fleet.unchanged
    data["fleet"]["daemonset"]["by_os"]["linux"]["pods"] = -1
    with pytest.raises(BaselineError, match=r"fleet daemonset by_os linux: .*pods -1; expected finite amounts >= 0"):
        baseline_from_dict(data)
