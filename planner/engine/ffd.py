"""First-fit-decreasing (FFD) heuristic: the fast plan every solve starts from.

Groups are placed in decreasing dominant share; a group's replicas go in bulk
into the first open hosts with room (vectorised over hosts, so identical replicas
cost one numpy pass, not one pass each). When nothing open has room, new hosts
are opened of either a fixed "opening" type or the type with the best cost per
dominant unit for the items still to place. Every host is then right-sized to the
cheapest compatible type that holds its content (licence cost included). The
cheapest of all runs wins. ``ffd_packing`` is the standalone heuristic.
"""

from __future__ import annotations

import numpy as np

from planner.engine.components import split_pools
from planner.engine.instance import Bin, Instance, build_instance, dominated_types, max_copies
from planner.engine.problem import HostLoad, PackingProblem

# Above this many replicas, only the most promising opening types are tried.
_MANY_REPLICAS = 4000
_MAX_OPENING_TYPES_LARGE = 10


def ffd_packing(problem: PackingProblem) -> tuple[HostLoad, ...]:
    """Return the best FFD plan for ``problem`` as canonical HostLoads (each independent pool apart)."""
    hosts: list[HostLoad] = []
    for pool in split_pools(problem):
        inst = build_instance(pool)
        hosts += inst.to_host_loads(best_ffd(inst))
    return tuple(sorted(hosts, key=lambda h: (h.host_type, sorted(h.items.items()))))


def best_ffd(inst: Instance, type_mask: np.ndarray | None = None, demand: np.ndarray | None = None) -> list[Bin]:
    """Return the cheapest right-sized plan over all FFD variants (for ``demand``, default every replica)."""
    if inst.n_groups == 0 or (demand is not None and demand.sum() == 0):
        return []
    usable = ~dominated_types(inst) if type_mask is None else type_mask.copy()
    # A dominated type may still be the only home of some group: never drop those.
    for s in range(inst.n_groups):
        if not np.any(inst.fit_alone[s] * usable):
            usable |= inst.fit_alone[s] > 0
    openings: list[int | None] = [None]
    candidates = [t for t in range(inst.n_types) if usable[t]]
    if int(inst.group_count.sum()) > _MANY_REPLICAS:
        candidates = sorted(candidates, key=lambda t: (_type_efficiency(inst, t, inst.group_count), t))
        candidates = sorted(candidates[:_MAX_OPENING_TYPES_LARGE])
    openings += candidates
    best: tuple[float, list[Bin]] | None = None
    # With licence costs, a second order places licensed groups first so they
    # share few hosts (each host licenses its own items). With spread limits, a
    # third order places the groups that need the most hosts first, so the hosts
    # their spread forces open are filled by the rest instead of staying near-empty.
    orders = ["share"]
    if np.any(inst.group_licence >= 0):
        orders.append("licence")
    if np.any(hosts_needed(inst, demand) > 1):
        orders.append("spread")
    for order in orders:
        for opening in openings:
            bins = right_size(inst, ffd_run(inst, opening, usable, order, demand), usable)
            cost = inst.plan_cost(bins)
            if best is None or cost < best[0] - 1e-9:
                best = (cost, bins)
    assert best is not None
    return best[1]


def _type_efficiency(inst: Instance, t: int, remaining: np.ndarray) -> float:
    """Return fixed cost of covering the remaining compatible demand with type t alone (fractional, >= 1 host)."""
    mask = inst.compatible[:, t]
    if not mask.any():
        return np.inf
    demand_vcpu = float(np.dot(remaining[mask], inst.group_vcpu[mask]))
    demand_memory_gib = float(np.dot(remaining[mask], inst.group_memory_gib[mask]))
    demand_slots = float(remaining[mask].sum())
    hosts = max(
        1.0,
        demand_vcpu / max(inst.type_vcpu[t], 1e-12),
        demand_memory_gib / max(inst.type_memory_gib[t], 1e-12),
        demand_slots / max(inst.type_slots[t], 1),
    )
    return float(inst.type_fixed_cost[t]) * hosts


