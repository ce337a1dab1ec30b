"""Pack every replica into a given host mix by column generation over host patterns.

The aggregate MIP (``bounds.py``) picks the cheapest whole numbers of hosts per type;
``fixed_hosts.pack_into_hosts`` then tries to fill exactly those hosts with one
(group, host) MIP. Where the mix is barely big enough that MIP is slow or never
succeeds: on retail-platform / AWS / containers the mixes within 0.1 % of the bound
have 0 to 0.35 vCPU and 1 to 8 GiB to spare over 12 to 16 hosts, so every host must
be filled to the last 0.05 core and nearly the last GiB, and several hosts are
identical (the one-MIP packing of the mix the engine uses: 0 of 4 seeds in 10 s, 1 of 4
with the load floors below).

Here the question "do these hosts hold the fleet?" is asked of patterns instead
(a pattern is one host's content):

    minimise   sum_s w_s e_s                                (phase one: what is left out)
    subject to sum_p a[s,p] lambda_p + e_s >= demand_s      (every replica)
               sum_{p of type t} lambda_p <= hosts_t        (the mix)
               lambda, e >= 0

Patterns are priced per type with the load floors of ``fixed_hosts`` (each host
carries at least its reachable capacity minus the mix's total slack, in vCPU and
memory): where the slack is zero every pattern fills its host exactly. Pricing is a
dynamic programme over vCPU units (exact when its best pattern also fits the
memory); when that pattern breaks a memory limit, the programme again with memory
priced in (``_lagrange_price``), then trades of replicas of equal vCPU
(``_swap_repair``), and only then a small MIP. A master at zero is a fractional
packing; a few of its heaviest patterns on hosts of types with two or more hosts are
fixed (which takes away the symmetry between identical hosts) and ``pack_into_hosts``
places the rest, with the load floors. On retail-platform the mix the engine uses is
filled in 3.0 to 7.3 s over 6 seeds, 4 of them in 3.0 to 3.4 s (3.6 to 6.7 s before
``_swap_repair``).

Nothing here is a bound: the caller offers the plan to the incumbent, which prices
and checks it.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from planner.engine.bounds import reachable_capacities
from planner.engine.fixed_hosts import mix_room, pack_into_hosts
from planner.engine.highs_setup import new_highs
from planner.engine.instance import Bin, Instance
from planner.engine.reach import on_grid

# Relative gap the pricing MIP stops at (a column need not be the best one).
PRICING_GAP = 0.01
# Longest one pricing MIP may run.
PRICING_SECONDS = 0.5
# Largest host capacity, in vCPU grid units, the pricing dynamic programme is used for.
MAX_DP_UNITS = 100_000
# Longest one completion (``pack_into_hosts`` with some patterns fixed) may run.
COMPLETION_SECONDS = 1.0
# Phase-one objective at which the master counts as a fractional packing.
ZERO = 1e-7
# Exact fills tried with memory priced in before the pricing MIP (``_lagrange_price``).
LAGRANGE_STEPS = 8
# Most swaps ``_swap_repair`` makes.
SWAP_REPAIR_STEPS = 30


def pack_mix_by_patterns(inst: Instance, hosts_by_type: np.ndarray, deadline: float,
                         seed: int = 0) -> list[Bin] | None:
    """Return a packing of every replica into the hosts ``hosts_by_type``, or None (none found by ``deadline``)."""
    hosts = np.rint(np.maximum(np.asarray(hosts_by_type, dtype=float), 0.0)).astype(np.int64)
    if hosts.sum() == 0 or time.perf_counter() >= deadline:
        return None
    master = _Master(inst, hosts)
    if not master.room_enough():
        return None
    lam = master.generate(deadline, seed)
    if lam is None:
        return None
    return _complete(inst, master, lam, deadline, seed)


class _Master:
    """The phase-one master LP over patterns of the mix's types, with its pricing."""

    def __init__(self, inst: Instance, hosts: np.ndarray) -> None:
        self.inst = inst
        self.hosts = hosts
        self.types = [t for t in range(inst.n_types) if hosts[t] > 0]
        self.demand = inst.group_count.astype(np.int64)
        self.columns: list[tuple[int, np.ndarray]] = []
        self.seen: set[tuple[int, bytes]] = set()
        reach_vcpu, reach_memory = reachable_capacities(inst)
        self.vcpu_cap = {t: float(reach_vcpu[t]) for t in self.types}
        self.memory_cap = {t: float(reach_memory[t]) for t in self.types}
        self.slack_vcpu, self.slack_memory = mix_room(inst, hosts, self.demand)
        self.slack_slots = int(sum(hosts[t] * int(inst.type_slots[t]) for t in self.types) - self.demand.sum())
        # vCPU on a grid: whole units for the pricing programme (exact fills where the slack is 0).
        grid = on_grid(inst.group_vcpu) if np.all(inst.group_vcpu > 0) else None
        self.units: np.ndarray | None = None
        if grid is not None:
            units, unit = grid
            self.units = units
            self.unit_cap = {t: int(math.floor(self.vcpu_cap[t] / unit * (1.0 + 1e-10) + 1e-9)) for t in self.types}
            self.unit_slack = sum(int(hosts[t]) * self.unit_cap[t] for t in self.types) - int(np.dot(units, self.demand))
        self.pricers: dict[int, _PricingMip] = {}
        self._upper: dict[int, np.ndarray] = {}

    def room_enough(self) -> bool:
        """Return False when the mix cannot hold the fleet's vCPU, memory or replicas at all."""
        scale = 1e-9 * max(1.0, float(np.dot(self.inst.group_vcpu, self.demand)))
        if self.slack_vcpu < -scale or self.slack_slots < 0:
            return False
        if self.units is not None and self.unit_slack < 0:
            return False
        return self.slack_memory >= -1e-9 * max(1.0, float(np.dot(self.inst.group_memory_gib, self.demand)))

    def generate(self, deadline: float, seed: int) -> np.ndarray | None:
        """Run phase one to zero; return the pattern weights lambda, or None (no fractional packing found)."""
        inst = self.inst
        n_g, n_t = inst.n_groups, len(self.types)
        inf = highspy.kHighsInf
        lp = self.lp = new_highs(max(0.05, deadline - time.perf_counter()), seed)
        lp.setOptionValue("solver", "simplex")
        lp.addRows(n_g, self.demand.astype(float), np.full(n_g, inf), 0, np.zeros(n_g, dtype=np.int32),
                   np.zeros(0, dtype=np.int32), np.zeros(0))
        lp.addRows(n_t, np.full(n_t, -inf), np.array([float(self.hosts[t]) for t in self.types]), 0,
                   np.zeros(n_t, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        # what a left-out replica weighs: its share of the fleet's vCPU and memory
        weight = (inst.group_vcpu / max(1e-12, float(np.dot(inst.group_vcpu, self.demand)))
                  + inst.group_memory_gib / max(1e-12, float(np.dot(inst.group_memory_gib, self.demand))) + 1e-6)
        for s in range(n_g):
            lp.addCol(float(weight[s]), 0.0, inf, 1, np.array([s], dtype=np.int32), np.array([1.0]))
        while time.perf_counter() < deadline:
            lp.setOptionValue("time_limit", lp.getRunTime() + max(0.05, deadline - time.perf_counter()))
            lp.run()
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            solution = lp.getSolution()
            if lp.getInfo().objective_function_value <= ZERO:
                return np.array(solution.col_value)[n_g:]
            row_dual = np.array(solution.row_dual)
            duals, type_duals = np.maximum(row_dual[:n_g], 0.0), np.minimum(row_dual[n_g:], 0.0)
            added = 0
            for i, t in enumerate(self.types):
                if time.perf_counter() >= deadline:
                    return None
                content = self._price(t, duals, deadline)
                if content is not None and float(np.dot(duals, content)) + type_duals[i] > ZERO:
                    added += self._add(i, t, content)
            if added == 0:
                return None  # no pattern helps (as far as pricing can tell): these hosts look too few
        return None

    def _add(self, row: int, t: int, content: np.ndarray) -> int:
        key = (t, content.tobytes())
        if key in self.seen:
            return 0
        self.seen.add(key)
        self.columns.append((t, content))
        idx = np.flatnonzero(content)
        rows = np.concatenate((idx, [self.inst.n_groups + row])).astype(np.int32)
        values = np.concatenate((content[idx].astype(float), [1.0]))
        self.lp.addCol(0.0, 0.0, highspy.kHighsInf, len(rows), rows, values)
        return 1

    def upper(self, t: int) -> np.ndarray:
        """Return, per group, the most replicas one host of type t may hold (computed once per type)."""
        if t not in self._upper:
            inst = self.inst
            self._upper[t] = np.minimum(np.minimum(inst.group_cap, inst.fit_alone[:, t]), self.demand).astype(np.int64)
        return self._upper[t]

    def floors(self, t: int) -> tuple[float, float, int]:
        """Return the least vCPU, memory and replicas a host of type t carries in any packing of the mix."""
        return (self.vcpu_cap[t] - self.slack_vcpu, self.memory_cap[t] - self.slack_memory,
                int(self.inst.type_slots[t]) - self.slack_slots)

    def _price(self, t: int, duals: np.ndarray, deadline: float) -> np.ndarray | None:
        """Return a host-t pattern of high dual value (the best one when the programme settles it), or None."""
        if self.units is not None and self.unit_cap[t] <= MAX_DP_UNITS:
            content = _best_exact_fill(duals, self.units, self.upper(t), self.unit_cap[t],
                                       max(0, self.unit_cap[t] - self.unit_slack))
            if content is None:
                return None  # not even the vCPU floor can be met
            if self._fits(t, content):
                return content  # the best pattern without the memory and slot rows meets them: the best one
            found = self._lagrange_price(t, duals, content)
            if found is not None:
                return found
            found = self._swap_repair(t, duals, content)
            if found is not None:
                return found
        pricer = self.pricers.get(t)
        if pricer is None:
            pricer = self.pricers[t] = _PricingMip(self, t)
        return pricer.solve(duals, min(PRICING_SECONDS, deadline - time.perf_counter()))

    def _lagrange_price(self, t: int, duals: np.ndarray, content: np.ndarray) -> np.ndarray | None:
        """Return the best pattern that fits its host among a few exact fills with memory priced in, or None.

        The exact fill ``content`` broke a memory limit (cap, or floor where the slack is
        small): memory is priced at mu per GiB (charged when it was too much, paid when too
        little) and mu halved in on. Each fill takes a millisecond where the pricing MIP
        takes tens (retail-platform / AWS: phase one in 3.0 s instead of 4.9 s).
        """
        memory = self.inst.group_memory_gib
        sign = 1.0 if float(np.dot(memory, content)) > self.memory_cap[t] else -1.0
        mu = max(1e-9, float(np.max(duals))) / max(1e-9, float(np.max(memory)))
        low, high = 0.0, None
        best = None
        floor = max(0, self.unit_cap[t] - self.unit_slack)
        for _ in range(LAGRANGE_STEPS):
            fill = _best_exact_fill(duals - sign * mu * memory, self.units, self.upper(t), self.unit_cap[t], floor)
            if fill is None:
                break
            if self._fits(t, fill):
                if best is None or float(np.dot(duals, fill)) > float(np.dot(duals, best)):
                    best = fill
                high = mu
            elif (float(np.dot(memory, fill)) > self.memory_cap[t]) == (sign > 0):
                low = mu  # still past the same limit: price memory harder
            else:
                high = mu
            mu = (low + high) / 2 if high is not None else mu * 4
        return best

    def _swap_repair(self, t: int, duals: np.ndarray, content: np.ndarray) -> np.ndarray | None:
        """Bring an exact fill's memory within its limits by swaps of replicas of equal vCPU; None if that fails."""
        memory = self.inst.group_memory_gib
        low, _, _ = self.floors(t)
        high = self.memory_cap[t]
        upper = self.upper(t)
        fill = content.copy()
        for _ in range(SWAP_REPAIR_STEPS):
            load = float(np.dot(memory, fill))
            if low - 1e-9 <= load <= high + 1e-9:
                return fill if self._fits(t, fill) else None
            best = None
            for g in np.flatnonzero(fill > 0).tolist():
                same = np.flatnonzero((self.units == self.units[g]) & (fill < upper))
                for h in same.tolist():
                    if h == g:
                        continue
                    after = load - memory[g] + memory[h]
                    if abs(after - (low + high) / 2) >= abs(load - (low + high) / 2):
                        continue  # not towards the window
                    inside = low - 1e-9 <= after <= high + 1e-9
                    key = (not inside, float(duals[g] - duals[h]) if inside else -abs(after - load))
                    if best is None or key < best[0]:
                        best = (key, g, h)
            if best is None:
                return None
            _, g, h = best
            fill[g] -= 1
            fill[h] += 1
        return None

    def _fits(self, t: int, content: np.ndarray) -> bool:
        inst = self.inst
        _, memory_floor, slot_floor = self.floors(t)
        tol = 1e-9
        memory = float(np.dot(inst.group_memory_gib, content))
        slots = int(content.sum())
        return (memory >= memory_floor - tol * max(1.0, memory_floor) and slots >= slot_floor
                and inst.bin_fits(t, _as_counts(content)))


class _PricingMip:
    """One type's pricing MIP, kept between rounds (only bounds and costs change)."""

    def __init__(self, master: _Master, t: int) -> None:
        inst = master.inst
        self.master, self.t = master, t
        self.groups = np.flatnonzero(master.upper(t) > 0)
        n = self.n = len(self.groups)
        inf = highspy.kHighsInf
        self.highs = highs = new_highs(PRICING_SECONDS)
        highs.setOptionValue("mip_rel_gap", PRICING_GAP)
        highs.addVars(n, np.zeros(n), master.upper(t)[self.groups].astype(float))
        highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int32))
        every = np.arange(n, dtype=np.int32)
        vcpu_floor, memory_floor, slot_floor = master.floors(t)
        if master.units is not None:
            highs.addRow(float(max(0, master.unit_cap[t] - master.unit_slack)), float(master.unit_cap[t]), n, every,
                         master.units[self.groups].astype(float))
        else:
            highs.addRow(vcpu_floor if vcpu_floor > 0 else -inf, master.vcpu_cap[t], n, every,
                         inst.group_vcpu[self.groups].astype(float))
        highs.addRow(memory_floor if memory_floor > 0 else -inf, master.memory_cap[t], n, every,
                     inst.group_memory_gib[self.groups].astype(float))
        highs.addRow(float(max(0, slot_floor)), float(inst.type_slots[t]), n, every, np.ones(n))

    def solve(self, duals: np.ndarray, seconds: float) -> np.ndarray | None:
        if seconds <= 0 or self.n == 0:
            return None
        highs, n = self.highs, self.n
        every = np.arange(n, dtype=np.int32)
        highs.changeColsCost(n, every, -duals[self.groups])
        highs.setOptionValue("time_limit", highs.getRunTime() + seconds)
        highs.run()
        if highs.getInfo().primal_solution_status != 2:
            return None
        content = np.zeros(self.master.inst.n_groups, dtype=np.int64)
        content[self.groups] = np.rint(np.array(highs.getSolution().col_value)).astype(np.int64)
        return content if self.master.inst.bin_fits(self.t, _as_counts(content)) else None


