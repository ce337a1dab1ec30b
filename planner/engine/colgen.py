"""Column generation over host patterns: a strong lower bound and a diving plan.

Master (Gilmore-Gomory set covering, solved as an LP with highspy):

    minimise   sum_p cost_p lambda_p
    subject to sum_p a[s,p] lambda_p >= demand_s     (cover__s, duals pi_s >= 0)
               lambda_p >= 0

A pattern p is one host of type t with a[s,p] replicas of group s, respecting
vCPU, memory, slots and a[s,p] <= fit_alone[s,t]; cost_p = fixed_cost_t plus the
cheapest licence for its content. Any plan is a feasible master solution, so the
master LP optimum over *all* patterns bounds the optimum from below.

Pricing per type t: maximise pi.a - cost(a) over patterns of t. A greedy filler
finds columns fast; when it finds none, exact pricing runs: a combinatorial
branch-and-bound knapsack (knapsack.py) for licence-free content, and the
bounded-knapsack MIP (highspy) for the types the knapsack gives up on (only when
nothing else was found, or the master stagnates) or whose content carries a
licence. Each type gets an upper bound P_t on its best profit (exact optimum, or a
relaxation). Exact pricing is smoothed (Wentges) towards the duals with the best
bound so far; the run starts from the aggregate LP's duals.
Farley's bound then holds at any iteration (valid early stop):

    pi.a <= cost(a) + max(0, P_t) and cost(a) >= fixed_cost_t > 0, so
    LB = pi.demand / max(1, max_t (1 + max(0, P_t) / fixed_cost_t)).

Diving: fix columns with lambda >= 1, and round up a few more whose content the
residual still needs, trim them to the residual demand, re-solve with a few greedy
pricing rounds, until all is placed; out of time, what was fixed is kept in
``partial`` for the caller to complete. On large pools the root prices greedily only
(``exact_pricing`` off) and the master is compacted before the dive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.engine.bounds import licence_rate_per_item, shade
from planner.engine.highs_setup import new_highs
from planner.engine.instance import CAPACITY_RTOL, Bin, Instance, fits_within
from planner.engine.knapsack import solve_knapsack

_RC_EPS = 1e-6
# Weight of the previous pricing duals in Neame smoothing (0 = plain CG).
SMOOTHING = 0.5
# Nodes the combinatorial pricing knapsack may explore before the MIP takes over.
KNAPSACK_NODE_LIMIT = 3000
# Weight of the best-bound duals when smoothing the exact pricing (Wentges).
EXACT_SMOOTHING = 0.5
# Relative distance between the valid bound and the master LP value at which CG stops.
CG_TOLERANCE = 1e-4
# Diving without a whole column: round up columns with lambda >= DIVE_ROUND_UP whose content
# the residual still needs (at least DIVE_KEEP of their replicas), at most DIVE_FIX_SHARE of
# the hosts the residual LP still opens (at least the largest column).
DIVE_ROUND_UP = 0.2
DIVE_KEEP = 0.95
DIVE_FIX_SHARE = 0.03
# Once the residual is at most this share of the replicas, each dive step first fills the
# room the fixed hosts have left (``fill_slack``).
DIVE_TAIL_SHARE = 0.15
# Hosts tried per replica whose licence may cost more on a fuller host (per-VM licences).
FILL_LICENCE_TRIES = 20
# Exact pricing also runs the MIP when the master improved less than this since the last exact round.
STALL_RTOL = 1e-3


@dataclass
class _Column:
    type_index: int
    counts: dict[int, int]
    cost: float


@dataclass
class ColumnGeneration:
    """State of one column-generation run (master LP, columns, pricing models)."""

    inst: Instance
    usable: np.ndarray
    deadline: float
    seed: int = 0
    columns: list[_Column] = field(default_factory=list)
    seen: set[tuple[int, tuple[tuple[int, int], ...]]] = field(default_factory=set)
    demand: np.ndarray | None = None
    group_rate: np.ndarray | None = None
    best_bound: float | None = None
    converged: bool = False
    iterations: int = 0
    _pricers: dict[int, "_PricingMip"] = field(default_factory=dict)
    # Knapsack pricing, Wentges smoothing of exact pricing and stall-triggered MIPs.
    # Off = the earlier MIP-only pricing (kept for large instances, where the dive needs the time).
    enhanced: bool = True
    partial: tuple[list[Bin], np.ndarray] | None = None
    # Off: the root only generates columns greedily for the dive and proves no bound.
    exact_pricing: bool = True
    _dual_next: bool = True

    def __post_init__(self) -> None:
        inst = self.inst
        self.demand = inst.group_count.astype(float).copy()
        rate = licence_rate_per_item(inst)
        # Per-item licence lower bound by group and type (0 for licence-free groups).
        self.group_rate = np.zeros((inst.n_groups, inst.n_types))
        for s in range(inst.n_groups):
            if inst.group_licence[s] >= 0:
                self.group_rate[s] = rate[inst.group_licence[s]]
        self._new_master()
        self.types = [t for t in range(inst.n_types) if self.usable[t]]

    # ----- master ---------------------------------------------------------------
    def _new_master(self) -> None:
        """Start an empty master LP: one cover row per group, no columns."""
        n = self.inst.n_groups
        self.master = new_highs(3600.0, self.seed)
        self.master.setOptionValue("solver", "simplex")
        self.master.addRows(n, self.demand, np.full(n, highspy.kHighsInf), 0, np.zeros(n, dtype=np.int32),
                            np.zeros(0, dtype=np.int32), np.zeros(0))
        self._dual_next = True

    def add_column(self, type_index: int, counts: dict[int, int]) -> bool:
        """Add a pattern (if new); return True when it was added."""
        counts = {g: n for g, n in counts.items() if n > 0}
        if not counts:
            return False
        key = (type_index, tuple(sorted(counts.items())))
        if key in self.seen:
            return False
        self.seen.add(key)
        cost = self.inst.bin_cost(type_index, counts)
        self.columns.append(_Column(type_index, counts, cost))
        idx = np.array(sorted(counts), dtype=np.int32)
        vals = np.array([counts[g] for g in idx], dtype=float)
        self.master.addCol(cost, 0.0, highspy.kHighsInf, len(idx), idx, vals)
        return True

    def solve_master(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        """Solve the master LP; return (objective, duals pi >= 0, lambda) or None."""
        # HiGHS measures time_limit on the instance's cumulative run clock.
        self.master.setOptionValue(
            "time_limit", self.master.getRunTime() + max(0.05, self.deadline - time.perf_counter())
        )
        # Dual simplex after a fresh start or new right-hand sides; primal simplex after new
        # columns only (the basis stays primal feasible: a few pivots instead of thousands).
        self.master.setOptionValue("simplex_strategy", 1 if self._dual_next else 4)
        self.master.run()
        self._dual_next = False
        if self.master.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = self.master.getSolution()
        duals = np.maximum(np.array(sol.row_dual), 0.0)
        lam = np.array(sol.col_value)
        return float(self.master.getInfo().objective_function_value), duals, lam

    def compact(self, keep_best: int, protected: int = 0) -> None:
        """Rebuild the master with fewer columns: the first ``protected`` ones, those in the
        current LP solution and the ``keep_best`` with the smallest reduced cost.

        Re-solves get slow as columns pile up; the dive needs only the promising ones.
        """
        if len(self.columns) <= keep_best + protected:
            return
        solved = self.solve_master()
        if solved is None:
            return
        _, _, lam = solved
        reduced = np.array(self.master.getSolution().col_dual)
        keep = set(range(min(protected, len(self.columns))))
        keep |= {int(j) for j in np.flatnonzero(lam > 1e-9)}
        keep |= {int(j) for j in np.argsort(reduced, kind="stable")[:keep_best]}
        columns = [self.columns[j] for j in sorted(keep)]
        self._new_master()
        self.columns, self.seen = [], set()
        for column in columns:
            self.add_column(column.type_index, column.counts)

    def restore_full_demand(self) -> None:
        """Back to the whole fleet after a dive (which leaves the residual demand and ``partial``)."""
        self.set_demand(self.inst.group_count)
        self.partial = None

    def set_demand(self, demand: np.ndarray) -> None:
        """Change the cover right-hand sides (residual demand while diving)."""
        self.demand = demand.astype(float)
        n = self.inst.n_groups
        self.master.changeRowsBounds(n, np.arange(n, dtype=np.int32), self.demand, np.full(n, highspy.kHighsInf))
        self._dual_next = True

    # ----- pricing --------------------------------------------------------------
    def greedy_price(self, duals: np.ndarray, true_duals: np.ndarray | None = None) -> int:
        """Add greedy columns (built at ``duals``) with negative reduced cost at ``true_duals``; return how many."""
        inst = self.inst
        true_duals = duals if true_duals is None else true_duals
        added = 0
        residual = self.demand.astype(np.int64)
        for t in self.types:
            caps = np.minimum(inst.fit_alone[:, t], residual)
            adj = duals - self.group_rate[:, t]
            cand = np.flatnonzero((caps > 0) & (adj > 1e-12))
            if cand.size == 0:
                continue
            size_dom = np.maximum.reduce([
                inst.group_vcpu[cand] / inst.type_vcpu[t],
                inst.group_memory_gib[cand] / inst.type_memory_gib[t],
                np.full(cand.size, 1.0 / inst.type_slots[t]),
            ])
            size_sum = (inst.group_vcpu[cand] / inst.type_vcpu[t] + inst.group_memory_gib[cand] / inst.type_memory_gib[t]
                        + 1.0 / inst.type_slots[t])
            for size in (size_dom, size_sum):
                order = cand[np.lexsort((cand, -adj[cand] / np.maximum(size, 1e-12)))]
                counts = _greedy_fill(inst, t, order, caps)
                if counts and self._reduced_cost(t, counts, true_duals) < -_RC_EPS and self.add_column(t, counts):
                    added += 1
        return added

    def _reduced_cost(self, t: int, counts: dict[int, int], duals: np.ndarray) -> float:
        return self.inst.bin_cost(t, counts) - sum(duals[g] * n for g, n in counts.items())

    def exact_price(
        self,
        duals: np.ndarray,
        per_type_seconds: float,
        stop_at: float,
        true_duals: np.ndarray | None = None,
        force_mip: bool = False,
    ) -> tuple[int, float | None]:
        """Price every type exactly at ``duals`` (knapsack, or MIP when the relaxation cannot rule it out).

        Columns are added when they price out negatively at ``true_duals`` (default ``duals``).
        Types the knapsack cannot settle go to the MIP when no column was found otherwise,
        or always with ``force_mip``.
        Return (columns added, Farley ratio rho >= 1 at ``duals``, or None when not provable).
        """
        inst = self.inst
        true_duals = duals if true_duals is None else true_duals
        added = 0
        rho = 1.0
        residual = self.demand.astype(np.int64)
        unproven: list[tuple[int, np.ndarray, float]] = []
        profit_bounds: dict[int, float] = {}
        for t in self.types:
            if time.perf_counter() > min(stop_at, self.deadline):
                return added, None
            caps = np.minimum(inst.fit_alone[:, t], residual)
            profit_ub = self._relaxed_profit_bound(t, duals, caps) - float(inst.type_fixed_cost[t])
            if profit_ub > _RC_EPS:
                solved = self._knapsack_price(t, duals, caps) if self.enhanced else None
                if solved is not None:
                    patterns, min_rc_bound, exact = solved
                    profit_ub = min(profit_ub, -min_rc_bound)
                    if not exact and profit_ub > _RC_EPS:
                        unproven.append((t, caps, profit_ub))
                    for counts in patterns:
                        if self._reduced_cost(t, counts, true_duals) < -_RC_EPS and self.add_column(t, counts):
                            added += 1
                else:
                    unproven.append((t, caps, profit_ub))
            profit_bounds[t] = profit_ub
        # The MIP proves the types the knapsack could not, but only when no column was found
        # anyway (otherwise the master moves on and the relaxation bounds give rho).
        if added == 0 or force_mip:
            for t, caps, profit_ub in unproven:
                if time.perf_counter() > min(stop_at, self.deadline):
                    return added, None
                pricer = self._pricers.get(t)
                if pricer is None:
                    pricer = self._pricers[t] = _PricingMip(inst, t, self.seed)
                counts, min_rc_bound = pricer.solve(duals, caps, per_type_seconds, min(stop_at, self.deadline))
                if counts and self._reduced_cost(t, counts, true_duals) < -_RC_EPS and self.add_column(t, counts):
                    added += 1
                if min_rc_bound is not None:
                    profit_bounds[t] = min(profit_ub, -min_rc_bound)
        for t, profit_ub in profit_bounds.items():
            fixed = float(inst.type_fixed_cost[t])
            if profit_ub > 1e-9:
                if fixed <= 0:
                    rho = np.inf
                else:
                    rho = max(rho, 1.0 + profit_ub / fixed)
        return added, (None if not np.isfinite(rho) else rho)

    def _knapsack_price(
        self, t: int, duals: np.ndarray, caps: np.ndarray, node_limit: int | None = None
    ) -> tuple[list[dict[int, int]], float, bool] | None:
        """Price type t with the exact combinatorial knapsack (licence-free candidates only).

        Return (fitting patterns, lower bound on the min reduced cost incl. fixed cost, exact),
        or None when the knapsack does not apply. When the search gave up (exact False) the
        patterns are only the best found and the bound comes from the root relaxation.
        """
        inst = self.inst
        cand = (caps > 0) & (duals > 1e-12)
        if np.any(inst.group_licence[cand] >= 0):
            return None
        value = np.where(cand, duals, 0.0)
        result = solve_knapsack(
            value, inst.group_vcpu, inst.group_memory_gib, caps, float(inst.type_vcpu[t]),
            float(inst.type_memory_gib[t]), int(inst.type_slots[t]),
            node_limit=KNAPSACK_NODE_LIMIT if node_limit is None else node_limit,
        )
        best, patterns, complete, upper = result
        patterns = [p for p in patterns if inst.bin_fits(t, p)]
        bound = float(inst.type_fixed_cost[t]) - (best if complete else upper)
        bound -= abs(bound) * 1e-7 + 1e-7 + 1e-9 * best  # float rounding: be conservative
        return patterns, bound, complete

    def _relaxed_profit_bound(self, t: int, duals: np.ndarray, caps: np.ndarray) -> float:
        """Return an upper bound on max (pi - licence rate).a over fractional patterns (per-resource knapsacks)."""
        inst = self.inst
        adj = duals - self.group_rate[:, t]
        mask = (caps > 0) & (adj > 0)
        if not mask.any():
            return 0.0
        value = adj[mask]
        cap = caps[mask].astype(float)
        best = float(np.dot(value, cap))
        for weight, capacity in (
            (inst.group_vcpu[mask], inst.type_vcpu[t]),
            (inst.group_memory_gib[mask], inst.type_memory_gib[t]),
            (np.ones(mask.sum()), float(inst.type_slots[t])),
        ):
            best = min(best, _fractional_knapsack(value, weight, cap, capacity))
        return best

    # ----- drivers --------------------------------------------------------------
    def run_root(
        self,
        stop_at: float,
        progress: Callable[[float | None], None] | None = None,
        start_duals: np.ndarray | None = None,
    ) -> float | None:
        """Run CG at full demand until converged or ``stop_at``; return the best valid bound.

        ``start_duals`` (e.g. the aggregate LP's) is the first smoothing centre.
        """
        fixed_plan_cost = float(self.inst.problem.fixed_plan_cost)
        last_exact = time.perf_counter()
        center: np.ndarray | None = None
        if start_duals is not None and start_duals.shape == (self.inst.n_groups,):
            center = np.maximum(start_duals, 0.0)
        # Wentges smoothing of the exact pricing: price at a point between the dual
        # vector with the best Lagrangian (Farley) bound so far and the LP duals.
        lb_center = center if self.enhanced else None
        lb_center_bound = float("-inf")
        exact_alpha = EXACT_SMOOTHING
        last_exact_objective = float("inf")
        while time.perf_counter() < stop_at:
            solved = self.solve_master()
            if solved is None:
                break
            objective, duals, _ = solved
            self.iterations += 1
            # Neame dual smoothing: price at a point between the last pricing duals
            # and the new LP duals (damps the oscillation that stalls plain CG);
            # columns must still price out negatively against the true LP duals.
            smoothed = duals if center is None else SMOOTHING * center + (1.0 - SMOOTHING) * duals
            added = self.greedy_price(smoothed, duals)
            if added == 0 and center is not None:
                smoothed = duals
                added = self.greedy_price(duals)
            center = smoothed
            if not self.exact_pricing:
                if added == 0:
                    break  # greedy pricing is exhausted: the columns are what the dive needs
                continue
            now = time.perf_counter()
            # Exact pricing when greedy is stuck, and now and then for a Farley bound.
            if added == 0 or now - last_exact > 5.0:
                last_exact = now
                per_type = max(0.2, min(2.0, (stop_at - now) / max(1, len(self.types))))
                while True:
                    point = duals if lb_center is None else exact_alpha * lb_center + (1.0 - exact_alpha) * duals
                    # The MIP settles the hard types too when the master stagnates.
                    stalled = objective > last_exact_objective - STALL_RTOL * abs(objective)
                    exact_added, rho = self.exact_price(
                        point, per_type, stop_at, duals, force_mip=stalled and self.enhanced
                    )
                    last_exact_objective = objective
                    if rho is not None:
                        bound = shade(fixed_plan_cost + float(np.dot(point, self.demand)) / rho)
                        if bound > lb_center_bound and self.enhanced:
                            lb_center_bound, lb_center = bound, point
                        self.best_bound = bound if self.best_bound is None else max(self.best_bound, bound)
                        if progress is not None:
                            progress(self.best_bound)
                    if exact_added > 0 or point is duals or rho is None or time.perf_counter() > stop_at:
                        break
                    exact_alpha = 0.0  # mispricing: the next exact round is at the LP duals
                if exact_added == 0 and point is not duals:
                    break  # out of time
                exact_alpha = EXACT_SMOOTHING if exact_added > 0 else exact_alpha
                if added == 0 and exact_added == 0:
                    self.converged = rho is not None and rho <= 1.0 + 1e-12
                    if rho is not None:
                        bound = shade(fixed_plan_cost + objective)
                        self.best_bound = max(self.best_bound or bound, bound) if self.converged else self.best_bound
                    break
                if self.best_bound is not None and self.best_bound >= shade(fixed_plan_cost + objective) - CG_TOLERANCE * objective:
                    # The Lagrangian bound meets the LP value: the CG bound is reached (up to the tolerance).
                    self.converged = True
                    break
        return self.best_bound

    def dive(self, stop_at: float, pricing_rounds: int = 3) -> list[Bin] | None:
        """Return a plan by fixing columns of the LP solution step by step (None if out of time).

        When time runs out, the hosts fixed so far and the demand still to place are
        kept in ``partial`` (fixed bins, residual counts) so the caller can complete them.
        """
        inst = self.inst
        residual = inst.group_count.astype(np.int64).copy()
        total = int(residual.sum())
        fixed: list[Bin] = []
        self.partial = (fixed, residual)
        while residual.sum() > 0:
            if time.perf_counter() > stop_at:
                return None
            self.set_demand(residual)
            solved = None
            for _ in range(pricing_rounds):
                solved = self.solve_master()
                if solved is None or self.greedy_price(solved[1]) == 0:
                    break
            solved = self.solve_master()
            if solved is None:
                return None
            _, _, lam = solved
            order = sorted(range(len(lam)), key=lambda j: (-lam[j], j))
            # Whole columns first; then columns whose content the residual still needs almost
            # whole are rounded up together (largest lambda first), up to a share of the hosts
            # the residual LP opens.
            picks: list[tuple[int, int]] = [(j, int(np.floor(lam[j] + 1e-6))) for j in order if lam[j] >= 1 - 1e-6]
            trial = residual.copy()
            for j, copies in picks:
                for g, n in self.columns[j].counts.items():
                    trial[g] -= min(n * copies, int(trial[g]))
            many = max(1, int(DIVE_FIX_SHARE * float(lam.sum())))
            rounded = 0
            for j in order:
                if rounded >= many or lam[j] < DIVE_ROUND_UP:
                    break
                if lam[j] - np.floor(lam[j] + 1e-6) < DIVE_ROUND_UP:
                    continue  # (nearly) whole: already taken above
                counts = self.columns[j].counts
                kept = sum(min(n, int(trial[g])) for g, n in counts.items())
                if kept >= DIVE_KEEP * sum(counts.values()):
                    picks.append((j, 1))
                    rounded += 1
                    for g, n in counts.items():
                        trial[g] -= min(n, int(trial[g]))
            picks = picks or [(order[0], 1)]
            progress_made = False
            for j, copies in picks:
                column = self.columns[j]
                for _ in range(copies):
                    content = {g: min(n, int(residual[g])) for g, n in column.counts.items()}
                    content = {g: n for g, n in content.items() if n > 0}
                    if not content:
                        break
                    for g, n in content.items():
                        residual[g] -= n
                    fixed.append(Bin(column.type_index, content))
                    progress_made = True
            if not progress_made:
                return None
            if 0 < residual.sum() <= DIVE_TAIL_SHARE * total:
                fill_slack(inst, fixed, residual)
        return fixed


def fill_slack(inst: Instance, fixed: list[Bin], residual: np.ndarray) -> None:
    """Place residual replicas into the room fixed hosts have left, where that costs nothing more.

    A dive trims each fixed column to what the residual still needs, so late hosts keep
    room the LP meant for replicas placed elsewhere; filling it before the next step stops
    the dive's last replicas from opening a big host of their own (AWS 1,000 replicas: one
    replica left, a host of 940 opened for it). Largest replicas first, each on the host it
    fills best (least room left after it); a replica whose licence would cost more there
    is not placed there. ``fixed`` and ``residual`` are updated in place.
    """
    if not fixed or residual.sum() <= 0:
        return
    types = np.array([b.type_index for b in fixed])
    cap_vcpu = inst.type_vcpu[types]
    cap_memory = inst.type_memory_gib[types]
    used_vcpu = np.array([sum(n * inst.group_vcpu[g] for g, n in b.counts.items()) for b in fixed])
    used_memory = np.array([sum(n * inst.group_memory_gib[g] for g, n in b.counts.items()) for b in fixed])
    used_slots = np.array([sum(b.counts.values()) for b in fixed])
    share = inst.group_vcpu / max(float(inst.type_vcpu.max()), 1e-9) + \
        inst.group_memory_gib / max(float(inst.type_memory_gib.max()), 1e-9)
    for g in sorted(np.flatnonzero(residual > 0).tolist(), key=lambda g: (-share[g], g)):
        held = np.array([b.counts.get(g, 0) for b in fixed])
        while residual[g] > 0:
            vcpu = used_vcpu + inst.group_vcpu[g]
            memory = used_memory + inst.group_memory_gib[g]
            ok = (inst.compatible[g, types] & (held < inst.group_cap[g]) & fits_within(vcpu, cap_vcpu)
                  & fits_within(memory, cap_memory) & (used_slots + 1 <= inst.type_slots[types]))
            if not ok.any():
                break
            room = (cap_vcpu - vcpu) / cap_vcpu + (cap_memory - memory) / cap_memory
            chosen = None
            for k in np.flatnonzero(ok)[np.argsort(room[ok], kind="stable")][:FILL_LICENCE_TRIES].tolist():
                b = fixed[k]
                if inst.group_licence[g] >= 0:
                    trial = dict(b.counts)
                    trial[g] = trial.get(g, 0) + 1
                    if inst.bin_cost(b.type_index, trial) > inst.bin_cost(b.type_index, b.counts) + 1e-9:
                        continue  # a per-item licence: not free room
                chosen = k
                break
            if chosen is None:
                break
            fixed[chosen].counts[g] = fixed[chosen].counts.get(g, 0) + 1
            held[chosen] += 1
            used_vcpu[chosen] += inst.group_vcpu[g]
            used_memory[chosen] += inst.group_memory_gib[g]
            used_slots[chosen] += 1
            residual[g] -= 1


def _greedy_fill(inst: Instance, t: int, order: np.ndarray, caps: np.ndarray) -> dict[int, int]:
    """Fill one host of type t taking groups in ``order`` as many as fit."""
    free_vcpu = float(inst.type_vcpu[t])
    free_memory_gib = float(inst.type_memory_gib[t])
    free_slots = int(inst.type_slots[t])
    counts: dict[int, int] = {}
    vcpu, memory_gib = inst.vcpu_list, inst.memory_gib_list
    slack = 1.0 + CAPACITY_RTOL
    for s in order.tolist():
        if free_slots <= 0:
            break
        take = min(int(caps[s]), free_slots)
        if vcpu[s] > 0:
            take = min(take, int((free_vcpu * slack + 1e-12) // vcpu[s]))
        if memory_gib[s] > 0:
            take = min(take, int((free_memory_gib * slack + 1e-12) // memory_gib[s]))
        if take > 0:
            counts[s] = take
            free_vcpu -= take * vcpu[s]
            free_memory_gib -= take * memory_gib[s]
            free_slots -= take
    return counts


def _fractional_knapsack(value: np.ndarray, weight: np.ndarray, cap: np.ndarray, capacity: float) -> float:
    """Return the LP optimum of max value.x, weight.x <= capacity, 0 <= x <= cap."""
    free = weight <= 0
    total = float(np.dot(value[free], cap[free]))
    idx = np.flatnonzero(~free)
    if idx.size == 0:
        return total
    ratio = value[idx] / weight[idx]
    idx = idx[np.argsort(-ratio, kind="stable")]
    w = weight[idx] * cap[idx]
    cum = np.cumsum(w)
    full = cum <= capacity
    total += float(np.dot(value[idx][full], cap[idx][full]))
    k = int(full.sum())
    if k < idx.size:
        left = capacity - (cum[k - 1] if k > 0 else 0.0)
        total += float(value[idx[k]] * left / weight[idx[k]])
    return total


class _PricingMip:
    """Exact pricing for one host type: a bounded knapsack MIP kept between calls.

    minimise   sum_o block_cost_o (b_o + u_o) - sum_s pi_s a_s
    subject to sum_s vcpu_s a_s <= vcpu_t, memory and slots likewise,
               licence cover rows as in the assignment MILP,
               0 <= a_s <= min(fit_alone[s,t], residual_s) integer.
    (fixed_cost_t is added outside.) Only objective and bounds change per call.
    """

    def __init__(self, inst: Instance, t: int, seed: int) -> None:
        self.inst = inst
        self.t = t
        self.groups = np.flatnonzero(inst.fit_alone[:, t] > 0).astype(np.int32)
        h = self.highs = new_highs(1.0, seed)
        h.setOptionValue("mip_rel_gap", 1e-6)
        n = len(self.groups)
        inf = highspy.kHighsInf
        h.addVars(n, np.zeros(n), inst.fit_alone[self.groups, t].astype(float))
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
        cols = np.arange(n, dtype=np.int32)
        for weight, capacity in (
            (inst.group_vcpu[self.groups], inst.type_vcpu[t]),
            (inst.group_memory_gib[self.groups], inst.type_memory_gib[t]),
            (np.ones(n), float(inst.type_slots[t])),
        ):
            h.addRow(-inf, float(capacity), n, cols, weight.astype(float))
        next_col = n
        for lic, name in enumerate(inst.licence_names):
            options = inst.types[t].licence_options.get(name, ())
            members = np.flatnonzero(inst.group_licence[self.groups] == lic).astype(np.int32)
            if not options or members.size == 0:
                continue
            most = min(int(inst.type_slots[t]), int(inst.fit_alone[self.groups[members], t].sum()))
            cover_cols, cover_vals, choice_cols = list(members), [-1.0] * members.size, []
            n_block = sum(1 for o in options if o.items_per_block is not None)
            for option in options:
                if option.items_per_block is None:
                    h.addVar(0.0, 1.0)
                    h.changeColIntegrality(next_col, highspy.HighsVarType.kInteger)
                    h.changeColCost(next_col, float(option.block_cost))
                    cover_cols.append(next_col)
                    cover_vals.append(float(most))
                    choice_cols.append(next_col)
                    next_col += 1
                else:
                    max_blocks = -(-most // option.items_per_block)
                    h.addVar(0.0, float(max_blocks))
                    h.changeColIntegrality(next_col, highspy.HighsVarType.kInteger)
                    h.changeColCost(next_col, float(option.block_cost))
                    cover_cols.append(next_col)
                    cover_vals.append(float(option.items_per_block))
                    block_col = next_col
                    next_col += 1
                    if n_block >= 2:
                        h.addVar(0.0, 1.0)
                        h.changeColIntegrality(next_col, highspy.HighsVarType.kInteger)
                        h.addRow(-inf, 0.0, 2, np.array([block_col, next_col], dtype=np.int32),
                                 np.array([1.0, -float(max_blocks)]))
                        choice_cols.append(next_col)
                        next_col += 1
            h.addRow(0.0, inf, len(cover_cols), np.array(cover_cols, dtype=np.int32), np.array(cover_vals))
            if n_block >= 2:
                h.addRow(-inf, 1.0, len(choice_cols), np.array(choice_cols, dtype=np.int32),
                         np.ones(len(choice_cols)))

    def solve(
        self, duals: np.ndarray, caps: np.ndarray, seconds: float, deadline: float
    ) -> tuple[dict[int, int] | None, float | None]:
        """Return (best pattern found or None, lower bound on its min reduced cost incl. fixed cost)."""
        h = self.highs
        n = len(self.groups)
        cols = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, cols, -duals[self.groups])
        h.changeColsBounds(n, cols, np.zeros(n), caps[self.groups].astype(float))
        h.setOptionValue("time_limit", h.getRunTime() + max(0.05, min(seconds, deadline - time.perf_counter())))
        h.clearSolver()
        h.run()
        info = h.getInfo()
        status = h.getModelStatus()
        fixed = float(self.inst.type_fixed_cost[self.t])
        bound = None
        if status == highspy.HighsModelStatus.kOptimal:
            bound = fixed + min(float(info.mip_dual_bound), float(info.objective_function_value))
        elif np.isfinite(info.mip_dual_bound) and abs(info.mip_dual_bound) < 1e30:
            bound = fixed + float(info.mip_dual_bound)
        if bound is not None:
            bound -= abs(bound) * 1e-7 + 1e-7  # solver tolerances: be conservative
        counts = None
        if info.primal_solution_status == 2:
            values = np.array(h.getSolution().col_value[:n])
            counts = {int(self.groups[i]): int(round(v)) for i, v in enumerate(values) if round(v) > 0}
            if not self.inst.bin_fits(self.t, counts):
                counts = None
        return counts, bound
