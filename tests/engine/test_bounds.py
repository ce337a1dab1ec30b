"""The aggregate LP bound: licence lines, per-host licences, and validity against brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from planner.engine import HostType, ItemGroup, LicenceOption, PackingProblem
from planner.engine.bounds import aggregate_lp_bound, licence_cost_lines
from planner.engine.instance import build_instance
from tests.engine.strategies import brute_force_cost, packing_problems

STANDARD = LicenceOption("standard", 39.2, 2)
DATACENTER = LicenceOption("datacenter", 225.7, None)


def _host(options: tuple[LicenceOption, ...], slots: int = 50) -> HostType:
    return HostType("host", 100.0, 400.0, slots, 900.0, {"windows": options})


def _group(count: int, max_per_host: int, vcpu: float = 1.0) -> ItemGroup:
    return ItemGroup("svc", count, vcpu, 2.0, max_per_host, frozenset({"host"}), "windows")


def test_lines_stay_below_the_licence_cost_and_touch_it() -> None:
    """Standard per 2 VMs vs Datacenter: every line is below the true cost and each touches it somewhere."""
    inst = build_instance(PackingProblem((_group(40, 40),), (_host((STANDARD, DATACENTER)),)))
    n = np.arange(1, 41)
    cost = inst.licence_cost_array(0, 0, n)
    lines = licence_cost_lines(inst, 0, 0, 40)
    assert lines[0] == (39.2, 0.0)  # one or two VMs: one Standard stack
    for a, b in lines:
        assert np.all(a + b * n <= cost + 1e-9)
        assert np.min(cost - (a + b * n)) <= 1e-9


def test_flat_per_host_licence_is_paid_on_every_host_the_spread_forces_open() -> None:
    """10 replicas, at most 1 per host: any plan licenses 10 hosts, and so does the bound."""
    problem = PackingProblem((_group(10, 1),), (_host((DATACENTER,)),))
    bound = aggregate_lp_bound(build_instance(problem)).bound
    assert bound is not None
    assert abs(bound - 10 * (900.0 + 225.7)) <= 1e-2


def test_block_licence_bound_counts_blocks_per_host() -> None:
    """6 replicas, at most 1 per host, Standard only: 6 hosts each pay one 2-VM stack."""
    problem = PackingProblem((_group(6, 1),), (_host((STANDARD,)),))
    bound = aggregate_lp_bound(build_instance(problem)).bound
    assert bound is not None
    assert abs(bound - 6 * (900.0 + 39.2)) <= 1e-2


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems(max_groups=3, max_types=3, max_count=2))
def test_aggregate_bound_never_exceeds_the_optimum(problem: PackingProblem) -> None:
    """The LP (with its licence rows) is a relaxation: its bound is at most the brute-force optimum."""
    bound = aggregate_lp_bound(build_instance(problem)).bound
    assert bound is not None
    assert bound <= brute_force_cost(problem) + 1e-6


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems(max_groups=3, max_types=3, max_count=2))
def test_fallback_lp_without_spread_rows_is_weaker_but_valid(problem: PackingProblem) -> None:
    """The LP used when the full one runs out of time never exceeds the full LP or the optimum."""
    from planner.engine.bounds import _build_aggregate_model

    inst = build_instance(problem)
    values = []
    for spread_rows in (True, False):
        highs, _, _ = _build_aggregate_model(inst, 30.0, spread_rows=spread_rows)
        highs.run()
        values.append(problem.fixed_plan_cost + highs.getInfo().objective_function_value)
    assert values[1] <= values[0] + 1e-6
    assert values[1] <= brute_force_cost(problem) + 1e-6


def test_whole_host_counts_lift_the_bound_above_the_lp() -> None:
    """15 one-vCPU replicas on 10-vCPU hosts: the LP buys 1.5 hosts, any plan (and the MIP) two."""
    from planner.engine.bounds import aggregate_mip_bound

    host = HostType("host", 10.0, 100.0, 50, 100.0)
    group = ItemGroup("svc", 15, 1.0, 1.0, 15, frozenset({"host"}), None)
    inst = build_instance(PackingProblem((group,), (host,)))
    lp = aggregate_lp_bound(inst).bound
    mip = aggregate_mip_bound(inst, 10.0)
    assert lp is not None and abs(lp - 150.0) <= 1e-3
    assert mip.bound is not None and mip.proven_optimal
    assert abs(mip.bound - 200.0) <= 1e-3


def test_whole_licensed_hosts_count_in_the_mip_bound() -> None:
    """Datacenter is a flat fee per licensed host: 3 replicas at most 2 per host license 2 hosts, not 1.5."""
    from planner.engine.bounds import aggregate_mip_bound

    problem = PackingProblem((_group(3, 2),), (_host((DATACENTER,)),))
    mip = aggregate_mip_bound(build_instance(problem), 10.0)
    assert mip.bound is not None
    assert abs(mip.bound - 2 * (900.0 + 225.7)) <= 1e-2


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(packing_problems(max_groups=3, max_types=3, max_count=2))
def test_aggregate_mip_bound_lies_between_the_lp_and_the_optimum(problem: PackingProblem) -> None:
    """Whole host counts keep the model a relaxation: LP <= MIP bound <= brute-force optimum."""
    from planner.engine.bounds import aggregate_mip_bound

    inst = build_instance(problem)
    lp = aggregate_lp_bound(inst).bound
    mip = aggregate_mip_bound(inst, 10.0)
    assert lp is not None and mip.bound is not None
    assert mip.bound <= brute_force_cost(problem) + 1e-6
    assert mip.bound >= lp - 1e-4 * max(1.0, abs(lp))


def test_sigterm_during_the_aggregate_mip_is_not_lost() -> None:
    """HiGHS swallows exceptions raised in its Python callbacks: a SIGTERM handler raising there
    would be lost and the run would go on. The signal must stop the MIP and reach the caller."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = """
