"""Exact pricing knapsack for column generation (licence-free groups).

    maximise   sum_s value_s x_s
    subject to sum_s vcpu_s x_s <= vcpu_cap, sum_s mem_s x_s <= mem_cap, sum_s x_s <= slots,
               0 <= x_s <= cap_s integer.

Groups of identical (vCPU, memory) shape are merged into one class whose units
are taken best value first (any optimum can be rearranged that way), so the
search branches on "how many units of this class" over few classes.
Depth-first branch and bound; the bound at a node is the minimum of a few
surrogate fractional knapsacks (mu * vCPU + (1 - mu) * memory, with mu near the
root's best surrogate multiplier, plus the pure vCPU and memory ones) and the slot
bound, each read in O(log n) from per-depth cumulative tables. A node limit makes
the search give up (reporting the best found and the root relaxation bound) so the
caller can fall back to a MIP.
"""

from __future__ import annotations

import numpy as np

from planner.engine.instance import CAPACITY_RTOL


class _Suffix:
    """Cumulative tables of one resource's fractional knapsack over the units of classes >= depth."""

    __slots__ = ("cum_w", "cum_v", "ratio")

    def __init__(self, unit_value: np.ndarray, unit_weight: np.ndarray) -> None:
        ratio = unit_value / np.maximum(unit_weight, 1e-300)
        order = np.argsort(-ratio, kind="stable")
        self.cum_w = np.concatenate(([0.0], np.cumsum(unit_weight[order]))).tolist()
        self.cum_v = np.concatenate(([0.0], np.cumsum(unit_value[order]))).tolist()
        self.ratio = ratio[order].tolist()

    def bound(self, capacity: float) -> float:
        cum_w = self.cum_w
        if capacity >= cum_w[-1]:
            return self.cum_v[-1]
        # largest k with cum_w[k] <= capacity
        lo, hi = 0, len(cum_w) - 1
        while lo < hi:
            mid = (lo + hi + 1) >> 1
            if cum_w[mid] <= capacity:
                lo = mid
            else:
                hi = mid - 1
        return self.cum_v[lo] + (capacity - cum_w[lo]) * self.ratio[lo]


