"""The plans as JSON data (the `--json` contract: keys documented in the README)."""

from __future__ import annotations

from typing import Any

from planner import __version__
from planner.pipeline import PlanningResult
from planner.plans import Plan
from planner.strategies import StrategyModel


def _plan_dict(plan: Plan, model: StrategyModel) -> dict[str, Any]:
    return {
        "strategy": plan.strategy,
        "status": plan.status,
        "total_cost": plan.total_cost,
        "lower_bound": plan.lower_bound,
        "gap": plan.gap,
        "solve_seconds": plan.solve_seconds,
        "heuristic_cost": plan.heuristic_cost,
        "method": plan.method,
        "cost_breakdown": plan.cost_breakdown,
        "on_demand_cost": plan.on_demand_cost,
        "spare_hosts": plan.spare_hosts,
        "host_types": [
            {"name": o.name, "model": o.base.name, "pool": o.pool,
             "allocatable_vcpu": o.vcpu, "allocatable_memory_gib": o.memory_gib,
             "max_items": o.max_items, "cost_per_month": o.fixed_cost}
            for o in model.offers
        ],
        "hosts": [
            {"id": h.id, "type": h.type, "model": h.model, "pool": h.pool, "vcpu": h.vcpu,
             "memory_gib": h.memory_gib, "cost": h.cost, "used_vcpu": h.used_vcpu,
             "used_memory_gib": h.used_memory_gib, "items": h.items,
             "licensed_guests": dict(h.licensed),  # a spare's guest licences (OS -> VMs), {} otherwise
             "cost_lines": [
                 {"category": ln.category, "name": ln.name, "product": ln.product, "units": ln.units,
                  "monthly": ln.monthly, "price_ref": ln.ref}
                 for ln in h.lines
             ]}
            for h in plan.hosts
        ],
        "placements": [
            {"service": p.service, "replica": p.replica, "host": p.host, "vcpu": p.vcpu,
             "memory_gib": p.memory_gib, "host_vcpu": p.host_vcpu, "host_memory_gib": p.host_memory_gib}
            for p in plan.placements
        ],
        "plan_cost_lines": [
            {"category": ln.category, "name": ln.name, "product": ln.product, "units": ln.units,
             "monthly": ln.monthly, "price_ref": ln.ref}
            for ln in plan.plan_lines
        ],
        "notes": list(plan.notes),
    }


def result_dict(result: PlanningResult) -> dict[str, Any]:
    """Return the whole result as JSON-ready data."""
    delta = result.delta
    return {
        "currency": result.catalogue.currency,
        "period": "month",
        "fleet": {"path": str(result.fleet.path), "name": result.fleet.name,
                  "services": len(result.fleet.services), "replicas": result.fleet.total_replicas,
                  "service_rows": [
                      {"service": s.name, "vcpu": s.vcpu, "memory_gib": s.memory_gib, "replicas": s.replicas,
                       "os": s.os, "team": s.team, "max_per_host": s.max_per_host, "arch": s.arch}
                      for s in result.fleet.services
                  ],
                  "daemonset": {"vcpu": result.fleet.daemonset_vcpu, "memory_gib": result.fleet.daemonset_memory_gib,
                                "pods": result.fleet.daemonset_pods,
                                "by_os": {os_name: {"vcpu": v, "memory_gib": m, "pods": n}
                                          for os_name, v, m, n in result.fleet.daemonset_os}}},
        "catalogue": {"path": str(result.catalogue_path), "name": result.catalogue.name,
                      "as_of": result.catalogue.as_of.isoformat()},
        "plans": [_plan_dict(p, m) for p, m in zip(result.plans, result.models, strict=True)],
        "delta": None if delta is None else
        # "cheaper" always names a strategy (the contract's values); "tie" says when neither is (to the cent)
        {"absolute": delta.absolute, "percent": delta.percent, "cheaper": delta.cheaper,
         "tie": delta.tie},
        "unverified_prices": [
            {"ref": p.ref, "amount": p.amount, "unit": p.unit, "source": p.source_title,
             "as_of": p.as_of.isoformat()}
            for p in result.unverified_prices
        ],
        "notes": list(result.notes),
        "options": {"solver": result.options.solver, "time_limit": result.options.time_limit,
                    "gap": result.options.gap, "growth": result.options.growth,
                    "spare_hosts": result.options.spare_hosts, "commitment": result.options.commitment},
        "planner_version": __version__,
        "run_at": result.run_at.isoformat(),
    }
