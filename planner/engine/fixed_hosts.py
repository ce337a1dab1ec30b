"""Pack every replica into a given set of hosts: the aggregate MIP's host counts, made real.

The aggregate MIP (``bounds.py``) picks whole numbers of hosts per type but lets
replicas be split. When its hosts can in fact hold every replica, that plan costs
the MIP's optimum (plus what per-host licences add), which is a proven lower bound:
the plan is optimal at once. Whether they can is a small feasibility MIP over
(group, host) pairs that HiGHS settles in well under a second on pools of a few
dozen hosts (AWS 1,000-replica fleet, Windows pool: 16 services, the optimum found
this way where the assignment MILP needed 6 s). Pools with more pairs than
``MAX_PAIRS`` are left alone.
"""

from __future__ import annotations

import highspy
import numpy as np

from planner.engine.bounds import reachable_capacities
from planner.engine.highs_setup import new_highs
from planner.engine.instance import Bin, Instance

# Largest number of (group, host) variables the feasibility MIP is built for.
MAX_PAIRS = 20_000


def pack_into_hosts(inst: Instance, hosts_by_type: np.ndarray, time_limit: float, seed: int = 0,
                    licensed_hosts: np.ndarray | None = None, demand: np.ndarray | None = None,
                    load_floors: bool = False) -> list[Bin] | None:
    """Return a packing of every replica into exactly these hosts, or None (none exists, or none found in time).

    ``demand`` (replicas per group) replaces the fleet's counts: the caller has placed the
    rest. With ``load_floors`` each host must carry at least its type's reachable vCPU and
    memory (``bounds.reachable_capacities``) minus the hosts' total slack over ``demand``:
    every packing into these hosts does, since no host carries more than it can reach,
    so the rows cut no packing, and where the slack is nearly 0 they tell HiGHS at once
    that every host is (nearly) full.

    variables  x[s,b] in {0 .. min(max_per_host, fit alone)}   replicas of group s on host b
    subject to sum_b x[s,b] == count_s;  per host b: vCPU, memory and slots within its type's capacity
    Licences do not enter the model: the caller prices the plan it gets. With ``licensed_hosts``
    (licence groups x types, as the aggregate MIP chose them), a licensed group may only go on
    the first licensed_hosts[L, t] hosts of each type t, so the plan pays each licence on that
    many hosts, not on every host a replica happens to land on (a few dozen Windows VMs spread
    over every hypervisor host cost a Datacenter licence on each).
    """
    counts = np.rint(np.maximum(np.asarray(hosts_by_type, dtype=float), 0.0)).astype(np.int64)
    host_types = [t for t in range(inst.n_types) for _ in range(int(counts[t]))]
    if not host_types or time_limit <= 0:
        return None
    rank = np.zeros(len(host_types), dtype=np.int64)  # host b is the rank[b]-th host of its type
    seen = np.zeros(inst.n_types, dtype=np.int64)
    for b, t in enumerate(host_types):
        rank[b] = seen[t]
        seen[t] += 1

    def may_hold(s: int, b: int) -> bool:
        t = host_types[b]
        if inst.fit_alone[s, t] <= 0:
            return False
        lic = int(inst.group_licence[s])
        if licensed_hosts is None or lic < 0 or not inst.types[t].licence_options.get(inst.licence_names[lic]):
            return True
        return bool(rank[b] < round(float(licensed_hosts[lic, t])))

    need = inst.group_count.astype(np.int64) if demand is None else np.asarray(demand, dtype=np.int64)
    pairs = [(s, b) for s in range(inst.n_groups) if need[s] > 0 for b in range(len(host_types)) if may_hold(s, b)]
    if len(pairs) > MAX_PAIRS:
        return None
    n = len(pairs)
    upper = np.array([float(min(inst.group_cap[s], inst.fit_alone[s, host_types[b]], need[s])) for s, b in pairs])
    highs = new_highs(time_limit, seed)
    highs.addVars(n, np.zeros(n), upper)
    highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int32))
    by_group: dict[int, list[int]] = {}
    by_host: dict[int, list[int]] = {}
    for j, (s, b) in enumerate(pairs):
        by_group.setdefault(s, []).append(j)
        by_host.setdefault(b, []).append(j)
    for s in range(inst.n_groups):
        js = by_group.get(s, [])
        if need[s] > 0 and not js:
            return None  # no host of these types can take this group
        if js:
            highs.addRow(float(need[s]), float(need[s]), len(js), np.array(js, dtype=np.int32), np.ones(len(js)))
    inf = highspy.kHighsInf
    floors = _load_floors(inst, host_types, need) if load_floors else None
    if floors is False:
        return None  # these hosts cannot reach the load at all
    for b, t in enumerate(host_types):
        js = by_host.get(b, [])
        if not js:
            continue
        idx = np.array(js, dtype=np.int32)
        groups = np.array([pairs[j][0] for j in js])
        vcpu_floor, memory_floor = floors[t] if floors else (-inf, -inf)
        highs.addRow(vcpu_floor, float(inst.type_vcpu[t]), len(js), idx, inst.group_vcpu[groups].astype(float))
        highs.addRow(memory_floor, float(inst.type_memory_gib[t]), len(js), idx,
                     inst.group_memory_gib[groups].astype(float))
        highs.addRow(-inf, float(inst.type_slots[t]), len(js), idx, np.ones(len(js)))
    highs.run()
    if highs.getInfo().primal_solution_status != 2:  # no feasible point found
        return None
    x = np.rint(np.array(highs.getSolution().col_value)).astype(np.int64)
    bins = [Bin(t, {}) for t in host_types]
    for j, (s, b) in enumerate(pairs):
        if x[j] > 0:
            bins[b].counts[s] = int(x[j])
    bins = [b for b in bins if b.counts]
    if not inst.coverage_ok(bins, need):  # every host within capacity (the engine's own test), every replica once
        return None
    return bins


def mix_room(inst: Instance, hosts_by_type: np.ndarray, demand: np.ndarray | None = None) -> tuple[float, float]:
    """Return the (vCPU, memory GiB) these hosts can reach beyond ``demand``'s requests (negative: too little).

    Reachable capacities (``bounds.reachable_capacities``): what requests can actually fill.
    """
    reach_vcpu, reach_memory = reachable_capacities(inst)
    need = inst.group_count if demand is None else np.asarray(demand)
    hosts = np.asarray(hosts_by_type, dtype=float)
    return (float(hosts @ reach_vcpu) - float(inst.group_vcpu @ need),
            float(hosts @ reach_memory) - float(inst.group_memory_gib @ need))


def _load_floors(inst: Instance, host_types: list[int], demand: np.ndarray) -> dict[int, tuple[float, float]] | bool:
    """Return per type the least (vCPU, memory) one of these hosts carries, or False when they cannot hold ``demand``."""
    reach_vcpu, reach_memory = reachable_capacities(inst)
    load = (float(np.dot(inst.group_vcpu, demand)), float(np.dot(inst.group_memory_gib, demand)))
    slack = mix_room(inst, np.bincount(host_types, minlength=inst.n_types), demand)
    if min(slack[0] + 1e-9 * max(1.0, load[0]), slack[1] + 1e-9 * max(1.0, load[1])) < 0:
        return False
    # A hair below the exact figure, so float rounding never cuts a packing.
    return {t: (float(reach_vcpu[t]) - slack[0] - 1e-7 * max(1.0, load[0]),
                float(reach_memory[t]) - slack[1] - 1e-7 * max(1.0, load[1])) for t in set(host_types)}