def hosts_needed(inst: Instance, demand: np.ndarray | None = None) -> np.ndarray:
    """Return, per group, the fewest hosts its spread limit allows it on: ceil(count / max per host)."""
    count = inst.group_count if demand is None else np.asarray(demand, dtype=np.int64)
    return -(-count // np.maximum(inst.group_cap, 1))


def group_order(inst: Instance, reference: int | None, order: str = "share",
                demand: np.ndarray | None = None) -> list[int]:
    """Return group indices in FFD order (ties by index).

    ``share``: decreasing dominant share; ``licence``: licensed groups first, then by
    share; ``spread``: the groups needing the most hosts (spread limit) first, then by share.
    """
    if reference is None:
        ref_vcpu, ref_memory_gib = inst.type_vcpu.max(), inst.type_memory_gib.max()
    else:
        ref_vcpu, ref_memory_gib = inst.type_vcpu[reference], inst.type_memory_gib[reference]
    share = np.maximum(inst.group_vcpu / max(ref_vcpu, 1e-12), inst.group_memory_gib / max(ref_memory_gib, 1e-12))
    if order == "licence":
        return sorted(range(inst.n_groups), key=lambda s: (-int(inst.group_licence[s]), -share[s], s))
    if order == "spread":
        needed = hosts_needed(inst, demand)
        return sorted(range(inst.n_groups), key=lambda s: (-int(needed[s]), -share[s], s))
    return sorted(range(inst.n_groups), key=lambda s: (-share[s], s))


class _OpenHosts:
    """Growable arrays of the hosts an FFD run has opened."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.size = 0
        cap = 64
        self.type_index = np.zeros(cap, dtype=np.int64)
        self.free_vcpu = np.zeros(cap)
        self.free_memory_gib = np.zeros(cap)
        self.free_slots = np.zeros(cap, dtype=np.int64)
        self.bins: list[Bin] = []
        # group -> (host indices, replicas) already placed, so a group placed in two
        # passes still respects its per-host spread limit.
        self.placed: dict[int, tuple[list[int], list[int]]] = {}

    def _grow(self, need: int) -> None:
        cap = len(self.type_index)
        if self.size + need <= cap:
            return
        new_cap = max(2 * cap, self.size + need)
        for name in ("type_index", "free_vcpu", "free_memory_gib", "free_slots"):
            old = getattr(self, name)
            new = np.zeros(new_cap, dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def open(self, t: int, n_hosts: int) -> None:
        self._grow(n_hosts)
        sl = slice(self.size, self.size + n_hosts)
        inst = self.inst
        self.type_index[sl] = t
        self.free_vcpu[sl] = inst.type_vcpu[t]
        self.free_memory_gib[sl] = inst.type_memory_gib[t]
        self.free_slots[sl] = inst.type_slots[t]
        self.bins.extend(Bin(t) for _ in range(n_hosts))
        self.size += n_hosts

    def place_first_fit(self, s: int, remaining: int, start: int = 0) -> int:
        """Place up to ``remaining`` replicas of group s first-fit; return how many are left."""
        if remaining <= 0 or self.size <= start:
            return remaining
        inst = self.inst
        sl = slice(start, self.size)
        fit = np.minimum(
            np.minimum(
                max_copies(inst.group_vcpu[s], self.free_vcpu[sl]),
                max_copies(inst.group_memory_gib[s], self.free_memory_gib[sl]),
            ),
            np.minimum(self.free_slots[sl], inst.group_cap[s]),
        )
        fit = np.where(inst.compatible[s, self.type_index[sl]], np.maximum(fit, 0), 0)
        earlier = self.placed.get(s)
        if earlier is not None:
            where = np.asarray(earlier[0], dtype=np.int64) - start
            keep = where >= 0
            np.subtract.at(fit, where[keep], np.asarray(earlier[1], dtype=np.int64)[keep])
            fit = np.maximum(fit, 0)
        before = np.cumsum(fit) - fit
        take = np.clip(remaining - before, 0, fit)
        record = self.placed.setdefault(s, ([], []))
        for offset in np.flatnonzero(take):
            h = start + int(offset)
            n = int(take[offset])
            self.bins[h].counts[s] = self.bins[h].counts.get(s, 0) + n
            record[0].append(h)
            record[1].append(n)
        idx = np.arange(start, self.size)
        self.free_vcpu[idx] -= take * inst.group_vcpu[s]
        self.free_memory_gib[idx] -= take * inst.group_memory_gib[s]
        self.free_slots[idx] -= take
        return remaining - int(take.sum())


def ffd_run(inst: Instance, opening: int | None, usable: np.ndarray, order: str = "share",
            demand: np.ndarray | None = None) -> list[Bin]:
    """Return one FFD plan; new hosts are of type ``opening`` when it fits, else the most efficient type."""
    hosts = _OpenHosts(inst)
    remaining = (inst.group_count if demand is None else np.asarray(demand, dtype=np.int64)).copy()
    for s in group_order(inst, opening, order, demand):
        left = hosts.place_first_fit(s, int(remaining[s]))
        while left > 0:
            t = _choose_new_type(inst, s, opening, usable, remaining)
            per_host = int(inst.fit_alone[s, t])
            n_new = -(-left // per_host)
            start = hosts.size
            hosts.open(t, n_new)
            left = hosts.place_first_fit(s, left, start)
        remaining[s] = 0
    return hosts.bins


def _choose_new_type(inst: Instance, s: int, opening: int | None, usable: np.ndarray, remaining: np.ndarray) -> int:
    """Return the host type to open for group s."""
    if opening is not None and inst.fit_alone[s, opening] > 0:
        return opening
    candidates = [t for t in range(inst.n_types) if inst.fit_alone[s, t] > 0 and usable[t]]
    if not candidates:
        candidates = [t for t in range(inst.n_types) if inst.fit_alone[s, t] > 0]
    return min(candidates, key=lambda t: (_type_efficiency(inst, t, remaining), t))


def right_size(inst: Instance, bins: list[Bin], usable: np.ndarray | None = None) -> list[Bin]:
    """Return the bins, each moved to the cheapest type that holds its content (vectorised over bins)."""
    bins = [b for b in bins if any(n > 0 for n in b.counts.values())]
    if not bins:
        return []
    n_bins = len(bins)
    content = np.zeros((n_bins, inst.n_groups), dtype=np.int64)
    for i, b in enumerate(bins):
        for g, n in b.counts.items():
            content[i, g] = n
    load_vcpu = content @ inst.group_vcpu
    load_memory_gib = content @ inst.group_memory_gib
    load_slots = content.sum(axis=1)
    present = content > 0
    incompatible = (present.astype(np.int64) @ (~inst.compatible).astype(np.int64)) > 0
    over_cap = (content > inst.group_cap[None, :]).any(axis=1)
    tol = 1.0 + 1e-10
    feasible = (
        (load_vcpu[:, None] <= inst.type_vcpu[None, :] * tol + 1e-12)
        & (load_memory_gib[:, None] <= inst.type_memory_gib[None, :] * tol + 1e-12)
        & (load_slots[:, None] <= inst.type_slots[None, :])
        & ~incompatible
        & ~over_cap[:, None]
    )
    cost = np.tile(inst.type_fixed_cost, (n_bins, 1))
    for lic in range(len(inst.licence_names)):
        members = inst.group_licence == lic
        if not members.any():
            continue
        n_lic = content[:, members].sum(axis=1)
        for t in range(inst.n_types):
            cost[:, t] += inst.licence_cost_array(t, lic, n_lic)
    cost = np.where(feasible, cost, np.inf)
    if usable is not None:
        # Prefer usable types; fall back to any type (a bin may only fit a dominated one).
        preferred = np.where(usable[None, :], cost, np.inf)
        cost = np.where(np.isfinite(preferred.min(axis=1))[:, None], preferred, cost)
    current = np.array([b.type_index for b in bins])
    current_cost = cost[np.arange(n_bins), current]
    best = np.argmin(cost, axis=1)  # first minimum = first by name
    keep = np.isfinite(current_cost) & (current_cost <= cost[np.arange(n_bins), best] + 1e-9)
    out = []
    for i, b in enumerate(bins):
        t = int(current[i]) if keep[i] else int(best[i])
        out.append(Bin(t, dict(b.counts)))
    return out


def single_type_host_count(inst: Instance, t: int) -> int:
    """Return how many hosts of type t an FFD needs for every replica compatible with t."""
    hosts = _OpenHosts(inst)
    for s in group_order(inst, t):
        per_host = int(inst.fit_alone[s, t])
        if per_host <= 0:
            continue
        left = hosts.place_first_fit(s, int(inst.group_count[s]))
        if left > 0:
            start = hosts.size
            hosts.open(t, -(-left // per_host))
            hosts.place_first_fit(s, left, start)
    return hosts.size


def lp_guided_packing(
    inst: Instance, replicas_by_type: np.ndarray, usable: np.ndarray | None = None, hosts_by_type: np.ndarray | None = None
) -> list[Bin]:
    """Return plans rounded from the aggregate LP's split of replicas over host types (best of a few roundings).

    Each type t receives round-down (or nearest) y[s,t] replicas of each group and
    packs them first-fit-decreasing into type-t hosts only (respecting spread and
    slots); the replicas left over are then placed first-fit into any open host,
    opening new hosts as FFD does. Every host is finally right-sized. A best-of
    FFD restricted to the LP's host types (``hosts_by_type`` > 0) is tried too.
    The result always covers every replica; it is linear-time in hosts, so it also finishes
    fast on 20,000-replica fleets.
    """
    if inst.n_groups == 0:
        return []
    y = np.where(inst.fit_alone > 0, np.maximum(np.asarray(replicas_by_type, dtype=float), 0.0), 0.0)
    mask = np.ones(inst.n_types, dtype=bool) if usable is None else usable.copy()
    for s in range(inst.n_groups):
        if not np.any(inst.fit_alone[s] * mask):
            mask |= inst.fit_alone[s] > 0
    best: tuple[float, list[Bin]] | None = None
    for rounding in ("floor", "nearest"):
        share = np.floor(y + 1e-6) if rounding == "floor" else np.floor(y + 0.5)
        share = share.astype(np.int64)
        # Never hand out more than a group's count: trim the smallest shares first.
        for s in range(inst.n_groups):
            excess = int(share[s].sum() - inst.group_count[s])
            for t in np.argsort(y[s] - share[s], kind="stable"):
                if excess <= 0:
                    break
                cut = min(excess, int(share[s, t]))
                share[s, t] -= cut
                excess -= cut
        bins = right_size(inst, _pack_shares(inst, share, mask), mask)
        cost = inst.plan_cost(bins)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, bins)
    if hosts_by_type is not None:
        support = mask & (np.asarray(hosts_by_type) > 1e-6)
        if support.any():
            bins = best_ffd(inst, support)
            cost = inst.plan_cost(bins)
            if best is None or cost < best[0] - 1e-9:
                best = (cost, bins)
    assert best is not None
    return best[1]


def _pack_shares(inst: Instance, share: np.ndarray, usable: np.ndarray) -> list[Bin]:
    """Pack share[s,t] replicas of s into type-t hosts, then the rest anywhere (FFD)."""
    hosts = _OpenHosts(inst)
    per_type = share.sum(axis=0)
    for t in sorted(range(inst.n_types), key=lambda t: (-int(per_type[t]), t)):
        if per_type[t] <= 0:
            continue
        start = hosts.size
        for s in group_order(inst, t):
            n = int(share[s, t])
            if n <= 0:
                continue
            left = hosts.place_first_fit(s, n, start)
            if left > 0:
                first_new = hosts.size
                hosts.open(t, -(-left // int(inst.fit_alone[s, t])))
                hosts.place_first_fit(s, left, first_new)
    remaining = inst.group_count - share.sum(axis=1)
    for s in group_order(inst, None):
        left = hosts.place_first_fit(s, int(remaining[s]))
        while left > 0:
            t = _choose_new_type(inst, s, None, usable, remaining)
            first_new = hosts.size
            hosts.open(t, -(-left // int(inst.fit_alone[s, t])))
            left = hosts.place_first_fit(s, left, first_new)
        remaining[s] = 0
    return hosts.bins
