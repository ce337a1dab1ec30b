"""Spare hosts: enough idle capacity that any N hosts can fail and every replica still fits.

After the cheapest packing is found, each pool (a container node pool, or the one pool
of hypervisor hosts) gets N spare hosts of the cheapest type that can take over the
whole load of any single host of that pool (capacity, slots, and every service on it
allowed on that type). When N hosts fail, at most N loaded hosts are lost and at least
as many spares survive, so each lost host's replicas move to a surviving spare intact
(spread rules hold, since a spare starts empty). When no single type can take over every
host, or when it is cheaper, the pool gets N spares of each host type it uses instead (a
failed host's load always fits a spare of its own type).

A spare is licensed for the guests of any host it may take over (per-guest licences such as
Windows Server Standard stacks belong to the physical host; the spare carries, per licence
group, the most guests any one such host runs).

This is a safe construction, not an optimisation over all resilient plans: the report's
lower bound stays a proven bound, so the gap shows how much it might leave on the table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from planner.engine.problem import (
    HostLoad,
    Packing,
    PackingProblem,
    host_cost,
    licence_counts,
    packing_cost,
    status_for,
)
from planner.strategies import StrategyModel


def _load(problem: PackingProblem, host: HostLoad) -> tuple[float, float, int]:
    items = {i.name: i for i in problem.items}
    vcpu = sum(items[s].vcpu * n for s, n in host.items.items())
    mem = sum(items[s].memory_gib * n for s, n in host.items.items())
    return vcpu, mem, sum(host.items.values())


def spare_hosts(model: StrategyModel, packing: Packing, count: int) -> tuple[list[HostLoad], list[str]]:
    """Return the spare hosts to add (empty loads) and notes describing them."""
    if count <= 0 or not packing.hosts:
        return [], []
    problem = model.problem
    if all(o.max_items == 1 for o in model.offers):
        return [], ["spare hosts: none added for vm-per-service on a cloud catalogue (each VM is its own "
                    "instance; the provider replaces a failed one)"]
    items = {i.name: i for i in problem.items}
    pools: dict[str | None, list[HostLoad]] = defaultdict(list)
    for host in packing.hosts:
        pools[model.offer(host.host_type).pool].append(host)
    spares: list[HostLoad] = []
    notes: list[str] = []
    for pool in sorted(pools, key=lambda p: p or ""):
        hosts = pools[pool]
        candidates = sorted((o for o in model.offers if o.pool == pool), key=lambda o: (o.fixed_cost, o.name))

        def takes_over(offer_name: str, host: HostLoad) -> bool:
            t = problem.host_type(offer_name)
            vcpu, mem, n = _load(problem, host)
            return (vcpu <= t.vcpu + 1e-9 and mem <= t.memory_gib + 1e-9 and n <= t.max_items
                    and all(offer_name in items[s].compatible for s, count in host.items.items() if count > 0))

        chosen = next((o.name for o in candidates if all(takes_over(o.name, h) for h in hosts)), None)
        label = f"pool {pool}" if pool else "hypervisor hosts"
        used = sorted({h.host_type for h in hosts})
        one_type = _spare(problem, chosen, hosts) if chosen is not None else None
        per_type = [_spare(problem, t, [h for h in hosts if h.host_type == t]) for t in used]
        if one_type is not None and count * host_cost(problem, one_type) <= count * sum(
                host_cost(problem, spare) for spare in per_type):
            spares += [one_type] * count
            notes.append(f"spare hosts ({label}): {count} x {chosen}, each able to take over any one host"
                         + _licensed_note(one_type))
        else:  # N spares of every type used: a failed host's load always fits a spare of its own type
            spares += [spare for spare in per_type for _ in range(count)]
            why = "cheaper than one type that fits every host" if chosen else "no single type can take over every host"
            notes.append(f"spare hosts ({label}): {count} of each type used ({', '.join(used)}); {why}"
                         + "".join(_licensed_note(spare) for spare in per_type))
    return spares, notes


def _spare(problem: PackingProblem, host_type: str, covers: list[HostLoad]) -> HostLoad:
    """Return an empty spare of ``host_type`` licensed for the guests of any one host in ``covers``.

    Per-guest licences (Windows Server Standard stacks, RHEL per 2 VMs) belong to the
    physical host: a spare that takes over a failed host must already be licensed for its
    VMs, so it carries the most any one of those hosts needs, per licence group.
    """
    licensed: dict[str, int] = {}
    for host in covers:
        for g, n in licence_counts(problem, host.items).items():
            if g is not None:
                licensed[g] = max(licensed.get(g, 0), n)
    t = problem.host_type(host_type)
    return HostLoad(host_type, {}, {g: n for g, n in sorted(licensed.items()) if t.licence_options.get(g)})


def _licensed_note(spare: HostLoad) -> str:
    if not spare.licensed:
        return ""
    return " (licensed for " + ", ".join(f"{n} {g} guest(s)" for g, n in spare.licensed.items()) + ")"


def with_spares(model: StrategyModel, packing: Packing, count: int, gap_target: float) -> Packing:
    """Return the packing with spare hosts added, its cost, a still-valid lower bound and status.

    Bound: a replica never leaves its pool, so a resilient plan survives N failures in each
    of its pools at once; taking N hosts out of every pool the fleet uses leaves a feasible
    plan. A resilient plan therefore costs at least (bound without spares) + the sum over
    those pools of N x the pool's cheapest host type.
    """
    spares, notes = spare_hosts(model, packing, count)
    if not spares:
        return replace(packing, notes=packing.notes + tuple(notes))
    hosts = tuple(packing.hosts) + tuple(spares)
    cost = packing_cost(model.problem, hosts)
    # pools every plan uses: those holding some replica that no other pool may take
    pool_of = {o.name: o.pool for o in model.offers}
    used_pools = {next(iter(pools)) for pools in ({pool_of[t] for t in item.compatible if t in pool_of}
                                                   for item in model.problem.items if item.count > 0)
                  if len(pools) == 1}
    extra = sum(min(o.fixed_cost for o in model.offers if o.pool == p) for p in used_pools) * count
    bound = min(cost, packing.lower_bound + extra)
    status = status_for(cost, bound, gap_target)
    return replace(packing, hosts=hosts, cost=cost, lower_bound=bound, status=status,
                   notes=packing.notes + tuple(notes))
