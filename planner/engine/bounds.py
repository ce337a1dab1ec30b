"""Cheap lower bounds on the optimal plan cost: the aggregate host-type LP and its MIP.

Only valid bounds live here: each is the optimum of a relaxation, used only when
the LP solved to optimality, and shaded down by a small tolerance. The stronger
column-generation bound lives in ``colgen.py``; the MILP dual bound in ``milp.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from planner.engine.highs_setup import deferred_signals, new_highs
from planner.engine.instance import Instance, dominated_types, max_copies
from planner.engine.problem import LicenceOption
from planner.engine.reach import reachable_capacity

# Relative and absolute shading applied to LP optima before they count as bounds.
BOUND_RTOL = 1e-7
BOUND_ATOL = 1e-6


def shade(value: float) -> float:
    """Return ``value`` lowered by the bound tolerance (LP optima are floating point)."""
    return value - abs(value) * BOUND_RTOL - BOUND_ATOL


def most_licensed_items(inst: Instance, members: np.ndarray, t: int) -> int:
    """Return the most items of ``members`` (one licence group) that one host of type t can hold."""
    compat = members[inst.compatible[members, t]]
    if compat.size == 0:
        return 0
    most = min(
        int(inst.type_slots[t]),
        int(inst.fit_alone[compat, t].sum()),
        int(max_copies(inst.group_vcpu[compat].min(), inst.type_vcpu[t])),
        int(max_copies(inst.group_memory_gib[compat].min(), inst.type_memory_gib[t])),
    )
    return max(most, 1)


def licence_cost_lines(inst: Instance, t: int, lic: int, most: int) -> list[tuple[float, float]]:
    """Return lines (a, b) with licence_cost(n) >= a + b * n for every 1 <= n <= ``most``.

    They are the edges of the lower convex hull of n -> licence cost on one host
    (e.g. Datacenter: a flat a; Standard stacks: a line through the 2-VM steps),
    so summed over hosts: licence >= a * (licensed hosts) + b * (licensed items).
    """
    n = np.arange(1, max(1, most) + 1)
    f = inst.licence_cost_array(t, lic, n)
    hull: list[tuple[float, float]] = []
    for x, y in zip(n.tolist(), f.tolist()):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (x - x1) >= (y - y1) * (x2 - x1):  # hull[-1] is not below the chord
                hull.pop()
            else:
                break
        hull.append((float(x), float(y)))
    if len(hull) == 1:
        return [(hull[0][1], 0.0)]
    lines = []
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        slope = (y2 - y1) / (x2 - x1)
        lines.append((y1 - slope * x1, slope))
    return lines


def licence_rate_per_item(inst: Instance) -> np.ndarray:
    """Return (licence groups, types) array: a valid per-item lower bound of licence cost.

    For n > 0 items on one host, ceil(n/k) * c >= n * c / k for a k-item block
    option, and c >= n * c / M for an unlimited option when at most M items of the
    licence group fit on the host. So licence_cost(n) >= n * min over options.
    """
    n_lic = len(inst.licence_names)
    rate = np.zeros((n_lic, inst.n_types))
    for lic, name in enumerate(inst.licence_names):
        members = np.flatnonzero(inst.group_licence == lic)
        for t, host_type in enumerate(inst.types):
            options = host_type.licence_options.get(name, ())
            if not options or not inst.compatible[members, t].any():
                continue
            most_items = most_licensed_items(inst, members, t)
            per_item = []
            for option in options:
                if option.items_per_block is None:
                    per_item.append(option.block_cost / most_items)
                else:
                    per_item.append(option.block_cost / option.items_per_block)
            rate[lic, t] = max(0.0, min(per_item))
    return rate


@dataclass(frozen=True)
class AggregateLP:
    """Result of the aggregate host-type LP."""

    bound: float | None  # valid lower bound on the plan total (None if the LP did not solve)
    replicas_by_type: np.ndarray  # (groups, types) fractional replicas of each group per type
    hosts_by_type: np.ndarray  # (types,) fractional host counts
    group_duals: np.ndarray | None = None  # (groups,) duals of place_all (a stabilisation centre for CG)


def aggregate_lp_bound(inst: Instance, time_limit: float = 30.0) -> AggregateLP:
    """Solve the aggregate LP over host types and return its (shaded) optimum as a bound.

    variables  y[s,t] >= 0  replicas of group s on type t (compatible pairs only)
               n[t]   >= 0  hosts of type t (fractional)
               z[L,t] >= 0  hosts of type t licensing group L (fractional)
               c[L,t] >= 0  licence cost of group L on type t
    minimise   fixed_plan_cost + sum_t fixed_cost_t n[t] + sum_{L,t} c[L,t]
    subject to sum_t y[s,t] == count_s                          (place_all__s)
               sum_s vcpu_s y[s,t]       <= vcpu_t n[t]         (cpu_capacity__t)
               sum_s memory_gib_s y[s,t] <= memory_gib_t n[t]   (memory_capacity__t)
               sum_s y[s,t]              <= max_items_t n[t]    (slot_capacity__t)
               y[s,t] <= fit_alone[s,t] n[t]                    (spread__s__t)
               z[L,t] <= n[t]; y[s,t] <= fit_alone[s,t] z[L,t] and the three
               capacity rows of L's items against z[L,t]        (licensed hosts)
               c[L,t] >= a z[L,t] + b sum_{s in L} y[s,t]       (each line of licence_cost_lines)
               with two or more editions, z[L,t] split by edition, each priced as itself (_add_edition_rows)
    vcpu_t and memory_gib_t are the loads replicas can actually reach on one host of t
    (``reachable_capacities``), not more than its allocatable capacity.
    Every integer plan maps to a feasible point with no higher objective (z = hosts
    holding any item of L, c = what their licences cost), so the optimum is a bound.
    """
    n_s, n_t = inst.n_groups, inst.n_types
    empty = AggregateLP(float(inst.problem.fixed_plan_cost), np.zeros((n_s, n_t)), np.zeros(n_t))
    if n_s == 0:
        return empty
    began = time.perf_counter()
    types = ~dominated_types(inst)
    highs, pairs, n_y = _build_aggregate_model(inst, time_limit, types=types)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        # Very large pools: the spread rows (one per group and type) make the LP slow.
        # Without them it is still a relaxation, so still a bound, and it solves in seconds.
        left = max(5.0, time_limit - (time.perf_counter() - began))
        highs, pairs, n_y = _build_aggregate_model(inst, left, spread_rows=False, types=types)
        highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return AggregateLP(None, np.zeros((n_s, n_t)), np.zeros(n_t))
    x = np.array(highs.getSolution().col_value)
    objective = float(highs.getInfo().objective_function_value)
    y = _replicas_by_type(inst, pairs, x)
    bound = shade(float(inst.problem.fixed_plan_cost) + objective)
    duals = np.array(highs.getSolution().row_dual[:n_s], dtype=float)
    return AggregateLP(bound, y, x[n_y:n_y + n_t], duals)


def reachable_capacities(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Return (vCPU, memory GiB) per type that replicas can actually fill (``reach.py``), once per instance.

    Computed for the undominated types, the only ones the aggregate models use.
    """
    if inst._reachable is None:
        types = ~dominated_types(inst)
        inst._reachable = (
            reachable_capacity(inst.group_vcpu, inst.fit_alone, inst.type_vcpu, types),
            reachable_capacity(inst.group_memory_gib, inst.fit_alone, inst.type_memory_gib, types),
        )
    return inst._reachable