import os, signal, time
from pathlib import Path
from planner.catalogue import load_catalogue
from planner.fleet import load_fleet
from planner.strategies import build_container_model
from planner.engine.components import split_pools
from planner.engine.instance import build_instance
from planner.engine.bounds import aggregate_mip_bound

def stop(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGTERM, stop)
root = Path(os.environ["PLANNER_ROOT"])
fleet = load_fleet(root / "fleets/retail-platform.csv")
model = build_container_model(fleet, load_catalogue(root / "pricing/aws.yaml"), "aws.yaml")
pool = max(split_pools(model.problem), key=lambda p: sum(g.count for g in p.items))
inst = build_instance(pool)
sent = []
def going_on(dual, gap, seconds):
    if not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while HiGHS runs
    return True
began = time.perf_counter()
try:
    aggregate_mip_bound(inst, 60.0, probe=0.0, worth_going_on=going_on)
except KeyboardInterrupt:
    print("stopped", round(time.perf_counter() - began, 1), len(sent))
else:
    print("ran on", round(time.perf_counter() - began, 1), len(sent))
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PLANNER_ROOT": str(root), "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("stopped"), proc.stdout
    assert proc.stdout.split()[-1] == "1"  # the callback ran, so the signal came during the MIP


def _small_vm_fleet(tmp_path, seed: int):
    """The vm-per-service instance of 40 seeded on-prem services (Windows, RHEL, Linux; small VMs)."""
    import random
    from pathlib import Path

    from planner.pipeline import build_models, load_inputs

    rng = random.Random(seed)
    rows = ["service,cpu,memory,replicas,os,max_per_host"]
    for i in range(40):
        rows.append(f"s{i},{rng.choice(['100m', '250m', '500m', '1'])},{rng.choice(['512Mi', '1Gi', '2Gi', '4Gi'])},"
                    f"{rng.randint(1, 4)},{rng.choice(['windows', 'linux', 'rhel'])},{rng.randint(1, 3)}")
    fleet_path = tmp_path / "fleet.csv"
    fleet_path.write_text("\n".join(rows) + "\n")
    pricing = Path(__file__).resolve().parents[2] / "pricing" / "onprem.yaml"
    fleet, catalogue = load_inputs(fleet_path, pricing)
    (model,) = build_models(fleet, catalogue, pricing, ("vm-per-service",))
    return build_instance(model.problem)


def test_licence_editions_are_priced_as_themselves_in_the_aggregate_lp(tmp_path) -> None:
    """40 on-prem VM services, Windows, RHEL and Linux, small VMs: the convex envelope of
    min(Datacenter, Standard stacks) prices a host with many small Windows VMs at a fraction of a
    Datacenter licence; splitting the licensed hosts by edition lifts the LP by more than 1 %
    and it stays below a real plan's cost."""
    from planner.engine.bounds import _build_aggregate_model, aggregate_lp_bound
    from planner.engine.ffd import best_ffd

    inst = _small_vm_fleet(tmp_path, seed=1)
    values = {}
    for editions in (False, True):
        highs, _, _ = _build_aggregate_model(inst, 30.0, editions=editions)
        highs.run()
        values[editions] = highs.getInfo().objective_function_value
    assert values[True] >= 1.01 * values[False], values
    bound = aggregate_lp_bound(inst).bound
    assert bound is not None and abs(bound - values[True]) <= 1e-3 * values[True]
    assert bound <= inst.plan_cost(best_ffd(inst)) + 1e-6


def test_hosts_per_licence_edition_are_whole_in_the_aggregate_mip(tmp_path) -> None:
    """The same kind of fleet (seed 3): with whole hosts per edition (a host buys Datacenter or
    Standard stacks, not 0.6 of each) the aggregate MIP's bound rises by more than 2 % and stays
    below a real plan's cost."""
    from planner.engine.bounds import aggregate_mip_bound
    from planner.engine.ffd import best_ffd

    inst = _small_vm_fleet(tmp_path, seed=3)
    split = aggregate_mip_bound(inst, 30.0, rel_gap=1e-9, whole_editions=False)
    whole = aggregate_mip_bound(inst, 30.0, rel_gap=1e-9)
    assert split.proven_optimal and whole.proven_optimal
    assert whole.bound >= 1.02 * split.bound, (whole.bound, split.bound)
    assert whole.bound <= inst.plan_cost(best_ffd(inst)) + 1e-6
