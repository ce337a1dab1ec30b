"""Reachable capacity: the largest load item sizes can add up to, checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.engine import HostType, ItemGroup, PackingProblem
from planner.engine.bounds import aggregate_lp_bound, aggregate_mip_bound
from planner.engine.instance import build_instance
from planner.engine.reach import on_grid, reachable_capacity


def test_requests_on_a_grid_become_whole_units_of_the_common_step() -> None:
    """0.25, 0.5 and 1.5 cores lie on a 0.25-core grid; sizes off every grid give None."""
    units, unit = on_grid(np.array([0.25, 0.5, 1.5]))
    assert units.tolist() == [1, 2, 6]
    assert unit == 0.25
    memory_units, memory_unit = on_grid(np.array([4.0078125, 2.0078125]))  # GiB + 8 MiB
    assert np.allclose(memory_units * memory_unit, [4.0078125, 2.0078125])
    assert on_grid(np.array([1 / 3, 0.5])) is None


def test_a_host_cannot_use_capacity_no_sum_of_requests_reaches() -> None:
    """Requests of 0.5 cores cannot fill the last 0.0385 of a 40.6385-core host."""
    reach = reachable_capacity(np.array([0.5]), np.array([[200]]), np.array([40.6385]))
    assert abs(reach[0] - 40.5) < 1e-6


def test_copies_per_host_limit_the_reachable_load() -> None:
    """One 0.3-core replica per host (spread) and 0.7-core ones at most twice: 1.7 of 2.0 is the most."""
    reach = reachable_capacity(np.array([0.3, 0.7]), np.array([[1], [2]]), np.array([2.0]))
    assert abs(reach[0] - 1.7) < 1e-6


def test_types_outside_the_mask_keep_their_capacity() -> None:
    """A type left out (dominated) is not reduced: the nominal capacity is always a valid figure."""
    reach = reachable_capacity(np.array([0.5]), np.array([[10, 10]]), np.array([3.2, 3.2]), np.array([True, False]))
    assert abs(reach[0] - 3.0) < 1e-6 and reach[1] == 3.2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, 3)), min_size=1, max_size=5),
    st.integers(1, 120),
)
def test_reachable_load_equals_the_best_subset_sum(groups: list[tuple[int, int]], capacity_twentieths: int) -> None:
    """On sizes in twentieths of a core, the result is the brute-force best sum within capacity."""
    sizes = np.array([size / 20 for size, _ in groups])
    copies = np.array([[n] for _, n in groups])
    capacity = capacity_twentieths / 20 + 0.013  # a little capacity no request can use
    reach = reachable_capacity(sizes, copies, np.array([capacity]))[0]
    best = max(
        sum(k * s for k, s in zip(counts, sizes))
        for counts in itertools.product(*(range(n + 1) for _, n in groups))
        if sum(k * s for k, s in zip(counts, sizes)) <= capacity
    )
    assert best - 1e-9 <= reach <= best + 1e-6


def test_aggregate_bounds_use_reachable_capacity_and_stay_below_the_optimum() -> None:
    """Ten 1-core replicas, one per host, on 1.9-core hosts: each host is a whole 1-core host.

    Pooled nominal capacity would say 10 cores need 5.3 hosts; reachable capacity says 10 hosts
    (spread) at 1 core each, which is also the optimum.
    """
    host = HostType("h", 1.9, 8.0, 10, 100.0, {})
    group = ItemGroup("svc", 10, 1.0, 1.0, 1, frozenset({"h"}), None)
    inst = build_instance(PackingProblem((group,), (host,)))
    assert abs(aggregate_lp_bound(inst).bound - 1000.0) < 1e-3
    assert abs(aggregate_mip_bound(inst, 5.0).bound - 1000.0) < 1e-2


def test_reachable_capacity_lifts_the_bound_where_pooled_capacity_cannot_be_used() -> None:
    """Replicas of 0.5 cores on 1.2-core hosts: only 1.0 of each host is usable, so 7 replicas need 4 hosts."""
    host = HostType("h", 1.2, 8.0, 10, 100.0, {})
    group = ItemGroup("svc", 7, 0.5, 1.0, 10, frozenset({"h"}), None)
    inst = build_instance(PackingProblem((group,), (host,)))
    # Nominal pooling: 3.5 cores / 1.2 = 2.92 hosts -> 3 whole hosts; reachable: 3.5 / 1.0 -> 4.
    assert abs(aggregate_mip_bound(inst, 5.0).bound - 400.0) < 1e-2


def test_a_size_that_rounds_to_no_unit_is_off_the_grid() -> None:
    # a 1n CPU request (1e-9 cores) rounded to 0 millicores: a unit of 0, then OverflowError
    assert on_grid(np.array([1e-9])) is None
    assert on_grid(np.array([1e-9, 0.5])) is None
    reach = reachable_capacity(np.array([1e-9]), np.array([[3]]), np.array([2.0]))
    assert reach[0] == 2.0  # nominal capacity kept (valid, only weaker)
