"""`solve_packing`: the engine's entry point, which runs the methods in order.

0. Independent pools (no host type in common) are solved apart and added up.
1. FFD (always; the plan we never do worse than) and the aggregate LP bound; the
   aggregate MIP (whole host counts: a stronger bound, and hosts to pack into; when
   they cannot hold the replicas, the near-optimal mixes its search met, filled by
   ``mix_patterns``); where per-host licences cost and the full MILP is too big, the
   MILP over the MIP's hosts.
2. Small models: the aggregated assignment MILP (HiGHS, or CBC on request),
   warm-started from the incumbent, within the remaining time.
3. Large models: column generation over host patterns (Farley / LP bound and a
   diving plan), then large-neighbourhood search: the MILP re-solves a few
   hosts at a time until the time limit.
Every candidate plan is re-checked (capacity, slots, spread, compatibility,
coverage) and re-priced before it may replace the incumbent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from planner.engine.bounds import aggregate_lp_bound, aggregate_mip_bound
from planner.engine.colgen import ColumnGeneration, fill_slack
from planner.engine.components import split_pools
from planner.engine.ffd import best_ffd, lp_guided_packing, right_size
from planner.engine.fixed_hosts import mix_room, pack_into_hosts
from planner.engine.highs_setup import use_threads
from planner.engine.improve import lns_improve
from planner.engine.instance import Bin, Instance, build_instance
from planner.engine.mix_patterns import pack_mix_by_patterns
from planner.engine.milp import (
    build_assignment_model,
    estimate_size,
    milp_model_counts,
    solve_assignment_model,
    start_values,
)
from planner.engine.problem import (
    HostLoad,
    Packing,
    PackingProblem,
    SolveOptions,
    gap_note,
    packing_cost,
    relative_gap,
    status_for,
)

ProgressFn = Callable[[str, float, float | None, float | None], None]

# The assignment MILP is used while it has at most this many x variables; above, column
# generation. The shipped fleets' models (at most about 2,000 variables) close in the MILP.
# Above it, on fleets of 25-400 services (2,700-24,000 variables), HiGHS often spent the whole
# limit in its root node without beating FFD, where column generation closed most of them:
# 10 s runs, AWS containers 9.75 % -> 0.04 % and 11.84 % -> 0.00 %, on-prem VMs 5.67 % ->
# 0.38 %; at 60 s on-prem VMs 0.75 % -> 0.00 % and 0.10 % -> 0.00 %. (Up to 25,000 before;
# solver-notes.md: it stalls beyond roughly 20-30k binaries.)
MILP_MAX_ASSIGN_VARS = 2_500
# Spread rows x <= fit * open are added only below this size (they grow the LP).
MILP_STRONG_LINK_VARS = 12_000
# Share of the remaining time the aggregate LP (the bound of large pools) may take; past it
# a smaller LP without spread rows gives the bound.
AGGREGATE_LP_SHARE = 0.6
# Share of the remaining time the aggregate MIP (whole host counts; a stronger bound) may
# take, and how many times the LP's own solve time it needs to be worth starting.
AGGREGATE_MIP_SHARE = 0.25
AGGREGATE_MIP_LP_FACTOR = 4.0
# The MIP first runs this long (or LP_FACTOR x the LP's time); it gets the rest of its share
# while it has lifted the bound by at least this fraction of the bound, or, up to CLOSING_FACTOR
# x the probe, while its own relative gap is at most CLOSING_GAP (retail-platform on AWS: 0.19 %
# after 1 s, closed at 2.1 s; a MIP that does not close takes no more of the plan search's time).
AGGREGATE_MIP_PROBE = 1.0
AGGREGATE_MIP_LIFT = 2e-4
AGGREGATE_MIP_CLOSING_GAP = 0.005
AGGREGATE_MIP_CLOSING_FACTOR = 3.0
# Packing every replica into the aggregate MIP's hosts (fixed_hosts.py): at most this share of
# the time left, and at most this many seconds.
FIXED_HOSTS_SHARE = 0.1
FIXED_HOSTS_SECONDS = 2.0
# Where per-host licences cost (on-prem Windows, RHEL, Ubuntu Pro guests), the assignment MILP
# over the aggregate MIP's hosts (and the incumbent's), licence editions included, started from
# the incumbent: at most this share of the time left, this many seconds, this many x variables.
HOST_SET_MILP_SHARE = 0.4
HOST_SET_MILP_SECONDS = 15.0
HOST_SET_MILP_MAX_VARS = MILP_STRONG_LINK_VARS
# Its note (dropped again when the plan ends optimal: the bound's source then says nothing).
AGGREGATE_MIP_NOTE = "aggregate MIP (whole host counts)"
# Near-optimal mixes of the aggregate MIP tried (``_try_near_mixes``): those within this many
# gap targets of the bound (twice: a pool a little past the target can still bring the whole
# plan within it, where other pools are exact), of at most this many hosts (the pattern
# packer's master grows with them), within this share of the time left and these seconds.
NEAR_MIX_WINDOW = 2.0
NEAR_MIX_MAX_HOSTS = 50
NEAR_MIX_SHARE = 0.6
NEAR_MIX_SECONDS = 6.0
# Columns kept for the dive on large instances (re-solves slow down as columns pile up).
DIVE_COLUMNS = 1500
# The same on small pools, where the exact root leaves thousands of columns: the dive's
# re-solves dominate its time (AWS 1,000 replicas: 160 solves of ~9,500 columns, 13 s).
DIVE_COLUMNS_SMALL = 3000
# Greedy pricing rounds per dive step on large instances (each re-solve is slow there).
DIVE_PRICING_ROUNDS_LARGE = 1
# Share of the remaining time the column-generation root may use before diving.
CG_ROOT_SHARE = 0.4
# Up to this many item groups CG prices exactly (knapsack, MIP), with Wentges smoothing
# from the aggregate LP duals, and the root gets a larger share: there the CG LP gets
# close enough for its (Farley) bound to beat the aggregate LP (1k-replica benchmark:
# 206 groups in its Linux pool). Above it (5k: 879 groups) the Farley bound never beat
# the aggregate LP in the time limit, so the root prices greedily, for the dive only.
CG_SMALL_GROUPS = 400
CG_ROOT_SHARE_SMALL = 0.5
# Share of the time left that the greedy root, and then its dive, get before the exact root.
CG_GREEDY_FIRST_SHARE = 0.25
# Small pools, after the first exact dive: the share of the time left kept for local search;
# until then, more exact root rounds (at least CG_REDIVE_MIN_ROOT seconds, or this many times
# the last dive's time) and another dive, while the dives are cheap and find new columns.
CG_LNS_SHARE_SMALL = 0.3
CG_REDIVE_MIN_ROOT = 0.5
CG_REDIVE_ROOT_FACTOR = 2.0
# Local search on each dive's plan before it is offered (its tail): at most this many
# rounds, seconds, and share of the time left.
DIVE_REPAIR_ROUNDS = 6
DIVE_REPAIR_SECONDS = 3.0
DIVE_REPAIR_SHARE = 0.3


class Incumbent:
    """The best validated plan so far."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.bins: list[Bin] = []
        self.cost = float("inf")
        self.method = "none"

    def offer(self, bins: list[Bin] | None, method: str) -> bool:
        """Check, right-size and price ``bins``; keep them when strictly cheaper. Return True if kept."""
        if bins is None or not self.inst.coverage_ok(bins):
            return False
        bins = right_size(self.inst, bins)
        cost = self.inst.plan_cost(bins)
        if cost < self.cost - 1e-6:
            self.bins, self.cost, self.method = bins, cost, method
            return True
        return False