def _build_aggregate_model(
    inst: Instance, time_limit: float, spread_rows: bool = True, types: np.ndarray | None = None,
    editions: bool = True, edition_hosts: list[int] | None = None,
) -> tuple[highspy.Highs, list[tuple[int, int]], int]:
    """Build the aggregate LP above (rows place_all__s first; without spread rows if asked).

    ``edition_hosts``, if given, receives the edition-split host columns (w_o).

    ``types`` (a mask) leaves the other types out: pass the undominated ones, as some
    optimal plan uses only those (``dominated_types``), so the optimum stays a bound.

    Columns: y (one per compatible pair, in ``pairs`` order), then n per type, then z, c
    per licensed (group, type), then (with ``editions``) the edition split of each licensed
    (group, type) with two or more options (``_add_edition_rows``). Return (model, pairs,
    number of y columns).
    """
    n_s, n_t = inst.n_groups, inst.n_types
    allowed = np.ones(n_t, dtype=bool) if types is None else np.asarray(types, dtype=bool)
    type_vcpu, type_memory_gib = reachable_capacities(inst)
    pairs = [(s, t) for s in range(n_s) for t in range(n_t) if inst.fit_alone[s, t] > 0 and allowed[t]]
    n_y = len(pairs)
    # Licensed (group L, type t) pairs get a z and a c column each, after y and n.
    licensed = [(lic, t, n_y + n_t + 2 * i) for i, (lic, t) in enumerate(_licensed_pairs(inst, allowed))]
    costs = [0.0] * (n_y + n_t + 2 * len(licensed))
    costs[n_y:n_y + n_t] = [float(c) for c in inst.type_fixed_cost]
    for _, _, z in licensed:
        costs[z + 1] = 1.0

    def new_column() -> int:
        costs.append(0.0)
        return len(costs) - 1
    # Rows, built column-wise as (row, col, value) triplets.
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    inf = highspy.kHighsInf

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lower.append(lo)
        upper.append(hi)

    by_group: dict[int, list[int]] = {}
    by_type: dict[int, list[int]] = {}
    for j, (s, t) in enumerate(pairs):
        by_group.setdefault(s, []).append(j)
        by_type.setdefault(t, []).append(j)
    for s in range(n_s):
        count = float(inst.group_count[s])
        add_row([(j, 1.0) for j in by_group.get(s, [])], count, count)
    for t in range(n_t):
        js = by_type.get(t, [])
        if not js:
            continue
        add_row([(j, inst.group_vcpu[pairs[j][0]]) for j in js] + [(n_y + t, -type_vcpu[t])], -inf, 0.0)
        add_row([(j, inst.group_memory_gib[pairs[j][0]]) for j in js] + [(n_y + t, -type_memory_gib[t])], -inf, 0.0)
        add_row([(j, 1.0) for j in js] + [(n_y + t, -float(inst.type_slots[t]))], -inf, 0.0)
        for j in js if spread_rows else ():
            add_row([(j, 1.0), (n_y + t, -float(inst.fit_alone[pairs[j][0], t]))], -inf, 0.0)
    for lic, t, z in licensed:
        js = [j for j in by_type.get(t, []) if inst.group_licence[pairs[j][0]] == lic]
        add_row([(z, 1.0), (n_y + t, -1.0)], -inf, 0.0)
        for weight, capacity in (
            (inst.group_vcpu, type_vcpu[t]),
            (inst.group_memory_gib, type_memory_gib[t]),
            (np.ones(n_s), float(inst.type_slots[t])),
        ):
            add_row([(j, float(weight[pairs[j][0]])) for j in js] + [(z, -float(capacity))], -inf, 0.0)
        for j in js if spread_rows else ():
            add_row([(j, 1.0), (z, -float(inst.fit_alone[pairs[j][0], t]))], -inf, 0.0)
        most = most_licensed_items(inst, np.flatnonzero(inst.group_licence == lic), t)
        for a, b in licence_cost_lines(inst, t, lic, most):
            add_row([(z + 1, 1.0), (z, -a)] + [(j, -b) for j in js], 0.0, inf)
        options = inst.types[t].licence_options.get(inst.licence_names[lic], ())
        if editions and len(options) >= 2 and js:
            hosts_by_edition = _add_edition_rows(inst, t, js, pairs, z, options, (type_vcpu[t], type_memory_gib[t]),
                                                 spread_rows, add_row, new_column)
            if edition_hosts is not None:
                edition_hosts.extend(hosts_by_edition)
    n_cols = len(costs)
    cost = np.array(costs)
    highs = new_highs(time_limit)
    highs.addVars(n_cols, np.zeros(n_cols), np.full(n_cols, inf))
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    matrix = _csr(rows, cols, vals, len(lower), n_cols)
    highs.addRows(len(lower), np.array(lower), np.array(upper), matrix[2].size, matrix[0], matrix[1], matrix[2])
    return highs, pairs, n_y


