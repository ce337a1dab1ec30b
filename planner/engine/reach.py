"""Reachable host capacity: the largest load that item sizes can actually add up to.

A host's CPU load is a sum of its replicas' CPU requests. When the requests lie on a
grid (0.05 cores, 8 MiB), a host of 40.6385 allocatable vCPU can hold at most 40.60:
the last 0.0385 can never be used. Bounds that pool capacity across hosts (the
aggregate LP and MIP in ``bounds.py``) may use the reachable figure instead of the
nominal one and stay valid, and get stronger where capacity is tight (retail-platform
on AWS: the aggregate MIP bound rose from 9,839.15 to 9,847.33). This is the classic
capacity reduction of bin packing, computed as a bounded subset sum per host type.
"""

from __future__ import annotations

import math

import numpy as np

# Grids tried, in this order, to turn float sizes into whole units: thousandths (CPU in
# millicores), binary (memory in bytes), then both.
GRID_SCALES = (1_000, 2**30, 1_000 * 2**30)
# Largest capacity, in grid units, that the subset sum is computed for (a bit set that long).
MAX_UNITS = 1 << 21
# Work budget over all types, in bit operations (shifts of the bit set), so that no pool
# can make it slow; types past it keep their capacity. (Measured well inside it: 0.04 s on
# the 20,000-replica benchmark pools, 0.01 s on the shipped ones.)
MAX_BIT_OPERATIONS = 4_000_000_000


def on_grid(sizes: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Return (whole units, unit size) with sizes == units * unit, or None when no grid fits.

    The unit is the largest common one (the greatest common divisor on the finest grid
    that holds every size), so the bit sets stay short.
    """
    sizes = np.asarray(sizes, dtype=float)
    if sizes.size == 0 or np.any(sizes <= 0) or not np.all(np.isfinite(sizes)):
        return None
    for scale in GRID_SCALES:
        scaled = sizes * scale
        whole = np.round(scaled)
        # every size at least one unit: a size that rounds to 0 (a 1n CPU request) is off this grid
        if whole.max() < 2**53 and whole.min() >= 1 and np.all(np.abs(scaled - whole) <= 1e-6 + 1e-14 * scaled):
            units = whole.astype(np.int64)
            common = math.gcd(*units.tolist())
            return units // common, common / scale
    return None


def reachable_capacity(sizes: np.ndarray, copies: np.ndarray, capacity: np.ndarray,
                       types: np.ndarray | None = None) -> np.ndarray:
    """Return per type the largest sum of item sizes that fits within its capacity.

    ``sizes`` (groups,) are item sizes, ``copies`` (groups, types) how many items of a
    group one host of a type can hold (0 = none), ``capacity`` (types,) the nominal
    capacity. Types outside the ``types`` mask, past the work budget or too large for
    the grid keep their nominal capacity (always valid, only weaker). The result never
    exceeds the nominal capacity and is slightly shaded up, so float rounding in a
    real host's load can never push it past.
    """
    capacity = np.asarray(capacity, dtype=float)
    result = capacity.copy()
    sizes = np.asarray(sizes, dtype=float)
    used = np.flatnonzero(sizes > 0)  # items of size 0 add no load
    grid = on_grid(sizes[used])
    if grid is None:
        return result
    units, unit = grid
    order = used[np.argsort(units, kind="stable")]  # small items first: the full capacity is reached soonest
    size_units = np.zeros(sizes.size, dtype=np.int64)
    size_units[used] = units
    budget = MAX_BIT_OPERATIONS
    for t in range(capacity.size):
        if types is not None and not types[t]:
            continue
        limit = max(0, int(math.floor(capacity[t] / unit * (1.0 + 1e-10) + 1e-9)))
        if limit > MAX_UNITS:
            continue
        mask = (1 << (limit + 1)) - 1
        reach = 1  # bit k set: a load of k units can be made
        for g in order.tolist():
            left = int(copies[g, t])
            part = 1
            while left > 0 and not reach >> limit & 1:  # binary split of the copies
                take = min(part, left)
                reach = (reach | (reach << (take * int(size_units[g])))) & mask
                budget -= limit
                left -= take
                part *= 2
            if reach >> limit & 1 or budget <= 0:
                break
        if budget <= 0:
            break
        best = reach.bit_length() - 1
        result[t] = min(capacity[t], best * unit * (1.0 + 1e-9) + 1e-12)
    return result
