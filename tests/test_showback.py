"""Showback: splitting plan costs over services, exactly to the cent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.plans import Placement, Plan, PlannedHost
from planner.report.showback import allocate_cents, by_team, replica_weight, service_weights, showback, sum_cents
from planner.strategies import FEES, INSTANCES, LicenceLine


def _host(hid: str, cost: float, vcpu: float, mem: float, services: dict[str, int], max_items: int = 110,
          used: tuple[float, float] = (0.0, 0.0)) -> PlannedHost:
    return PlannedHost(hid, "t", "t", "linux", vcpu, mem, max_items,
                       (LicenceLine(INSTANCES, "t", "instance", 1, cost, "instance_types.t.price"),),
                       used[0], used[1], sum(services.values()), tuple(sorted(services.items())))


def _plan(hosts: list[PlannedHost], placements: list[Placement], plan_lines: tuple[LicenceLine, ...] = ()) -> Plan:
    total = sum(h.cost for h in hosts) + sum(ln.monthly for ln in plan_lines)
    return Plan("container-density", "optimal", total, total, 0.0, total, "test", tuple(hosts), tuple(placements),
                plan_lines, ())


def test_allocate_cents_adds_up_and_is_proportional() -> None:
    assert allocate_cents(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate_cents(1000, [3, 1]) == [750, 250]
    assert allocate_cents(5, [0, 0]) == [3, 2]  # nothing to go by: equal split
    assert allocate_cents(0, [1, 2]) == [0, 0]
    assert allocate_cents(0, []) == []
    with pytest.raises(ValueError):
        allocate_cents(1, [])


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=40))
def test_allocate_cents_property(total: int, weights: list[float]) -> None:
    parts = allocate_cents(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    s = sum(weights)
    if s > 0:
        for p, w in zip(parts, weights, strict=True):
            assert abs(p - total * w / s) < 1.0 + 1e-6 * total  # within a cent of the exact share


def test_dominant_share_splits_a_host() -> None:
    # one host of 4 vCPU / 16 GiB costing 100: a takes 2 vCPU / 2 GiB (cpu share 0.5),
    # b takes 1 vCPU / 8 GiB (memory share 0.5), c takes 1 vCPU / 4 GiB (0.25 each)
    host = _host("h#1", 100.0, 4.0, 16.0, {"a": 1, "b": 1, "c": 1})
    assert replica_weight(host, 2, 2) == 0.5
    placements = [Placement("a", 1, "h#1", 2, 2, 2, 2), Placement("b", 1, "h#1", 1, 8, 1, 8),
                  Placement("c", 1, "h#1", 1, 4, 1, 4)]
    plan = _plan([host], placements)
    assert service_weights(plan) == pytest.approx({"a": 40.0, "b": 40.0, "c": 20.0})
    assert showback(plan) == {"a": 40.0, "b": 40.0, "c": 20.0}


def test_slot_share_counts_on_pod_limited_hosts() -> None:
    host = _host("h#1", 30.0, 100.0, 100.0, {"a": 1, "b": 1}, max_items=2)
    plan = _plan([host], [Placement("a", 1, "h#1", 0.01, 0.01, 0.01, 0.01),
                          Placement("b", 1, "h#1", 50, 0.01, 50, 0.01)])
    # a's dominant share is its slot (1/2), b's its cpu (1/2): equal
    assert showback(plan) == {"a": 15.0, "b": 15.0}


def test_plan_lines_follow_allocated_host_cost_and_cents_add_up() -> None:
    h1 = _host("h#1", 10.0, 1, 1, {"a": 1})
    h2 = _host("h#2", 20.0, 1, 1, {"b": 2}, max_items=2)
    fee = LicenceLine(FEES, "eks", "cluster", 1, 73.0, "licences.eks.price")
    plan = _plan([h1, h2], [Placement("a", 1, "h#1", 1, 1, 1, 1), Placement("b", 1, "h#2", 0.5, 0.5, 0.5, 0.5),
                            Placement("b", 2, "h#2", 0.5, 0.5, 0.5, 0.5)], (fee,))
    out = showback(plan)
    # a: 10 + 73 / 3 = 34.333..., b: 20 + 2 * 73 / 3 = 68.666...
    assert out == {"a": 34.33, "b": 68.67}
    assert sum_cents(out) == round(plan.total_cost * 100) == 10300


def test_plan_lines_per_replica_when_hosts_are_free() -> None:
    h1 = _host("h#1", 0.0, 1, 1, {"a": 1})
    h2 = _host("h#2", 0.0, 1, 1, {"b": 1})
    fee = LicenceLine(FEES, "eks", "cluster", 1, 1.0, "licences.eks.price")
    plan = _plan([h1, h2], [Placement("a", 1, "h#1", 1, 1, 1, 1), Placement("b", 1, "h#2", 1, 1, 1, 1)], (fee,))
    out = showback(plan)
    assert out == {"a": 0.5, "b": 0.5}


def test_thirds_round_to_the_cent_exactly() -> None:
    host = _host("h#1", 100.0, 3, 3, {"a": 1, "b": 1, "c": 1})
    plan = _plan([host], [Placement(s, 1, "h#1", 1, 1, 1, 1) for s in "abc"])
    out = showback(plan)
    assert sorted(out.values()) == [33.33, 33.33, 33.34]
    assert sum_cents(out) == 10000


def test_by_team_sums_in_cents() -> None:
    amounts = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 1.0}
    teams = {"a": "x", "b": "x", "c": None, "d": "w"}
    assert by_team(amounts, teams) == {"w": 1.0, "x": 0.3, "(no team)": 0.3}
