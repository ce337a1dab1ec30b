"""Hand-worked engine examples: licences, errors, empty problems, determinism, CBC."""

from __future__ import annotations

import pytest

from planner.engine import (
    HostLoad,
    HostType,
    ItemGroup,
    LicenceOption,
    Packing,
    PackingProblem,
    SolveOptions,
    solve_packing,
    validate_packing,
)
from planner.engine.milp import parse_cbc_bound
from planner.errors import InfeasibleError

OPTIONS = SolveOptions(time_limit=10.0)


def _windows_problem(datacenter_cost: float) -> PackingProblem:
    options = (LicenceOption("standard", 300.0, 2), LicenceOption("datacenter", datacenter_cost, None))
    host = HostType("hv", vcpu=64, memory_gib=512, max_items=50, fixed_cost=1500.0, licence_options={"windows": options})
    items = (ItemGroup("win", 5, 2, 8, 5, frozenset({"hv"}), "windows"),)
    return PackingProblem(items, (host,))


def test_windows_licence_picks_standard_blocks_when_cheaper() -> None:
    """5 Windows VMs on one host: Standard needs ceil(5/2) = 3 blocks = 900 < Datacenter 1700; total 1500 + 900."""
    packing = solve_packing(_windows_problem(1700.0), OPTIONS)
    assert packing.cost == pytest.approx(2400.0)
    assert packing.status == "optimal"
    assert len(packing.hosts) == 1


def test_windows_licence_picks_datacenter_when_cheaper() -> None:
    """Same 5 VMs with Datacenter at 800 < 3 x 300: total 1500 + 800."""
    packing = solve_packing(_windows_problem(800.0), OPTIONS)
    assert packing.cost == pytest.approx(2300.0)


def test_licence_cost_can_justify_a_second_host() -> None:
    """Licensing per host: 3 Windows VMs, Standard 2/block at 300, host 100.

    One host: 2 blocks = 600 + 100 = 700. Two hosts (2 + 1): 300 + 300 + 200 = 800.
    The engine must keep them together (700) and know the licence cost is per host.
    """
    options = (LicenceOption("standard", 300.0, 2),)
    host = HostType("small", 4, 16, 10, 100.0, {"windows": options})
    items = (ItemGroup("win", 3, 1, 2, 3, frozenset({"small"}), "windows"),)
    packing = solve_packing(PackingProblem(items, (host,)), OPTIONS)
    assert packing.cost == pytest.approx(700.0)


def test_mixed_windows_and_linux_share_hosts() -> None:
    """Windows items can sit with Linux ones; the licence counts only Windows items."""
    options = (LicenceOption("standard", 300.0, 2), LicenceOption("datacenter", 1700.0, None))
    host = HostType("hv", 64, 512, 100, 1500.0, {"windows": options})
    items = (
        ItemGroup("win", 5, 4, 16, 5, frozenset({"hv"}), "windows"),
        ItemGroup("linux", 30, 8, 40, 3, frozenset({"hv"})),
    )
    packing = solve_packing(PackingProblem(items, (host,), fixed_plan_cost=10.0), OPTIONS)
    # 30 linux items at 3 per host need 10 hosts; the 5 Windows items fit on one: 10 * 1500 + 900 + 10.
    assert packing.cost == pytest.approx(15910.0)
    assert packing.status == "optimal"


def test_right_sizing_picks_cheapest_type() -> None:
    """One 1-vCPU item: the 2-vCPU host at 30 beats the 8-vCPU host at 100."""
    types = (HostType("big", 8, 32, 10, 100.0), HostType("small", 2, 8, 10, 30.0))
    items = (ItemGroup("a", 1, 1, 2, 1, frozenset({"big", "small"})),)
    packing = solve_packing(PackingProblem(items, types, 5.0), OPTIONS)
    assert packing.hosts == (HostLoad("small", {"a": 1}),)
    assert packing.cost == pytest.approx(35.0)


def test_spread_forces_separate_hosts() -> None:
    """max_per_host 1 with 3 replicas needs 3 hosts even though one host could hold them."""
    types = (HostType("h", 16, 64, 10, 50.0),)
    items = (ItemGroup("a", 3, 1, 1, 1, frozenset({"h"})),)
    packing = solve_packing(PackingProblem(items, types), OPTIONS)
    assert len(packing.hosts) == 3
    assert packing.cost == pytest.approx(150.0)