def _add_edition_rows(inst: Instance, t: int, js: list[int], pairs: list[tuple[int, int]], z: int,
                      options: tuple[LicenceOption, ...], capacity: tuple[float, float], spread_rows: bool,
                      add_row: Callable[[list[tuple[int, float]], float, float], None],
                      new_column: Callable[[], int]) -> list[int]:
    """Split the licensed hosts z of (L, t) by the edition they buy, so each edition is priced as itself.

    The convex envelope of min(Datacenter, Standard stacks) is weak where a host may hold hundreds
    of small VMs: it prices a host with 50 Windows VMs at a fraction of a Datacenter licence. Here
    w_o hosts of type t license L with option o and hold u_{s,o} of L's replicas:
        z = sum_o w_o,  y[s,t] = sum_o u_{s,o},  each option's replicas within w_o hosts'
        vCPU, memory, slots and spread,  c >= sum_o c_o,  c_o >= block_cost_o w_o (a host
        using o buys at least one block),  c_o >= block_cost_o / items_per_block_o sum_s u_{s,o}.
    Every plan maps to a point (w_o: hosts whose cheapest licensing of L is o), so it stays a relaxation.
    Return the w_o columns.
    """
    inf = highspy.kHighsInf
    parts = []
    for option in options:
        w, c_o = new_column(), new_column()
        parts.append((option, w, c_o, [new_column() for _ in js]))
    add_row([(z, 1.0)] + [(w, -1.0) for _, w, _, _ in parts], 0.0, 0.0)
    for k, j in enumerate(js):
        add_row([(j, 1.0)] + [(us[k], -1.0) for *_, us in parts], 0.0, 0.0)
    add_row([(z + 1, 1.0)] + [(c_o, -1.0) for _, _, c_o, _ in parts], 0.0, inf)
    groups = [pairs[j][0] for j in js]
    for option, w, c_o, us in parts:
        for weight, cap in ((inst.group_vcpu, capacity[0]), (inst.group_memory_gib, capacity[1]),
                            (np.ones(inst.n_groups), float(inst.type_slots[t]))):
            add_row([(u, float(weight[g])) for u, g in zip(us, groups)] + [(w, -float(cap))], -inf, 0.0)
        for u, g in zip(us, groups) if spread_rows else ():
            add_row([(u, 1.0), (w, -float(inst.fit_alone[g, t]))], -inf, 0.0)
        add_row([(c_o, 1.0), (w, -float(option.block_cost))], 0.0, inf)
        if option.items_per_block is not None:
            per_item = float(option.block_cost) / option.items_per_block
            add_row([(c_o, 1.0)] + [(u, -per_item) for u in us], 0.0, inf)
    return [w for _, w, _, _ in parts]