def solve_packing(problem: PackingProblem, options: SolveOptions, progress: ProgressFn | None = None) -> Packing:
    """Return a cheap, validated packing of ``problem`` with a proven lower bound."""
    began = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - began

    def remaining() -> float:
        return options.time_limit - elapsed()

    def report(phase: str, best: float | None, bound: float | None) -> None:
        if progress is not None:
            progress(phase, elapsed(), best, bound)

    if sum(max(0, g.count) for g in problem.items) == 0:
        cost = float(problem.fixed_plan_cost)
        return Packing((), cost, cost, "optimal", cost, elapsed(), "empty")
    if all(t.max_items == 1 for t in problem.host_types):
        return _one_item_per_host(problem, elapsed, report)
    inst = build_instance(problem)  # raises InfeasibleError listing every item that fits nowhere
    pools = split_pools(problem)
    if len(pools) > 1:
        return _solve_pools(problem, pools, options, progress)
    use_threads(options.threads)
    notes: list[str] = []
    incumbent = Incumbent(inst)
    ffd_bins = best_ffd(inst)
    incumbent.offer(ffd_bins, "ffd")
    heuristic_cost = packing_cost(problem, inst.to_host_loads(ffd_bins))
    report("ffd", incumbent.cost, None)

    bound = float(problem.fixed_plan_cost)
    lp_began = elapsed()
    aggregate = aggregate_lp_bound(inst, time_limit=max(1.0, AGGREGATE_LP_SHARE * remaining()))
    lp_seconds = elapsed() - lp_began
    if aggregate.bound is not None:
        bound = max(bound, aggregate.bound)
    report("aggregate-lp", incumbent.cost, bound)
    if aggregate.bound is not None:
        incumbent.offer(
            lp_guided_packing(inst, aggregate.replicas_by_type, hosts_by_type=aggregate.hosts_by_type), "lp-round"
        )
        report("lp-round", incumbent.cost, bound)

    def gap_closed() -> bool:
        return incumbent.cost - bound <= options.gap * incumbent.cost + 1e-9

    mip_budget = AGGREGATE_MIP_SHARE * remaining()
    mip_hosts = licensed = None
    if aggregate.bound is not None and not gap_closed() and mip_budget >= max(0.2, AGGREGATE_MIP_LP_FACTOR * lp_seconds):
        bound, mip_hosts, licensed = _run_aggregate_mip(inst, options, incumbent, bound, mip_budget, lp_seconds,
                                                        notes, remaining)
        report("aggregate-mip", incumbent.cost, bound)

    if mip_hosts is not None and licensed is not None and licensed.any() and not gap_closed():
        _run_host_set_milp(inst, options, incumbent, mip_hosts, remaining, notes, report)

    if not gap_closed() and remaining() > 0.5:
        usable, counts = milp_model_counts(inst, incumbent.cost, incumbent.bins)
        size = estimate_size(inst, counts)
        if size <= MILP_MAX_ASSIGN_VARS:
            bound = max(bound, _run_milp(inst, options, incumbent, counts, size, remaining, notes, report))
        else:
            notes.append(f"assignment MILP skipped ({size} variables): column generation used")
            bound = max(bound, _run_colgen(inst, options, incumbent, usable, began, notes, report,
                                             aggregate.group_duals))

    return _finish(inst, options, incumbent, heuristic_cost, bound, elapsed(), notes)


