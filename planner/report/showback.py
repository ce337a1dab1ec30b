"""Showback: split a plan's monthly cost over the services that run on it. Pure; no openpyxl.

The rule (also printed on the workbook's Services sheet):

1. Each replica's *weight* on its host is its dominant share of that host's allocatable
   capacity: ``max(host_vcpu / allocatable vCPU, host_memory / allocatable memory,
   1 / max items)`` — what it takes from the host including overheads (its VM plus
   hypervisor overhead, or its pod request plus per-pod overhead). The slot share counts
   only where a host can hold more than one item.
2. Each host's monthly cost is split over its replicas in proportion to their weights
   (idle capacity is paid by the replicas that are there). A host whose replicas all weigh
   nothing is split equally per replica.
3. Plan-level lines (cluster fees, per-VM licences charged as a plan constant) are spread
   over the services in proportion to the host cost allocated to each; when hosts cost
   nothing, per replica.
4. Amounts are rounded to cents with largest-remainder rounding, so the services add up
   exactly to the plan total rounded to the cent.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from planner.plans import Plan, PlannedHost
from planner.strategies import StrategyModel


def allocate_cents(total_cents: int, weights: Sequence[float]) -> list[int]:
    """Split ``total_cents`` in proportion to ``weights`` with largest-remainder rounding.

    The parts add up to ``total_cents`` exactly. Ties in the remainder go to the earlier
    weight. All-zero (or empty-sum) weights split equally. Negative weights count as zero.
    """
    n = len(weights)
    if n == 0:
        if total_cents:
            raise ValueError("cannot allocate a non-zero amount over no weights")
        return []
    w = [max(0.0, float(x)) if math.isfinite(x) else 0.0 for x in weights]
    s = math.fsum(w)
    if s <= 0:
        w, s = [1.0] * n, float(n)
    sign = -1 if total_cents < 0 else 1
    whole = abs(total_cents)
    exact = [whole * x / s for x in w]
    parts = [math.floor(e) for e in exact]
    short = whole - sum(parts)
    order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    return [sign * p for p in parts]


def replica_weight(host: PlannedHost, host_vcpu: float, host_memory_gib: float) -> float:
    """Return a replica's dominant share of its host (see the module docstring)."""
    shares = [
        host_vcpu / host.vcpu if host.vcpu > 0 else 0.0,
        host_memory_gib / host.memory_gib if host.memory_gib > 0 else 0.0,
    ]
    if host.max_items > 1:
        shares.append(1.0 / host.max_items)
    return max(shares)


def service_weights(plan: Plan) -> dict[str, float]:
    """Return each service's share of the hosts' cost (monthly, unrounded), services in plan order."""
    hosts = {h.id: h for h in plan.hosts}
    by_host: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for p in plan.placements:
        by_host[p.host].append((p.service, replica_weight(hosts[p.host], p.host_vcpu, p.host_memory_gib)))
    out: dict[str, float] = {}
    for p in plan.placements:
        out.setdefault(p.service, 0.0)
    for host_id, reps in by_host.items():
        cost = hosts[host_id].cost
        total = math.fsum(w for _, w in reps)
        for service, w in reps:
            share = w / total if total > 0 else 1.0 / len(reps)
            out[service] += cost * share
    return out


def showback(plan: Plan, model: StrategyModel | None = None) -> dict[str, float]:
    """Return each service's monthly cost under ``plan``, in cents, adding up to the plan total.

    Keys are services in the order of the strategy model's fleet (or of the placements);
    values are amounts rounded to the cent whose sum in cents is ``round(total_cost * 100)``.
    """
    host_share = service_weights(plan)
    if model is not None:
        ordered = [name for name in model.shapes if name in host_share]
        ordered += [name for name in host_share if name not in model.shapes]
    else:
        ordered = list(host_share)
    replicas: dict[str, int] = defaultdict(int)
    for p in plan.placements:
        replicas[p.service] += 1
    plan_level = math.fsum(line.monthly for line in plan.plan_lines)
    host_total = math.fsum(host_share.values())
    exact = []
    for name in ordered:
        spread = host_share[name] / host_total if host_total > 0 else replicas[name] / max(1, len(plan.placements))
        exact.append(host_share[name] + plan_level * spread)
    total_cents = round(plan.total_cost * 100)
    cents = allocate_cents(total_cents, exact) if ordered else []
    return {name: c / 100 for name, c in zip(ordered, cents, strict=True)}


def sum_cents(amounts: Mapping[str, float] | Sequence[float]) -> int:
    """Return the sum of cent amounts as integer cents (exact, unlike a float sum)."""
    values = amounts.values() if isinstance(amounts, Mapping) else amounts
    return sum(round(v * 100) for v in values)


def by_team(amounts: Mapping[str, float], teams: Mapping[str, str | None],
            no_team: str = "(no team)") -> dict[str, float]:
    """Return cent amounts summed per team (exactly, in cents), teams sorted, no team last."""
    cents: dict[str, int] = defaultdict(int)
    for service, amount in amounts.items():
        cents[teams.get(service) or no_team] += round(amount * 100)
    keys = sorted(k for k in cents if k != no_team) + ([no_team] if no_team in cents else [])
    return {k: cents[k] / 100 for k in keys}
