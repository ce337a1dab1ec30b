"""The aggregated assignment MILP, built with PuLP and solved by HiGHS or CBC.

`build_assignment_model` writes the model (formulation in its docstring),
`solve_assignment_model` runs the solver with a warm start from an incumbent and
returns the solver's packing (unchecked) and its dual bound. The caller must
re-check the packing: solvers given MIP starts have returned wrong "optimal"
answers (solver-notes.md, section 1).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import highspy
import numpy as np
import pulp

from planner.engine.highs_setup import use_threads
from planner.engine.instance import Bin, Instance, dominated_types
from planner.engine.ffd import single_type_host_count


@dataclass
class AssignmentModel:
    """A built PuLP model plus the handles needed to read and seed it."""

    lp: pulp.LpProblem
    slots: list[tuple[int, int]]  # candidate hosts as (type index, k)
    open_var: dict[tuple[int, int], pulp.LpVariable]
    assign_var: dict[tuple[int, int, int], pulp.LpVariable]  # (group, type, k)
    licence_vars: dict[tuple[int, int, int], list[tuple[str, int | None, pulp.LpVariable]]] = field(
        default_factory=dict
    )  # (type, k, licence) -> [(kind, option index, var)]


def candidate_host_counts(inst: Instance, upper_bound: float, incumbent: list[Bin], usable: np.ndarray) -> np.ndarray:
    """Return K_t, how many candidate hosts of each type the model gets.

    K_t <= floor((UB - fixed_plan_cost) / fixed_cost_t): a plan cheaper than the
    incumbent cannot pay for more. K_t <= compatible replicas (a useful host holds
    one). On types where no licence cost can arise, K_t <= hosts an FFD needs to
    pack every compatible replica on type t alone: any plan's type-t content can be
    repacked that way at no higher cost. Never fewer than the incumbent uses.
    """
    budget = max(0.0, upper_bound - float(inst.problem.fixed_plan_cost))
    counts = np.zeros(inst.n_types, dtype=np.int64)
    used = np.bincount([b.type_index for b in incumbent], minlength=inst.n_types)
    for t in range(inst.n_types):
        if not usable[t]:
            continue
        compat = inst.fit_alone[:, t] > 0
        k = int(inst.group_count[compat].sum())
        if inst.type_fixed_cost[t] > 0:
            k = min(k, int(np.floor(budget / inst.type_fixed_cost[t] + 1e-9)))
        if not _licence_may_cost(inst, t):
            k = min(k, single_type_host_count(inst, t))
        counts[t] = max(k, int(used[t]))
    return counts


def _licence_may_cost(inst: Instance, t: int) -> bool:
    for lic, name in enumerate(inst.licence_names):
        members = inst.group_licence == lic
        if inst.types[t].licence_options.get(name) and np.any(inst.compatible[members, t]):
            return True
    return False


def estimate_size(inst: Instance, counts: np.ndarray) -> int:
    """Return the number of assignment variables the model would have."""
    per_type = (inst.fit_alone > 0).sum(axis=0)
    return int(np.dot(per_type, counts))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", name)


def build_assignment_model(inst: Instance, counts: np.ndarray, strong_links: bool = True) -> AssignmentModel:
    """Build the aggregated assignment MILP over ``counts[t]`` candidate hosts per type.

    Indices: s item group, (t,k) the k-th candidate host of type t, g licence group,
    o licence option. Variables: open[t,k] binary; x[s,t,k] integer in
    0..fit_alone[s,t] (only compatible, fitting pairs); per host and licence group,
    b[t,k,g,o] integer blocks for block options, u[t,k,g,o] binary for unlimited
    ones, and z[t,k,g,o] binary selectors when a group has two or more block options.

    minimise   sum_{t,k} fixed_cost_t open[t,k] + sum block_cost_o (b + u)
    subject to sum_{t,k} x[s,t,k] == count_s                          place_all__s
               sum_s vcpu_s x[s,t,k]       <= vcpu_t open[t,k]         cpu_capacity__t_k
               sum_s memory_gib_s x[s,t,k] <= memory_gib_t open[t,k]   memory_capacity__t_k
               sum_s x[s,t,k]              <= max_items_t open[t,k]    slot_capacity__t_k
               x[s,t,k] <= fit_alone[s,t] open[t,k]                    spread__s_t_k (if strong_links)
               sum_{block o} items_per_block_o b[t,k,g,o]
                 + M_{g,t} sum_{unlimited o} u[t,k,g,o] >= sum_{s in g} x[s,t,k]   licence_cover__t_k_g
               (>= 2 block options) b[t,k,g,o] <= ceil(M/items_o) z[t,k,g,o],
                 sum_o z + sum_o u <= 1                                licence_choice__t_k_g
               open[t,k] >= open[t,k+1]                                open_order__t_k
               sum_s vcpu_s x[s,t,k] >= sum_s vcpu_s x[s,t,k+1]        load_order__t_k
    M_{g,t} bounds the items of licence group g on one host of type t. The two
    order rows only remove relabelings of identical hosts (empty hosts last,
    then by falling vCPU load), so they cut no plan's cost. The objective leaves
    out problem.fixed_plan_cost, which the caller adds.
    """
    lp = pulp.LpProblem("packing", pulp.LpMinimize)
    slots = [(t, k) for t in range(inst.n_types) for k in range(int(counts[t]))]
    open_var = {(t, k): lp.add_variable(f"open_{t}_{k}", 0, 1, cat=pulp.LpBinary) for t, k in slots}
    assign_var: dict[tuple[int, int, int], pulp.LpVariable] = {}
    for t, k in slots:
        for s in np.flatnonzero(inst.fit_alone[:, t] > 0):
            s = int(s)
            assign_var[s, t, k] = lp.add_variable(
                f"x_{s}_{t}_{k}", lowBound=0, upBound=int(inst.fit_alone[s, t]), cat=pulp.LpInteger
            )
    model = AssignmentModel(lp, slots, open_var, assign_var)
    objective = [float(inst.type_fixed_cost[t]) * open_var[t, k] for t, k in slots]
    by_group: dict[int, list[pulp.LpVariable]] = {}
    by_host: dict[tuple[int, int], list[tuple[int, pulp.LpVariable]]] = {}
    for (s, t, k), var in assign_var.items():
        by_group.setdefault(s, []).append(var)
        by_host.setdefault((t, k), []).append((s, var))
    for s in range(inst.n_groups):
        lp += pulp.lpSum(by_group.get(s, [])) == int(inst.group_count[s]), f"place_all__{s}_{_safe(inst.groups[s].name)}"
    for t, k in slots:
        tag = f"{t}_{_safe(inst.types[t].name)}_{k}"
        content = by_host.get((t, k), [])
        on = open_var[t, k]
        cpu_load = pulp.lpSum(float(inst.group_vcpu[s]) * v for s, v in content)
        lp += cpu_load <= float(inst.type_vcpu[t]) * on, f"cpu_capacity__{tag}"
        lp += (
            pulp.lpSum(float(inst.group_memory_gib[s]) * v for s, v in content)
            <= float(inst.type_memory_gib[t]) * on,
            f"memory_capacity__{tag}",
        )
        lp += pulp.lpSum(v for _, v in content) <= int(inst.type_slots[t]) * on, f"slot_capacity__{tag}"
        if strong_links:
            for s, v in content:
                lp += v <= int(inst.fit_alone[s, t]) * on, f"spread__{s}_{tag}"
        if k + 1 < counts[t]:
            nxt = by_host.get((t, k + 1), [])
            lp += on >= open_var[t, k + 1], f"open_order__{tag}"
            lp += cpu_load >= pulp.lpSum(float(inst.group_vcpu[s]) * v for s, v in nxt), f"load_order__{tag}"
        objective += _add_licence_rows(inst, model, t, k, content, tag)
    lp += pulp.lpSum(objective)
    return model


def _add_licence_rows(
    inst: Instance, model: AssignmentModel, t: int, k: int, content: list[tuple[int, pulp.LpVariable]], tag: str
) -> list[pulp.LpAffineExpression]:
    """Add the licence-cover rows of host (t,k); return its licence cost terms."""
    terms = []
    for lic, name in enumerate(inst.licence_names):
        options = inst.types[t].licence_options.get(name, ())
        members = [(s, v) for s, v in content if inst.group_licence[s] == lic]
        if not options or not members:
            continue
        most = min(int(inst.type_slots[t]), sum(int(inst.fit_alone[s, t]) for s, _ in members))
        block_options = [i for i, o in enumerate(options) if o.items_per_block is not None]
        handles: list[tuple[str, int | None, pulp.LpVariable]] = []
        cover = []
        choice = []
        for i, option in enumerate(options):
            if option.items_per_block is None:
                u = model.lp.add_variable(f"lic_unl_{t}_{k}_{lic}_{i}", 0, 1, cat=pulp.LpBinary)
                handles.append(("unlimited", i, u))
                cover.append(most * u)
                choice.append(u)
                terms.append(float(option.block_cost) * u)
            else:
                max_blocks = -(-most // option.items_per_block)
                b = model.lp.add_variable(f"lic_blk_{t}_{k}_{lic}_{i}", 0, max_blocks, cat=pulp.LpInteger)
                handles.append(("block", i, b))
                cover.append(option.items_per_block * b)
                terms.append(float(option.block_cost) * b)
                if len(block_options) >= 2:
                    z = model.lp.add_variable(f"lic_sel_{t}_{k}_{lic}_{i}", 0, 1, cat=pulp.LpBinary)
                    handles.append(("select", i, z))
                    model.lp += b <= max_blocks * z, f"licence_select__{tag}_{lic}_{i}"
                    choice.append(z)
        model.lp += pulp.lpSum(cover) >= pulp.lpSum(v for _, v in members), f"licence_cover__{tag}_{lic}"
        if len(block_options) >= 2:
            model.lp += pulp.lpSum(choice) <= 1, f"licence_choice__{tag}_{lic}"
        model.licence_vars[t, k, lic] = handles
    return terms


def start_values(inst: Instance, model: AssignmentModel, incumbent: list[Bin]) -> dict[str, float] | None:
    """Return a full variable assignment for ``incumbent`` in the model, or None if it does not map."""
    values = {v.name: 0.0 for v in model.lp.variables()}
    by_type: dict[int, list[Bin]] = {}
    for b in incumbent:
        by_type.setdefault(b.type_index, []).append(b)
    for t, bins in by_type.items():
        # Same order the load_order rows demand: falling vCPU load (ties by content).
        bins = sorted(bins, key=lambda b: (-sum(n * inst.group_vcpu[g] for g, n in b.counts.items()), sorted(b.counts.items())))
        for k, b in enumerate(bins):
            if (t, k) not in model.open_var:
                return None
            values[model.open_var[t, k].name] = 1.0
            per_licence: dict[int, int] = {}
            for g, n in b.counts.items():
                var = model.assign_var.get((g, t, k))
                if var is None:
                    return None
                values[var.name] = float(n)
                lic = int(inst.group_licence[g])
                if lic >= 0:
                    per_licence[lic] = per_licence.get(lic, 0) + n
            for lic, n in per_licence.items():
                handles = model.licence_vars.get((t, k, lic))
                if not handles:
                    continue
                options = inst.types[t].licence_options[inst.licence_names[lic]]
                best = min(range(len(options)), key=lambda i: (options[i].blocks(n) * options[i].block_cost, options[i].name))
                for kind, i, var in handles:
                    if i != best:
                        continue
                    if kind == "unlimited" or kind == "select":
                        values[var.name] = 1.0
                    elif kind == "block":
                        values[var.name] = float(options[i].blocks(n))
    return values


@dataclass(frozen=True)
class MilpResult:
    """What the solver returned: its plan (unchecked), its dual bound and a status text."""

    bins: list[Bin] | None
    dual_bound: float | None  # lower bound on the model objective (excl. fixed_plan_cost)
    proven_optimal: bool
    message: str
    seconds: float


class HiGHSWithStart(pulp.HiGHS):
    """pulp.HiGHS plus a MIP start (PuLP 3.3.2's HiGHS class has no warmStart)."""

    def __init__(self, start: dict[str, float] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        """Hand the start to highspy, then run."""
        if self.start:
            variables = lp.variables()
            col_value = [0.0] * len(variables)
            for var in variables:
                col_value[var.index] = float(self.start.get(var.name, 0.0))
            solution = highspy.HighsSolution()
            solution.col_value = col_value
            solution.value_valid = True
            lp.solverModel.setSolution(solution)
        lp.solverModel.run()


def solve_assignment_model(
    inst: Instance,
    model: AssignmentModel,
    solver: str,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: dict[str, float] | None,
) -> MilpResult:
    """Solve the model; return its (unchecked) plan and dual bound."""
    began = time.perf_counter()
    time_limit = max(1.0, float(time_limit))
    if solver == "cbc":
        return _solve_cbc(inst, model, time_limit, gap, threads, seed, start, began)
    if start:
        for var in model.lp.variables():
            var.setInitialValue(start.get(var.name, 0.0))
    use_threads(threads)
    engine = HiGHSWithStart(
        start=start,
        msg=False,
        timeLimit=time_limit,
        gapRel=gap,
        threads=threads,
        random_seed=seed,
        mip_feasibility_tolerance=1e-7,
    )
    model.lp.solve(engine)
    highs = model.lp.solverModel
    status = highs.getModelStatus()
    info = highs.getInfo()
    proven = status == highspy.HighsModelStatus.kOptimal
    dual = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    if status == highspy.HighsModelStatus.kInfeasible:
        dual = None
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    bins = _extract(inst, model) if has_solution else None
    message = f"HiGHS {highs.modelStatusToString(status)}"
    return MilpResult(bins, dual, proven, message, time.perf_counter() - began)


_CBC_BOUND_PATTERNS = (
    re.compile(r"Lower bound:\s*(-?[0-9.eE+-]+)"),
    re.compile(r"best possible\s*(-?[0-9.eE+-]+)"),
)


def parse_cbc_bound(log_text: str) -> tuple[float | None, bool]:
    """Return (dual bound, proven optimal) read from a CBC log."""
    proven = "Optimal solution found" in log_text and "Result - Optimal" in log_text
    if proven:
        found = re.findall(r"Objective value:\s*(-?[0-9.eE+-]+)", log_text)
        if found:
            return float(found[-1]), True
    bound = None
    for pattern in _CBC_BOUND_PATTERNS:
        found = pattern.findall(log_text)
        if found:
            try:
                bound = float(found[-1])
            except ValueError:
                continue
            break
    return bound, False


def _solve_cbc(
    inst: Instance,
    model: AssignmentModel,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: dict[str, float] | None,
    began: float,
) -> MilpResult:
    if start:
        for var in model.lp.variables():
            var.setInitialValue(start.get(var.name, 0.0))
    fd, log_path = tempfile.mkstemp(prefix="planner-cbc-", suffix=".log")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # The bundled CBC binary is deprecated only for the future PuLP 4.
            warnings.simplefilter("ignore", DeprecationWarning)
            engine = pulp.PULP_CBC_CMD(
                msg=False,
                timeLimit=time_limit,
                gapRel=gap,
                threads=threads,
                warmStart=bool(start),
                logPath=log_path,
                options=[f"randomSeed {seed + 1}", f"randomCbcSeed {seed + 1}"],
            )
        model.lp.solve(engine)
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            log_text = handle.read()
    finally:
        os.unlink(log_path)
    bound, proven = parse_cbc_bound(log_text)
    has_solution = model.lp.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    bins = _extract(inst, model) if has_solution else None
    message = f"CBC {pulp.LpStatus[model.lp.status]}"
    return MilpResult(bins, bound, proven, message, time.perf_counter() - began)


def _extract(inst: Instance, model: AssignmentModel) -> list[Bin] | None:
    """Return the solver's plan as bins (rounded), or None when values are missing."""
    bins: dict[tuple[int, int], Bin] = {}
    for (s, t, k), var in model.assign_var.items():
        value = var.varValue
        if value is None:
            return None
        n = int(round(value))
        if n > 0:
            bins.setdefault((t, k), Bin(t)).counts[s] = n
    return [bins[key] for key in sorted(bins)]


def milp_model_counts(inst: Instance, upper_bound: float, incumbent: list[Bin]) -> tuple[np.ndarray, np.ndarray]:
    """Return (usable type mask, candidate host counts) for the model."""
    usable = ~dominated_types(inst)
    return usable, candidate_host_counts(inst, upper_bound, incumbent, usable)
