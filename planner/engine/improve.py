"""Local improvement of a plan by large-neighbourhood search (LNS) with the MILP.

Each round picks a few hosts (the most wasteful one plus hosts sharing its
groups or chosen by a seeded random draw) and re-solves their content as a small
packing problem: first its aggregate MIP (which may prove nothing cheaper exists,
or give host counts that hold the replicas as they are), then the assignment
MILP, warm-started from the current hosts. A result is kept when it is valid and
cheaper. The rest of the plan is untouched, so spread and capacity elsewhere still hold.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np

from planner.engine.bounds import aggregate_mip_bound
from planner.engine.ffd import right_size
from planner.engine.fixed_hosts import pack_into_hosts
from planner.engine.instance import Bin, Instance, build_instance
from planner.engine.milp import (
    build_assignment_model,
    candidate_host_counts,
    estimate_size,
    solve_assignment_model,
    start_values,
)
from planner.engine.problem import ItemGroup, PackingProblem

# Neighbourhood size: hosts per round and the largest sub-MILP accepted.
_LNS_HOSTS = (4, 10)
_LNS_MAX_VARS = 6000
# Time limit of one round's sub-MILP.
LNS_ROUND_SECONDS = 3.0
# Time limits of a round's first move: the subset's aggregate MIP, then packing its hosts.
AGGREGATE_ROUND_SECONDS = 1.0
PACK_ROUND_SECONDS = 0.5


def _utilisation(inst: Instance, b: Bin) -> float:
    vcpu = sum(n * inst.group_vcpu[g] for g, n in b.counts.items()) / inst.type_vcpu[b.type_index]
    memory_gib = sum(n * inst.group_memory_gib[g] for g, n in b.counts.items()) / inst.type_memory_gib[b.type_index]
    return max(vcpu, memory_gib)


def lns_improve(
    inst: Instance,
    bins: list[Bin],
    deadline: float,
    seed: int,
    threads: int,
    usable: np.ndarray,
    on_improve: Callable[[list[Bin]], None] | None = None,
    max_rounds: int = 400,
) -> list[Bin]:
    """Return ``bins`` improved by LNS rounds until ``deadline`` (never worse)."""
    rng = random.Random(seed)
    bins = [Bin(b.type_index, dict(b.counts)) for b in bins]
    failures: dict[tuple[int, ...], int] = {}
    for round_index in range(max_rounds):
        if time.perf_counter() > deadline - 0.5 or len(bins) < 2:
            break
        chosen = _pick_neighbourhood(inst, bins, rng, round_index)
        key = tuple(sorted(chosen))
        if failures.get(key, 0) >= 1:
            continue
        better = _resolve_subset(inst, [bins[i] for i in chosen], deadline, seed, threads, usable)
        if better is None:
            failures[key] = failures.get(key, 0) + 1
            continue
        keep = [b for i, b in enumerate(bins) if i not in set(chosen)]
        bins = keep + better
        failures.clear()
        if on_improve is not None:
            on_improve(bins)
    return bins


def _pick_neighbourhood(inst: Instance, bins: list[Bin], rng: random.Random, round_index: int) -> list[int]:
    """Return indices of hosts to re-solve together."""
    # at most half the plan's hosts: re-solving them all is the whole problem again (a 4-host plan)
    size = min(rng.randint(*_LNS_HOSTS), max(2, len(bins) // 2))
    util = [_utilisation(inst, b) for b in bins]
    by_waste = sorted(range(len(bins)), key=lambda i: (util[i], i))
    # Alternate between the emptiest hosts and random seeds.
    anchor = by_waste[round_index % min(len(bins), 5)] if round_index % 2 == 0 else rng.randrange(len(bins))
    chosen = [anchor]
    groups = set(bins[anchor].counts)
    related = [i for i in range(len(bins)) if i != anchor and groups & set(bins[i].counts)]
    rng.shuffle(related)
    others = [i for i in by_waste if i != anchor and i not in related]
    for i in related[: size // 2] + others[: size] + related[size // 2 :]:
        if len(chosen) >= size:
            break
        if i not in chosen:
            chosen.append(i)
    return chosen


def _resolve_subset(
    inst: Instance, subset: list[Bin], deadline: float, seed: int, threads: int, usable: np.ndarray
) -> list[Bin] | None:
    """Re-solve the content of ``subset``; return cheaper bins (in ``inst`` indices) or None."""
    counts = np.zeros(inst.n_groups, dtype=np.int64)
    for b in subset:
        for g, n in b.counts.items():
            counts[g] += n
    present = np.flatnonzero(counts)
    items = tuple(
        ItemGroup(
            name=inst.groups[g].name,
            count=int(counts[g]),
            vcpu=inst.groups[g].vcpu,
            memory_gib=inst.groups[g].memory_gib,
            max_per_host=inst.groups[g].max_per_host,
            compatible=inst.groups[g].compatible,
            licence_group=inst.groups[g].licence_group,
        )
        for g in present
    )
    types = tuple(t for i, t in enumerate(inst.types) if usable[i])
    sub = build_instance(PackingProblem(items, types, 0.0))
    group_map = {inst.groups[g].name: int(g) for g in present}
    type_map = {t.name: i for i, t in enumerate(inst.types)}
    sub_bins = sub.from_host_loads(inst.to_host_loads(subset))
    current = sub.plan_cost(sub_bins)

    def back(new: list[Bin]) -> list[Bin]:
        return [Bin(type_map[h.host_type], {group_map[name]: n for name, n in h.items.items()})
                for h in sub.to_host_loads(new)]

    # First the cheap move: the subset's aggregate MIP (whole hosts per type, reachable
    # capacities) proves there is nothing to gain, or its hosts may hold the replicas as they
    # are (pack_into_hosts), re-mixing host types across the subset in one step.
    left = deadline - time.perf_counter() - 0.3
    if left < 0.3:
        return None
    mip = aggregate_mip_bound(sub, min(AGGREGATE_ROUND_SECONDS, 0.5 * left), rel_gap=1e-6, seed=seed)
    if mip.bound is not None and mip.bound >= current * (1 - 1e-5) - 1e-6:
        return None  # proven (up to the bound's own shading): no cheaper packing of these replicas
    if mip.hosts_by_type is not None:
        # each licence first only on as many hosts as the MIP licensed for it (as in solve.py)
        licensed = mip.licensed_hosts if mip.licensed_hosts is not None and mip.licensed_hosts.any() else None
        for restrict in ((licensed, None) if licensed is not None else (None,)):
            left = deadline - time.perf_counter() - 0.3
            packed = pack_into_hosts(sub, mip.hosts_by_type, min(PACK_ROUND_SECONDS, 0.25 * left), seed, restrict)
            if packed is not None:
                packed = right_size(sub, packed)
                if sub.plan_cost(packed) < current - 1e-6:
                    return back(packed)
    sub_usable = np.ones(sub.n_types, dtype=bool)
    host_counts = candidate_host_counts(sub, current, sub_bins, sub_usable)
    if estimate_size(sub, host_counts) > _LNS_MAX_VARS:
        return None
    model = build_assignment_model(sub, host_counts, strong_links=True)
    start = start_values(sub, model, sub_bins)
    seconds = min(LNS_ROUND_SECONDS, deadline - time.perf_counter() - 0.3)
    if seconds < 0.3:
        return None
    result = solve_assignment_model(sub, model, "highs", seconds, 1e-4, threads, seed, start)
    if result.bins is None or not sub.coverage_ok(result.bins):
        return None
    new = right_size(sub, result.bins)
    if sub.plan_cost(new) >= current - 1e-6:
        return None
    return back(new)