def solve_knapsack(
    value: np.ndarray,
    vcpu: np.ndarray,
    memory: np.ndarray,
    cap: np.ndarray,
    vcpu_cap: float,
    memory_cap: float,
    slots: int,
    node_limit: int = 50_000,
    keep: int = 3,
) -> tuple[float, list[dict[int, int]], bool, float]:
    """Return (best value found, up to ``keep`` best patterns (best first), proven optimal, upper bound).

    Past ``node_limit`` nodes the search stops: the value and patterns are then only
    the best found so far and the third entry is False. The upper bound (the root
    relaxation, or the optimum when proven) is valid either way.

    Patterns map index into the input arrays -> count. Only entries with value > 0
    and cap > 0 are used. The optimal value is exact (up to float rounding).
    """
    vcpu_cap = vcpu_cap * (1.0 + CAPACITY_RTOL) + 1e-12
    memory_cap = memory_cap * (1.0 + CAPACITY_RTOL) + 1e-12
    idx = np.flatnonzero((value > 0) & (cap > 0) & (vcpu <= vcpu_cap) & (memory <= memory_cap))
    if idx.size == 0 or slots <= 0:
        return 0.0, [], True, 0.0
    # Classes of identical shape; units inside a class best value first.
    shapes: dict[tuple[float, float], list[int]] = {}
    for i in idx.tolist():
        shapes.setdefault((float(vcpu[i]), float(memory[i])), []).append(i)
    classes = []
    for (a, b), members in shapes.items():
        members.sort(key=lambda i: (-value[i], i))
        units: list[int] = []
        for i in members:
            units.extend([i] * int(cap[i]))
        units = units[:slots]
        vals = [float(value[i]) for i in units]
        classes.append((a, b, units, vals))
    # Surrogate direction mu* with the smallest root bound (approximately the 2-row LP dual).
    all_v = np.array([v for c in classes for v in c[3]])
    all_a = np.array([c[0] for c in classes for _ in c[3]]) / vcpu_cap
    all_b = np.array([c[1] for c in classes for _ in c[3]]) / memory_cap
    grid = np.linspace(0.0, 1.0, 21)
    root = [_Suffix(all_v, mu * all_a + (1.0 - mu) * all_b).bound(1.0) for mu in grid]
    mu_star = float(grid[int(np.argmin(root))])
    mus = sorted({float(np.clip(mu_star + step, 0.0, 1.0)) for step in (-0.1, -0.03, 0.0, 0.03, 0.1)} | {0.0, 1.0})
    # Order classes by their best unit's value per surrogate size (the LP's greedy order).
    classes.sort(key=lambda c: -c[3][0] / (mu_star * c[0] / vcpu_cap + (1.0 - mu_star) * c[1] / memory_cap + 1e-12))
    n = len(classes)
    suffixes = []
    for d in range(n):
        uv = np.array([v for c in classes[d:] for v in c[3]])
        ua = np.array([c[0] for c in classes[d:] for _ in c[3]]) / vcpu_cap
        ub = np.array([c[1] for c in classes[d:] for _ in c[3]]) / memory_cap
        tables = [_Suffix(uv, mu * ua + (1.0 - mu) * ub) for mu in mus]
        suffixes.append((tables, np.cumsum(np.sort(uv)[::-1]).tolist()))
    prefix = [np.concatenate(([0.0], np.cumsum(c[3]))).tolist() for c in classes]

    best_value = 0.0
    found: list[tuple[float, list[int]]] = []  # (value, counts per class)
    counts = [0] * n
    nodes = 0
    eps = 1e-9

    def upper(d: int, r1: float, r2: float, r3: int) -> float:
        tables, sv = suffixes[d]
        x1 = r1 / vcpu_cap
        x2 = r2 / memory_cap
        b = float("inf")
        for mu, table in zip(mus, tables):
            b2 = table.bound(mu * x1 + (1.0 - mu) * x2)
            if b2 < b:
                b = b2
        if r3 < len(sv):
            b3 = sv[r3 - 1] if r3 > 0 else 0.0
            if b3 < b:
                b = b3
        return b

    def dfs(d: int, r1: float, r2: float, r3: int, val: float) -> bool:
        nonlocal best_value, nodes
        # Classes that no longer fit are passed over without branching (not counted as nodes).
        while d < n and r3 > 0:
            a, b, units, _ = classes[d]
            kmax = min(len(units), r3)
            if a > 0:
                kmax = min(kmax, int(r1 / a))
            if b > 0:
                kmax = min(kmax, int(r2 / b))
            if kmax > 0:
                break
            d += 1
        nodes += 1
        if nodes > node_limit:
            return False
        if d == n or r3 == 0:
            if val > best_value + eps:
                best_value = val
                found.append((val, counts[:]))
            return True
        if val + upper(d, r1, r2, r3) <= best_value + eps:
            return True
        pre = prefix[d]
        for k in range(kmax, -1, -1):
            counts[d] = k
            if not dfs(d + 1, r1 - k * a, r2 - k * b, r3 - k, val + pre[k]):
                counts[d] = 0
                return False
        counts[d] = 0
        return True

    root_upper = upper(0, vcpu_cap, memory_cap, int(slots))
    complete = dfs(0, vcpu_cap, memory_cap, int(slots), 0.0)
    patterns = []
    for _, cls_counts in reversed(found[-keep:]):
        pattern: dict[int, int] = {}
        for d, k in enumerate(cls_counts):
            for i in classes[d][2][:k]:
                pattern[i] = pattern.get(i, 0) + 1
        if pattern:
            patterns.append(pattern)
    return best_value, patterns, complete, (best_value if complete else max(best_value, root_upper))
