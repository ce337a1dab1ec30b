"""Synthetic-problem benchmark for the packing engine (tuning aid, not a test).

Builds realistic fleets (heavy-tailed replicas per service, clustered CPU
requests, 1-8 GiB per core, a few Windows services) on an AWS-like catalogue
(t3/m7i/c7i/r7i/m7g/c7g/r7g, $/month = 730 x hourly, allocatable after node
reservations, max pods from ENI limits) or an on-prem VM catalogue (hypervisor
types with a Windows Standard/Datacenter licence choice), solves each with
`solve_packing`, validates the result and prints one table row per case.

    python benchmarks/engine_bench.py --cases aws-small,aws-1k --time-limit 60
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.engine import (  # noqa: E402
    HostType,
    ItemGroup,
    LicenceOption,
    PackingProblem,
    SolveOptions,
    solve_packing,
    validate_packing,
)

HOURS_PER_MONTH = 730.0
SIZES = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64,
         "24xlarge": 96, "48xlarge": 192}
# ENI-derived max pods per size (amazon-vpc-cni-k8s eni-max-pods.txt, m7i-like).
MAX_PODS = {"large": 29, "xlarge": 58, "2xlarge": 58, "4xlarge": 234, "8xlarge": 234, "12xlarge": 234,
            "16xlarge": 737, "24xlarge": 737, "48xlarge": 737}
# family -> (GiB per vCPU, $/vCPU-hour, arch, largest size)
FAMILIES = {
    "m7i": (4, 0.0504, "x86", "48xlarge"),
    "c7i": (2, 0.04463, "x86", "48xlarge"),
    "r7i": (8, 0.06615, "x86", "48xlarge"),
    "m7g": (4, 0.0408, "arm", "16xlarge"),
    "c7g": (2, 0.03625, "arm", "16xlarge"),
    "r7g": (8, 0.05355, "arm", "16xlarge"),
}
WINDOWS_UPLIFT_PER_VCPU_HOUR = 0.046


def _allocatable(vcpu: int, memory_gib: float, max_pods: int) -> tuple[float, float]:
    """Return EKS-style allocatable (vCPU, GiB): kube-reserved CPU tiers, 255 MiB + 11 MiB/pod, 100 MiB eviction."""
    reserved_millicores = 60 + (10 if vcpu > 1 else 0) + 5 * max(0, min(vcpu, 4) - 2) + 2.5 * max(0, vcpu - 4)
    reserved_gib = (255 + 11 * max_pods + 100) / 1024
    return round(vcpu - reserved_millicores / 1000, 3), round(memory_gib - reserved_gib, 3)


def aws_catalogue() -> tuple[HostType, ...]:
    """Return ~70 AWS-like host types: Linux x86, Linux ARM and Windows x86 pools."""
    types = []
    for size, vcpu in (("large", 2), ("xlarge", 4), ("2xlarge", 8)):
        pods = {"large": 35, "xlarge": 58, "2xlarge": 58}[size]
        v, m = _allocatable(vcpu, 4 * vcpu, pods)
        types.append(HostType(f"t3.{size}", v, m, pods, round(0.0416 * vcpu * HOURS_PER_MONTH, 2)))
    for family, (gib_per_vcpu, rate, _arch, largest) in FAMILIES.items():
        for size, vcpu in SIZES.items():
            v, m = _allocatable(vcpu, gib_per_vcpu * vcpu, MAX_PODS[size])
            monthly = round(rate * vcpu * HOURS_PER_MONTH, 2)
            types.append(HostType(f"{family}.{size}", v, m, MAX_PODS[size], monthly))
            if family.endswith("i") and vcpu <= 64:
                win = round((rate + WINDOWS_UPLIFT_PER_VCPU_HOUR) * vcpu * HOURS_PER_MONTH, 2)
                types.append(HostType(f"{family}.{size}.windows", v - 0.5, m - 1.5, MAX_PODS[size], win))
            if size == largest:
                break
    return tuple(types)


def onprem_catalogue() -> tuple[HostType, ...]:
    """Return 6 hypervisor host types with Windows Standard (2 VMs/block) vs Datacenter (unlimited)."""
    specs = [(64, 512, 1500), (96, 768, 2100), (128, 1024, 2800), (160, 1024, 3300), (192, 1536, 4400),
             (256, 2048, 6000)]
    types = []
    for vcpu, memory_gib, monthly in specs:
        scale = vcpu / 128
        options = (
            LicenceOption("windows-standard", round(300 * scale, 2), 2),
            LicenceOption("windows-datacenter", round(1700 * scale, 2), None),
        )
        types.append(HostType(f"hv-{vcpu}c-{memory_gib}g", vcpu, memory_gib, 400, monthly, {"windows": options}))
    return tuple(types)


def fleet(rng: random.Random, n_services: int, target_replicas: int, catalogue: tuple[HostType, ...],
          vm_mode: bool) -> tuple[ItemGroup, ...]:
    """Return a heavy-tailed fleet of about ``target_replicas`` replicas over ``n_services`` services."""
    weights = [rng.paretovariate(1.2) for _ in range(n_services)]
    scale = max(0.0, target_replicas - n_services) / sum(weights)
    linux_x86 = frozenset(t.name for t in catalogue if not t.name.endswith(".windows") and "g." not in t.name)
    linux_any = frozenset(t.name for t in catalogue if not t.name.endswith(".windows"))
    windows = frozenset(t.name for t in catalogue if t.name.endswith(".windows"))
    groups = []
    for i in range(n_services):
        replicas = 1 + int(weights[i] * scale)
        vcpu = rng.choices([0.1, 0.25, 0.5, 1, 2, 4, 8, 16], [8, 14, 18, 20, 16, 12, 8, 4])[0]
        memory_gib = max(0.125, vcpu * rng.choice([1, 2, 4, 8]))
        max_per_host = 1 if replicas <= 3 else rng.choice([1, 2, 4, max(1, replicas // 4)])
        if replicas > 20 and max_per_host == 1:
            max_per_host = rng.choice([2, 4, 8])
        is_windows = rng.random() < 0.07
        if vm_mode:
            compatible = frozenset(t.name for t in catalogue)
            licence = "windows" if is_windows else None
        else:
            compatible = windows if is_windows else (linux_x86 if rng.random() < 0.3 else linux_any)
            licence = None
        groups.append(ItemGroup(f"svc-{i:04d}", replicas, vcpu, memory_gib, max_per_host, compatible, licence))
    return tuple(groups)


CASES = {
    # name: (catalogue, services, replicas, vm_mode)
    "aws-small": ("aws", 15, 15, False),
    "aws-1k": ("aws", 120, 1000, False),
    "aws-5k": ("aws", 450, 5000, False),
    "aws-20k": ("aws", 1800, 20000, False),
    "onprem-small": ("onprem", 20, 20, True),
    "onprem-300": ("onprem", 120, 300, True),
    "onprem-1k": ("onprem", 300, 1000, True),
}


def make_problem(case: str, seed: int) -> PackingProblem:
    """Return the synthetic problem for ``case``."""
    catalogue_name, services, replicas, vm_mode = CASES[case]
    catalogue = aws_catalogue() if catalogue_name == "aws" else onprem_catalogue()
    rng = random.Random(seed)
    items = fleet(rng, services, replicas, catalogue, vm_mode)
    if replicas == services:
        items = tuple(ItemGroup(g.name, 1, g.vcpu, g.memory_gib, 1, g.compatible, g.licence_group) for g in items)
    return PackingProblem(items, catalogue, fixed_plan_cost=73.0 if not vm_mode else 0.0)


def main() -> None:
    """Run the requested cases and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="aws-small,onprem-small,aws-1k,onprem-300")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--time-limit", type=float, default=None, help="default: per-case target")
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    default_limits = {"aws-small": 10, "onprem-small": 10, "aws-1k": 60, "onprem-300": 60, "onprem-1k": 60,
                      "aws-5k": 180, "aws-20k": 600}
    print("| case | seed | services | replicas | types | hosts | FFD $/mo | cost $/mo | bound $/mo | gap % "
          "| FFD gap % | status | method | s | max RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            problem = make_problem(case, seed)
            limit = args.time_limit or default_limits.get(case, 60)
            options = SolveOptions(solver=args.solver, time_limit=limit)

            def progress(phase: str, elapsed: float, best: float | None, bound: float | None) -> None:
                if args.verbose:
                    print(f"    {phase:<16} {elapsed:7.1f}s best={best} bound={bound}", file=sys.stderr)

            began = time.perf_counter()
            packing = solve_packing(problem, options, progress)
            seconds = time.perf_counter() - began
            violations = validate_packing(problem, packing)
            assert not violations, violations
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ffd_gap = 100 * (packing.heuristic_cost - packing.lower_bound) / packing.heuristic_cost
            print(f"| {case} | {seed} | {len(problem.items)} | {sum(g.count for g in problem.items)} "
                  f"| {len(problem.host_types)} | {len(packing.hosts)} | {packing.heuristic_cost:,.0f} "
                  f"| {packing.cost:,.0f} | {packing.lower_bound:,.0f} | {100 * packing.gap:.2f} | {ffd_gap:.2f} "
                  f"| {packing.status} | {packing.method} | {seconds:.1f} | {rss:,.0f} |", flush=True)
            if args.verbose and packing.notes:
                print("    notes: " + "; ".join(packing.notes), file=sys.stderr)


if __name__ == "__main__":
    main()