def _licensed_pairs(inst: Instance, allowed: np.ndarray) -> list[tuple[int, int]]:
    """Return the (licence group L, type t) pairs that get z and c columns, in column order."""
    found = []
    for lic, name in enumerate(inst.licence_names):
        members = np.flatnonzero(inst.group_licence == lic)
        for t in range(inst.n_types):
            if allowed[t] and inst.types[t].licence_options.get(name) and np.any(inst.fit_alone[members, t] > 0):
                found.append((lic, t))
    return found


def _replicas_by_type(inst: Instance, pairs: list[tuple[int, int]], x: np.ndarray) -> np.ndarray:
    """Return the y columns of a solution ``x`` as a (groups, types) array (0 off ``pairs``)."""
    y = np.zeros((inst.n_groups, inst.n_types))
    if pairs:
        s, t = np.array(pairs).T
        y[s, t] = x[:len(pairs)]
    return y


def _csr(
    rows: list[int], cols: list[int], vals: list[float], n_rows: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row starts, column indices, values) of a row-wise sparse matrix."""
    r = np.asarray(rows, dtype=np.int64)
    order = np.argsort(r, kind="stable")
    r = r[order]
    c = np.asarray(cols, dtype=np.int32)[order]
    v = np.asarray(vals, dtype=float)[order]
    starts = np.searchsorted(r, np.arange(n_rows)).astype(np.int32)
    return starts, c, v


@dataclass(frozen=True)
class AggregateMIP:
    """Result of the aggregate model with whole host counts."""

    bound: float | None  # valid lower bound on the plan total (None if no bound was proven)
    proven_optimal: bool  # the MIP closed (its bound is the relaxation's optimum)
    replicas_by_type: np.ndarray | None  # (groups, types) of the MIP's best point, if any
    hosts_by_type: np.ndarray | None  # (types,) whole host counts of that point
    licensed_hosts: np.ndarray | None = None  # (licence groups, types): of those hosts, how many license each group


# The MIP's dual bound is shaded more than an LP optimum: branch and bound prunes with
# its own feasibility and optimality tolerances.
MIP_BOUND_RTOL = 1e-6


def aggregate_mip_bound(
    inst: Instance,
    time_limit: float,
    rel_gap: float = 1e-5,
    seed: int = 0,
    probe: float | None = None,
    worth_going_on: Callable[[float, float, float], bool] | None = None,
    whole_editions: bool = True,
    mixes: dict[tuple[int, ...], float] | None = None,
) -> AggregateMIP:
    """Solve the aggregate LP with whole host counts (n[t], z[L,t] integer); return its dual bound.

    Any plan has a whole number of hosts of each type, of licensed hosts, and of hosts
    licensed with each edition (``whole_editions``; on-prem, 40 services with Windows and
    RHEL VMs: +2.4 %), so it is still a relaxation of the plan problem, but, unlike the
    LP, it cannot buy 0.7 of a host: where reservations, per-host fees or spread make small hosts dear, the bound
    rises (on-prem VMs, 1,000 replicas: +0.5 %). Replicas stay fractional (y), which
    keeps it a small MIP. The dual bound HiGHS proves by the time limit is valid even
    when the MIP does not close.

    With ``probe`` and ``worth_going_on``: after ``probe`` seconds the MIP stops unless
    ``worth_going_on(dual bound, its own relative gap, seconds so far)`` says so (checked
    at each interrupt point), so one run serves both as a cheap probe and as the full solve.

    ``mixes``, if given, receives every host mix (whole hosts per type) that the MIP's
    search met as a feasible point, with its objective (plan total): near-optimal mixes
    other than the optimum, for ``mix_patterns`` to try when the optimum's hosts cannot
    hold the fleet.
    """
    n_s, n_t = inst.n_groups, inst.n_types
    none = AggregateMIP(None, False, None, None)
    if n_s == 0:
        return none
    types = ~dominated_types(inst)
    edition_hosts: list[int] = []
    highs, pairs, n_y = _build_aggregate_model(inst, time_limit, types=types, edition_hosts=edition_hosts)
    n_cols = highs.getNumCol()
    integrality = np.zeros(n_cols, dtype=np.int32)
    integrality[n_y:n_y + n_t] = 1  # host counts n[t]
    licensed_pairs = _licensed_pairs(inst, types)  # the z columns' (L, t), in column order
    n_z = len(licensed_pairs)
    integrality[n_y + n_t:n_y + n_t + 2 * n_z:2] = 1  # licensed-host counts z[L,t] (c[L,t] and editions continuous)
    if whole_editions:  # hosts per licence edition (w_o) are whole too
        integrality[edition_hosts] = 1
    highs.changeColsIntegrality(n_cols, np.arange(n_cols, dtype=np.int32), integrality)
    highs.setOptionValue("mip_rel_gap", float(rel_gap))
    highs.setOptionValue("random_seed", int(seed))
    fixed_plan_cost = float(inst.problem.fixed_plan_cost)
    probing = probe is not None and worth_going_on is not None
    if not probing and mixes is None:
        highs.run()
    else:
        started = time.perf_counter()
        with deferred_signals() as stop_requested:

            def callback(kind: int, _message: str, data_out: object, data_in: object, _user: object) -> None:
                if kind == highspy.cb.HighsCallbackType.kCallbackMipSolution:
                    point = np.asarray(data_out.mip_solution)[n_y:n_y + n_t]
                    key = tuple(int(c) for c in np.rint(point))
                    value = fixed_plan_cost + float(data_out.objective_function_value)
                    mixes[key] = min(value, mixes.get(key, value))
                    return
                seconds = time.perf_counter() - started
                if stop_requested() or (probing and seconds >= probe and not worth_going_on(
                        fixed_plan_cost + data_out.mip_dual_bound, data_out.mip_gap, seconds)):
                    data_in.user_interrupt = True

            highs.setCallback(callback, None)
            highs.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
            if mixes is not None:
                highs.startCallback(highspy.cb.HighsCallbackType.kCallbackMipSolution)
            highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    dual = float(info.mip_dual_bound)
    if status == highspy.HighsModelStatus.kInfeasible or not np.isfinite(dual):
        return none
    total = fixed_plan_cost + dual
    bound = total - abs(total) * MIP_BOUND_RTOL - BOUND_ATOL
    hosts = replicas = licensed = None
    if info.primal_solution_status == 2:  # a feasible point exists
        x = np.array(highs.getSolution().col_value)
        replicas = _replicas_by_type(inst, pairs, x)
        hosts = np.round(x[n_y:n_y + n_t])
        licensed = np.zeros((len(inst.licence_names), n_t))
        for i, (lic, t) in enumerate(licensed_pairs):
            licensed[lic, t] = np.round(x[n_y + n_t + 2 * i])
    return AggregateMIP(bound, status == highspy.HighsModelStatus.kOptimal, replicas, hosts, licensed)