def _best_exact_fill(value: np.ndarray, units: np.ndarray, upper: np.ndarray, cap: int, floor: int) -> np.ndarray | None:
    """Return counts maximising value.counts with floor <= units.counts <= cap, 0 <= counts <= upper (or None).

    A dynamic programme over whole vCPU units; each group's copies are split in powers of
    two (bounded knapsack as 0/1 items).
    """
    items: list[tuple[int, int]] = []
    for g in np.flatnonzero(upper > 0).tolist():
        left, part = int(upper[g]), 1
        while left > 0:
            take = min(part, left)
            items.append((g, take))
            left -= take
            part *= 2
    none = -np.inf
    best = np.full(cap + 1, none)
    best[0] = 0.0
    took = np.zeros((len(items), cap + 1), dtype=bool)
    for i, (g, copies) in enumerate(items):
        w = int(units[g]) * copies
        if w > cap:
            continue
        candidate = best[:cap + 1 - w] + float(value[g]) * copies
        better = candidate > best[w:] + 1e-12
        took[i, w:] = better
        best[w:] = np.where(better, candidate, best[w:])
    window = best[floor:cap + 1]
    if window.size == 0 or not np.isfinite(window).any():
        return None
    load = floor + int(np.argmax(window))  # first of the best: deterministic
    content = np.zeros(value.size, dtype=np.int64)
    for i in range(len(items) - 1, -1, -1):
        if took[i, load]:
            g, copies = items[i]
            content[g] += copies
            load -= int(units[g]) * copies
    return content