def test_empty_problem_costs_the_fixed_plan_cost() -> None:
    """No items: no hosts, cost = fixed_plan_cost, proven optimal."""
    problem = PackingProblem((), (HostType("h", 1, 1, 1, 1.0),), fixed_plan_cost=73.0)
    packing = solve_packing(problem, OPTIONS)
    assert packing.hosts == ()
    assert packing.cost == 73.0 and packing.lower_bound == 73.0 and packing.status == "optimal"


def test_infeasible_groups_are_all_listed() -> None:
    """Two groups fit nowhere: the error names both, their need and the largest compatible type."""
    types = (HostType("small", 2, 4, 10, 10.0), HostType("large", 8, 16, 10, 40.0))
    items = (
        ItemGroup("too-big-cpu", 1, 16, 1, 1, frozenset({"small", "large"})),
        ItemGroup("too-big-mem", 1, 1, 64, 1, frozenset({"small"})),
        ItemGroup("ok", 1, 1, 1, 1, frozenset({"small"})),
    )
    with pytest.raises(InfeasibleError) as err:
        solve_packing(PackingProblem(items, types), OPTIONS)
    message = str(err.value)
    assert "too-big-cpu" in message and "too-big-mem" in message and "ok:" not in message
    assert "large" in message and "16 vCPU" in message


def test_same_problem_gives_identical_packing() -> None:
    """Determinism: two solves return the same hosts in the same order."""
    types = (HostType("a", 4, 16, 10, 100.0), HostType("b", 8, 16, 10, 150.0))
    items = (
        ItemGroup("x", 7, 1, 3, 2, frozenset({"a", "b"})),
        ItemGroup("y", 4, 2, 2, 4, frozenset({"a", "b"})),
    )
    problem = PackingProblem(items, types)
    assert solve_packing(problem, OPTIONS).hosts == solve_packing(problem, OPTIONS).hosts


def test_cbc_path_solves_small_case() -> None:
    """CBC (options.solver='cbc') proves the same optimum as HiGHS on a small case."""
    types = (HostType("a", 4, 16, 10, 100.0), HostType("b", 8, 16, 10, 150.0))
    items = (
        ItemGroup("x", 5, 1, 3, 2, frozenset({"a", "b"})),
        ItemGroup("y", 3, 2, 2, 3, frozenset({"a", "b"})),
    )
    problem = PackingProblem(items, types)
    cbc = solve_packing(problem, SolveOptions(solver="cbc", time_limit=20.0))
    highs = solve_packing(problem, OPTIONS)
    assert validate_packing(problem, cbc) == []
    assert cbc.cost == pytest.approx(highs.cost)
    assert cbc.status == "optimal"


def test_parse_cbc_bound_reads_time_limited_log() -> None:
    """CBC stopped on time reports 'Lower bound:'; optimal runs report the objective."""
    stopped = "Result - Stopped on time limit\n\nObjective value:                123.5\nLower bound:                    120.25\n"
    assert parse_cbc_bound(stopped) == (120.25, False)
    optimal = "Result - Optimal solution found\n\nObjective value:                99\n"
    assert parse_cbc_bound(optimal) == (99.0, True)


def test_validate_packing_reports_violations() -> None:
    """Over capacity, wrong count, incompatible type, spread and a wrong cost are all named."""
    types = (HostType("a", 2, 4, 2, 10.0), HostType("b", 2, 4, 2, 10.0))
    items = (ItemGroup("x", 3, 1, 1, 2, frozenset({"a"})),)
    problem = PackingProblem(items, types)
    bad = Packing(
        hosts=(HostLoad("a", {"x": 3}), HostLoad("b", {"x": 1})),
        cost=5.0,
        lower_bound=6.0,
        status="feasible",
        heuristic_cost=5.0,
        solve_seconds=0.0,
        method="test",
    )
    text = "\n".join(validate_packing(problem, bad))
    assert "vCPU" in text and "max_items" in text and "max_per_host" in text
    assert "not compatible" in text and "placed 4 times" in text
    good = Packing((HostLoad("a", {"x": 2}), HostLoad("a", {"x": 1})), 20.0, 20.0, "optimal", 20.0, 0.0, "t")
    assert validate_packing(problem, good) == []
    wrong_cost = Packing(good.hosts, 19.0, 19.0, "optimal", 19.0, 0.0, "t")
    assert any("recomputed" in v for v in validate_packing(problem, wrong_cost))