def _run_aggregate_mip(inst: Instance, options: SolveOptions, incumbent: Incumbent, bound: float,
                       budget: float, lp_seconds: float, notes: list[str], remaining: Callable[[], float],
                       ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """Run the aggregate MIP (bounds.py) within ``budget``; offer its rounding.

    Return the bound, the MIP's host counts per type and its licensed hosts (None if it
    found no point).

    One run with a short probe: past it, the MIP keeps going while it has already lifted
    the bound by a real amount, or, up to a few probes' time, while its own gap is small
    enough that it may close (where whole host counts matter the lift shows at once, or
    the MIP closes soon; where they do not, as on 1,000-replica AWS fleets, its time would
    only be taken from the plan search). Then its hosts are tried as they are
    (``pack_into_hosts``): if they hold every replica, the plan meets the bound.
    """
    probe = min(budget, max(AGGREGATE_MIP_PROBE, AGGREGATE_MIP_LP_FACTOR * lp_seconds))

    def worth_going_on(dual: float, mip_gap: float, seconds: float) -> bool:
        if dual - bound >= AGGREGATE_MIP_LIFT * abs(bound):
            return True
        # Its own gap small next to the plan's: closing it may lift the bound by that much.
        closing = max(AGGREGATE_MIP_CLOSING_GAP, 0.5 * relative_gap(incumbent.cost, bound))
        return mip_gap <= closing and seconds <= AGGREGATE_MIP_CLOSING_FACTOR * probe

    mixes: dict[tuple[int, ...], float] = {}
    mip = aggregate_mip_bound(inst, budget, rel_gap=0.1 * options.gap, seed=options.seed,
                              probe=probe, worth_going_on=worth_going_on, mixes=mixes)
    if mip.bound is not None and mip.bound > bound:
        bound = mip.bound
        notes.append(f"{AGGREGATE_MIP_NOTE} " + ("solved" if mip.proven_optimal else "stopped early")
                     + f": bound {bound:,.2f}")
    if mip.replicas_by_type is not None:
        incumbent.offer(lp_guided_packing(inst, mip.replicas_by_type, hosts_by_type=mip.hosts_by_type), "mip-round")
    if mip.hosts_by_type is not None and status_for(incumbent.cost, bound, options.gap) == "feasible":
        # The MIP's hosts may hold every replica as they are: then the plan meets the bound.
        seconds = min(FIXED_HOSTS_SECONDS, FIXED_HOSTS_SHARE * max(0.0, remaining()))
        packed = None
        if mip.licensed_hosts is not None and mip.licensed_hosts.any():
            # First with each licence only on the hosts the MIP licensed for it: where licences
            # are per host, the searches after this one rarely keep licensed replicas together
            # (on-prem, 400 services with Windows and RHEL VMs: 8,675 here against 9,725 at 60 s).
            packed = pack_into_hosts(inst, mip.hosts_by_type, seconds, options.seed, mip.licensed_hosts)
            incumbent.offer(packed, "mip-hosts")
            seconds = min(FIXED_HOSTS_SECONDS, FIXED_HOSTS_SHARE * max(0.0, remaining()))
        if packed is None:
            incumbent.offer(pack_into_hosts(inst, mip.hosts_by_type, seconds, options.seed), "mip-hosts")
    if mip.hosts_by_type is not None and status_for(incumbent.cost, bound, options.gap) == "feasible":
        _try_near_mixes(inst, options, incumbent, bound, mixes, mip.hosts_by_type, remaining, notes)
    return bound, mip.hosts_by_type, mip.licensed_hosts


def _try_near_mixes(inst: Instance, options: SolveOptions, incumbent: Incumbent, bound: float,
                    mixes: dict[tuple[int, ...], float], tried: np.ndarray, remaining: Callable[[], float],
                    notes: list[str]) -> None:
    """Try to fill the near-optimal host mixes the aggregate MIP met, roomiest first (``mix_patterns``).

    Where the MIP's optimum is barely big enough, its hosts often cannot hold the fleet
    (every host would have to be filled to the last 0.05 core and the last MiB), while
    another mix a few dollars dearer can. Its search meets such mixes on the way: those
    within NEAR_MIX_WINDOW times the gap target of the bound, and cheaper than the plan so
    far, are tried in order of their spare room (the lesser of their spare vCPU and
    memory, each as a share of the fleet's), within NEAR_MIX_SHARE of the time left (at
    most NEAR_MIX_SECONDS). A mix that is filled gives a plan within about that window of
    the bound. (Retail-platform / AWS / containers: the optimum's 14 hosts have 0.1 vCPU
    and 0.9 GiB to spare and are never filled; a mix 12 dollars dearer with 0.3 vCPU and
    2.7 GiB is, in 3.4 s.) The time is lost where no mix is filled: that retail pool then
    ends at 9,982 (with a stand-in packer that never fills) instead of 9,884-9,903 in 10 s.
    Mixes of more than NEAR_MIX_MAX_HOSTS hosts are left alone: the master grows with them
    (on-prem, 5,000 replicas: a 111-host mix took 142 s without being filled).

    It is a gamble, and on most pools it loses: of 32 generated and perturbed fleets on
    AWS at 10 s (an outside check, old engine against new), the step tried mixes in 16,
    filled none, and left 11 plans 0.15-1.14 % dearer (0.9-5.1 s taken from column
    generation); at 60 s the three worst were +0.08 %, +0.11 % and unchanged. Hence the
    cap of NEAR_MIX_SECONDS: the retail fill needs about 3.5 s, the failed tries took up to 5.1 s.
    """
    limit = min(incumbent.cost - 1e-6, bound * (1.0 + NEAR_MIX_WINDOW * options.gap))
    tried_key = tuple(int(c) for c in np.rint(tried))
    load_vcpu = float(np.dot(inst.group_vcpu, inst.group_count))
    load_memory = float(np.dot(inst.group_memory_gib, inst.group_count))
    ranked = []
    for key, value in mixes.items():
        hosts = np.array(key, dtype=float)
        if key == tried_key or value > limit or hosts.sum() > NEAR_MIX_MAX_HOSTS:
            continue
        room_vcpu, room_memory = mix_room(inst, hosts)
        if room_vcpu < -1e-9 * max(1.0, load_vcpu) or room_memory < -1e-9 * max(1.0, load_memory):
            continue  # cannot hold the pool's requests at all
        room = min(room_vcpu / max(load_vcpu, 1e-12), room_memory / max(load_memory, 1e-12))
        ranked.append((-room, value, key))
    if not ranked:
        return
    deadline = time.perf_counter() + min(NEAR_MIX_SECONDS, NEAR_MIX_SHARE * max(0.0, remaining()))
    before = incumbent.cost
    for _, _, key in sorted(ranked):
        if time.perf_counter() >= deadline:
            return
        bins = pack_mix_by_patterns(inst, np.array(key, dtype=float), deadline, options.seed)
        if incumbent.offer(bins, "near-mix"):
            notes.append(f"a near-optimal host mix of the aggregate MIP was filled: saved "
                         f"{before - incumbent.cost:,.2f} per month")
            return


def _run_host_set_milp(inst: Instance, options: SolveOptions, incumbent: Incumbent, mip_hosts: np.ndarray,
                       remaining: Callable[[], float], notes: list[str],
                       report: Callable[[str, float | None, float | None], None]) -> None:
    """Re-solve the plan over the aggregate MIP's hosts and the incumbent's, licences included.

    Where a host's licence edition depends on how many licensed VMs it ends up with
    (Windows Server Standard stacks or Datacenter, RHEL per 2 VMs or for Virtual
    Datacenters), the packings and searches here do not weigh it: they spread a few
    dozen Windows VMs over every host. The assignment MILP (``milp.py``) prices each
    host's editions; over a handful of candidate hosts (the MIP's, plus the incumbent's
    so it starts from the incumbent) it is small even where the full model is not. Its
    dual bound holds only for those hosts, so only its plan is used. Skipped where the
    full MILP will run anyway.
    """
    _, full_counts = milp_model_counts(inst, incumbent.cost, incumbent.bins)
    if estimate_size(inst, full_counts) <= MILP_MAX_ASSIGN_VARS:
        return
    counts = np.rint(np.maximum(np.asarray(mip_hosts, dtype=float), 0.0)).astype(np.int64)
    counts = np.maximum(counts, np.bincount([b.type_index for b in incumbent.bins], minlength=inst.n_types))
    size = estimate_size(inst, counts)
    seconds = min(HOST_SET_MILP_SECONDS, HOST_SET_MILP_SHARE * remaining())
    if size > HOST_SET_MILP_MAX_VARS or seconds < 1.0:
        return
    model = build_assignment_model(inst, counts, strong_links=True)
    start = start_values(inst, model, incumbent.bins)
    result = solve_assignment_model(inst, model, options.solver, seconds, options.gap, options.threads,
                                    options.seed, start)
    before = incumbent.cost
    if result.bins is not None and incumbent.offer(right_size(inst, result.bins), "host-set-milp"):
        notes.append(f"the MILP over the aggregate MIP's hosts (licence editions per host) saved "
                     f"{before - incumbent.cost:,.2f} per month")
    report("host-set-milp", incumbent.cost, None)


def _solve_pools(problem: PackingProblem, pools: list[PackingProblem], options: SolveOptions,
                 progress: ProgressFn | None) -> Packing:
    """Solve independent pools one by one and add them up (components.py).

    The time limit is shared in proportion to replicas (at least half an equal split),
    smallest pool first, so time a small pool leaves unused goes to the larger ones.
    Costs and bounds add up; the first-fit-decreasing cost is that of ``ffd_packing``
    (which splits the same way), up to float rounding.
    """
    began = time.perf_counter()
    sizes = [sum(max(0, g.count) for g in pool.items) for pool in pools]
    order = sorted(range(len(pools)), key=lambda i: (sizes[i], i))
    results: dict[int, Packing] = {}
    for k, i in enumerate(order):
        left = options.time_limit - (time.perf_counter() - began)
        # In proportion to replicas, but at least half an equal split: small pools often
        # need a MILP to close their gap, and what they leave unused flows on.
        pools_left = len(order) - k
        share = left * max(sizes[i] / max(1, sum(sizes[j] for j in order[k:])), 0.5 / pools_left)
        sub_options = replace(options, time_limit=max(0.5, share))

        def sub_progress(phase: str, elapsed: float, best: float | None, bound: float | None,
                         _label: str = f"pool {i + 1}/{len(pools)}") -> None:
            if progress is not None:
                progress(f"{_label}: {phase}", time.perf_counter() - began, None, None)

        results[i] = solve_packing(pools[i], sub_options, sub_progress)
    parts = [results[i] for i in range(len(pools))]
    hosts = tuple(h for part in parts for h in part.hosts)
    hosts = tuple(sorted(hosts, key=lambda h: (h.host_type, sorted(h.items.items()))))
    cost = packing_cost(problem, hosts)
    bound = min(cost, float(problem.fixed_plan_cost) + sum(part.lower_bound for part in parts))
    status = status_for(cost, bound, options.gap)
    notes = [f"{len(pools)} independent pools (no host type in common) solved one by one"]
    for n, part in enumerate(parts, 1):
        notes += [f"pool {n}: {note}" for note in part.notes]
    return Packing(
        hosts=hosts,
        cost=cost,
        lower_bound=bound,
        status=status,
        heuristic_cost=float(problem.fixed_plan_cost) + sum(part.heuristic_cost for part in parts),
        solve_seconds=time.perf_counter() - began,
        method="+".join(dict.fromkeys(part.method for part in parts)),
        notes=tuple(notes),
    )


def _one_item_per_host(problem: PackingProblem, elapsed: Callable[[], float],
                       report: Callable[[str, float | None, float | None], None]) -> Packing:
    """Solve exactly when every host holds one item (one VM per cloud instance).

    Each item needs a host of its own and host costs do not interact, so giving every
    item the cheapest compatible type that fits it (fixed cost plus its licence for one
    item; ties by name) is optimal, and its cost is also the lower bound.
    """
    inst = build_instance(problem)  # raises InfeasibleError for items that fit nowhere
    del inst
    by_name = {t.name: t for t in problem.host_types}
    hosts: list[HostLoad] = []
    for group in problem.items:
        if group.count <= 0:
            continue
        fitting = [by_name[n] for n in sorted(group.compatible) if n in by_name
                   and group.vcpu <= by_name[n].vcpu * (1 + 1e-10) + 1e-12
                   and group.memory_gib <= by_name[n].memory_gib * (1 + 1e-10) + 1e-12]
        best = min(fitting, key=lambda t: (t.fixed_cost + t.licence_cost(group.licence_group, 1)[0], t.name))
        hosts += [HostLoad(best.name, {group.name: 1}) for _ in range(group.count)]
    hosts.sort(key=lambda h: (h.host_type, sorted(h.items.items())))
    cost = packing_cost(problem, hosts)
    report("one-per-host", cost, cost)
    return Packing(tuple(hosts), cost, cost, "optimal", cost, elapsed(), "cheapest-fit")


def _run_milp(
    inst: Instance,
    options: SolveOptions,
    incumbent: Incumbent,
    counts: np.ndarray,
    size: int,
    remaining: Callable[[], float],
    notes: list[str],
    report: Callable[[str, float | None, float | None], None],
) -> float:
    """Run the assignment MILP; offer its plan; return the valid bound it proves (or -inf)."""
    model = build_assignment_model(inst, counts, strong_links=size <= MILP_STRONG_LINK_VARS)
    start = start_values(inst, model, incumbent.bins)
    budget = max(1.0, remaining() - 0.5)
    result = solve_assignment_model(
        inst, model, options.solver, budget, options.gap, options.threads, options.seed, start
    )
    if _start_echoed(inst, options, result) and remaining() > 1.0:
        # HiGHS can hand back its MIP start as "optimal" with a bound that start does not
        # meet (solver-notes.md; ERGO-Code/HiGHS #902): distrust that run, re-solve cold.
        notes.append("the MILP returned its warm start as optimal; re-solved without the start")
        result = solve_assignment_model(
            inst, model, options.solver, max(1.0, remaining() - 0.5), options.gap, options.threads,
            options.seed, None
        )
    method = "milp-cbc" if options.solver == "cbc" else "milp-highs"
    if result.bins is not None and not incumbent.offer(result.bins, method):
        if not inst.coverage_ok(result.bins):
            notes.append(f"{method} returned an invalid plan; kept the previous one")
    if result.dual_bound is None:
        report(method, incumbent.cost, None)
        return float("-inf")
    # A plan cheaper than the incumbent lies in the model, so the optimum is at
    # least min(incumbent, model bound).
    model_bound = float(inst.problem.fixed_plan_cost) + result.dual_bound
    model_bound -= abs(model_bound) * 1e-9 + 1e-6
    proven = min(incumbent.cost, model_bound)
    report(method, incumbent.cost, proven)
    return proven


def _start_echoed(inst: Instance, options: SolveOptions, result: object) -> bool:
    """Return True when a solver claims optimality but its plan misses its own bound by more than the gap."""
    bins = getattr(result, "bins", None)
    dual = getattr(result, "dual_bound", None)
    if bins is None or dual is None or not getattr(result, "proven_optimal", False):
        return False
    cost = inst.plan_cost(bins)
    bound = float(inst.problem.fixed_plan_cost) + dual
    return cost - bound > options.gap * cost + 1e-6


def _run_colgen(
    inst: Instance,
    options: SolveOptions,
    incumbent: Incumbent,
    usable: np.ndarray,
    began: float,
    notes: list[str],
    report: Callable[[str, float | None, float | None], None],
    start_duals: np.ndarray | None = None,
) -> float:
    """Run column generation (bound) and a dive (plan); return the valid bound (or -inf)."""
    deadline = began + options.time_limit - _finish_margin(options.time_limit)
    small = inst.n_groups <= CG_SMALL_GROUPS
    cg = ColumnGeneration(inst, usable, deadline, seed=options.seed, enhanced=small, exact_pricing=small)
    for b in incumbent.bins:
        cg.add_column(b.type_index, b.counts)
    share = CG_ROOT_SHARE_SMALL if small else CG_ROOT_SHARE
    start_duals = start_duals if small else None
    if small:
        # A quick greedy root and dive first: on some pools (AWS, 1,000 replicas) the exact
        # root's Farley bound never reaches the aggregate bound and its slow rounds leave the
        # dive little time, so a plan from greedy columns comes first; the exact root then
        # goes on from those columns (and the plan) for the bound and a second dive.
        cg.exact_pricing = False
        left = max(0.0, deadline - time.perf_counter())
        cg.run_root(time.perf_counter() + CG_GREEDY_FIRST_SHARE * left, None, start_duals)
        quick = _dive_plan(cg, inst, usable, time.perf_counter() + CG_GREEDY_FIRST_SHARE * left, 1)
        if quick is not None and _offer_as_columns(cg, incumbent, *quick):
            report("cg-dive", incumbent.cost, None)
        cg.restore_full_demand()
        cg.exact_pricing = True
    root_stop = time.perf_counter() + share * max(0.0, deadline - time.perf_counter())
    cg_bound = cg.run_root(root_stop, lambda bnd: report("cg", incumbent.cost, bnd), start_duals)
    redives = 0
    cg.compact(DIVE_COLUMNS_SMALL if small else DIVE_COLUMNS, protected=len(incumbent.bins))
    lns_from = time.perf_counter() + (1.0 - CG_LNS_SHARE_SMALL) * max(0.0, deadline - time.perf_counter())
    while True:
        dive_began = time.perf_counter()
        dived = _dive_plan(cg, inst, usable, deadline, 3 if small else DIVE_PRICING_ROUNDS_LARGE)
        dive_seconds = time.perf_counter() - dive_began
        if dived is not None:
            bins, method = dived
            bins = _repair_dive(inst, bins, deadline, options, usable)
            if method.endswith("+ffd"):
                notes.append(f"column-generation dive ran out of time; {len(cg.partial[0]) if cg.partial else 0} "
                             "hosts fixed, the rest placed by FFD")
            _offer_as_columns(cg, incumbent, bins, method)
        report("cg-dive", incumbent.cost, cg_bound)
        # Small pools: while dives are cheap, more root rounds (new columns) and another dive;
        # a share of the time is kept for local search.
        slice_seconds = max(CG_REDIVE_MIN_ROOT, CG_REDIVE_ROOT_FACTOR * dive_seconds)
        if (not small or dived is None or dived[1].endswith("+ffd")
                or time.perf_counter() + slice_seconds + 2.0 * dive_seconds > lns_from):
            break
        columns_before = len(cg.columns)
        cg.restore_full_demand()
        more = cg.run_root(time.perf_counter() + slice_seconds, lambda bnd: report("cg", incumbent.cost, bnd))
        if more is not None:
            cg_bound = more if cg_bound is None else max(cg_bound, more)
        if len(cg.columns) == columns_before:
            break  # nothing new to dive on: the same dive would give the same plan
        redives += 1
    if cg_bound is not None:
        notes.append(
            f"column generation: {cg.iterations} rounds, {len(cg.columns)} patterns, "
            + ("LP converged" if cg.converged else "stopped early (Farley bound)")
            + (f", {redives + 1} dives" if redives else "")
        )
    if time.perf_counter() < deadline - 1.0:
        before = incumbent.cost
        improved = lns_improve(
            inst,
            incumbent.bins,
            deadline,
            options.seed,
            options.threads,
            usable,
            on_improve=lambda bins: report("lns", inst.plan_cost(bins), cg_bound),
        )
        if incumbent.offer(improved, incumbent.method + "+lns"):
            notes.append(f"local search (MILP on host subsets) saved {before - incumbent.cost:,.2f} per month")
    return float("-inf") if cg_bound is None else cg_bound


def _repair_dive(inst: Instance, bins: list[Bin], deadline: float, options: SolveOptions,
                 usable: np.ndarray) -> list[Bin]:
    """Return a dive's plan after a few local-search rounds on its emptiest hosts.

    A dive fixes the LP's columns step by step; its last steps often leave a big host
    nearly empty (the residual's last large replicas), which can cost a few percent
    (AWS 1,000 replicas: a dive whose LP promised 54,887 ended at 55,826, worse than the
    plan it should have replaced). Local search starts from the emptiest host, so a few
    rounds re-pack that tail before the plan is compared with the incumbent.
    """
    left = deadline - time.perf_counter()
    stop = time.perf_counter() + min(DIVE_REPAIR_SECONDS, DIVE_REPAIR_SHARE * left)
    if stop - time.perf_counter() < 1.0:  # local search keeps 0.5 s back
        return bins
    return lns_improve(inst, right_size(inst, bins), stop, options.seed, options.threads, usable,
                       max_rounds=DIVE_REPAIR_ROUNDS)


def _offer_as_columns(cg: ColumnGeneration, incumbent: Incumbent, bins: list[Bin], method: str) -> bool:
    """Offer a plan; when it becomes the incumbent, its (right-sized) hosts join the master as columns."""
    if not incumbent.offer(bins, method):
        return False
    for b in incumbent.bins:
        cg.add_column(b.type_index, b.counts)
    return True


def _dive_plan(cg: ColumnGeneration, inst: Instance, usable: np.ndarray, stop_at: float,
               pricing_rounds: int) -> tuple[list[Bin], str] | None:
    """Dive until ``stop_at``; when time runs out, keep the fixed hosts and place the rest FFD."""
    bins = cg.dive(stop_at, pricing_rounds=pricing_rounds)
    if bins is not None:
        return bins, "cg-dive"
    if cg.partial is None:
        return None
    fixed, residual = cg.partial
    fixed = [Bin(b.type_index, dict(b.counts)) for b in fixed]
    residual = residual.copy()
    fill_slack(inst, fixed, residual)  # the room the fixed hosts have left first, then new hosts
    return fixed + best_ffd(inst, usable, residual), "cg-dive+ffd"


def _finish_margin(time_limit: float) -> float:
    """Return the seconds kept back for canonicalising and validating the plan."""
    return min(5.0, 0.03 * time_limit + 0.2)


def _finish(
    inst: Instance,
    options: SolveOptions,
    incumbent: Incumbent,
    heuristic_cost: float,
    bound: float,
    seconds: float,
    notes: list[str],
) -> Packing:
    """Canonicalise the incumbent into a Packing with status and notes."""
    hosts = inst.to_host_loads(incumbent.bins)
    cost = packing_cost(inst.problem, hosts)
    bound = min(bound, cost)
    status = status_for(cost, bound, options.gap)
    if status == "feasible":
        notes.append(gap_note(cost, bound, options.gap))
    else:  # how the bound was proven matters only while a gap remains
        notes = [n for n in notes if not n.startswith(AGGREGATE_MIP_NOTE)]
    return Packing(
        hosts=hosts,
        cost=cost,
        lower_bound=bound,
        status=status,
        heuristic_cost=heuristic_cost,
        solve_seconds=seconds,
        method=incumbent.method,
        notes=tuple(notes),
    )