def _as_counts(content: np.ndarray) -> dict[int, int]:
    return {int(g): int(content[g]) for g in np.flatnonzero(content)}


def _complete(inst: Instance, master: _Master, lam: np.ndarray, deadline: float, seed: int) -> list[Bin] | None:
    """Fix a few heavy patterns on hosts of repeated types, then place the rest with ``pack_into_hosts``.

    How many to fix is tried around half the hosts of repeated types: fixing none leaves
    the identical hosts' symmetry, fixing many soon fixes patterns that do not go together
    (the completion then fails at once).
    """
    repeated = sum(int(master.hosts[t]) for t in master.types if master.hosts[t] >= 2)
    order = sorted(range(len(lam)), key=lambda j: (-lam[j], j))
    first = math.ceil(repeated / 2)
    tries = [first] + [f for d in range(1, repeated + 1) for f in (first - d, first + d) if 0 <= f <= repeated]
    done: set[tuple[int, ...]] = set()
    for fix in tries:
        if time.perf_counter() >= deadline:
            return None
        demand = master.demand.copy()
        left = master.hosts.copy()
        chosen: list[int] = []
        for j in order:
            if len(chosen) >= fix or lam[j] <= ZERO:
                break
            t, content = master.columns[j]
            if master.hosts[t] >= 2 and left[t] >= 1 and np.all(content <= demand):
                demand -= content
                left[t] -= 1
                chosen.append(j)
        if tuple(chosen) in done:
            continue  # fewer patterns could be fixed than asked: a try already made
        done.add(tuple(chosen))
        fixed = [Bin(master.columns[j][0], _as_counts(master.columns[j][1])) for j in chosen]
        seconds = min(COMPLETION_SECONDS, deadline - time.perf_counter())
        rest = pack_into_hosts(inst, left, seconds, seed, demand=demand, load_floors=True) if demand.any() else []
        if rest is not None:
            bins = fixed + rest
            if inst.coverage_ok(bins, master.demand):
                return bins
    return None
