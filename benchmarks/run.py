"""Benchmark the whole planner: shipped fleets and generated fleets of 200 to 20,000 replicas.

Each case runs in its own process (so peak memory is that case's alone) through the
same library call the CLI makes, and prints one table::

    python benchmarks/run.py                       # everything (about 25 minutes on 2 cores)
    python benchmarks/run.py --sizes 200 1000      # only some generated sizes
    python benchmarks/run.py --no-shipped --catalogues pricing/aws.yaml

Columns: fleet, catalogue, strategy, replicas, host types offered, plan cost per
month, proven lower bound, gap, first-fit-decreasing cost, seconds, peak memory (MiB).
Time limits per strategy follow the engine issue's targets: shipped fleets 10 s,
up to 1,000 replicas 60 s, 5,000 replicas 180 s, 20,000 replicas 270 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (200, 1000, 5000, 20000)
SEED = 2026


def time_limit_for(replicas: int, shipped: bool) -> float:
    """Return the per-strategy time limit for a case."""
    if shipped:
        return 10.0
    if replicas <= 1000:
        return 60.0
    if replicas <= 5000:
        return 180.0
    return 270.0


def run_one(fleet: str, catalogue: str, time_limit: float) -> None:
    """Plan one fleet on one catalogue and print one JSON line per strategy (child process)."""
    from planner.pipeline import PlanOptions, run_plan

    started = time.perf_counter()
    result = run_plan(Path(fleet), Path(catalogue), PlanOptions(time_limit=time_limit))
    total = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for plan, model in zip(result.plans, result.models, strict=True):
        print(json.dumps({
            "fleet": Path(fleet).stem, "catalogue": Path(catalogue).stem, "strategy": plan.strategy,
            "replicas": result.fleet.total_replicas, "services": len(result.fleet.services),
            "host_types": len(model.offers), "cost": plan.total_cost, "bound": plan.lower_bound,
            "gap": plan.gap, "ffd": plan.heuristic_cost, "seconds": plan.solve_seconds,
            "run_seconds": total, "peak_mib": peak_mib, "method": plan.method, "status": plan.status,
        }))


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--catalogues", nargs="*", default=["pricing/aws.yaml", "pricing/onprem.yaml"])
    parser.add_argument("--no-shipped", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("FLEET", "CATALOGUE", "TIME_LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one[0], args.one[1], float(args.one[2]))
        return

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from fleetgen import generate_fleet, write_fleet_csv

    workdir = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    cases: list[tuple[Path, bool]] = []
    if not args.no_shipped:
        cases += [(p, True) for p in sorted((ROOT / "fleets").glob("*.csv"))]
    for size in args.sizes:
        path = workdir / f"generated-{size}.csv"
        write_fleet_csv(generate_fleet(size, SEED), path)
        cases.append((path, False))

    header = ("fleet", "catalogue", "strategy", "replicas", "host types", "cost/month", "lower bound", "gap",
              "FFD cost", "seconds", "peak MiB", "method")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for fleet, shipped in cases:
        for catalogue in args.catalogues:
            limit = time_limit_for(0 if shipped else int(fleet.stem.split("-")[1]), shipped)
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--one", str(fleet), str(ROOT / catalogue), str(limit)],
                capture_output=True, text=True, cwd=ROOT,
            )
            rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not rows:
                print(f"| {fleet.stem} | {Path(catalogue).stem} | FAILED: {proc.stderr.strip().splitlines()[-1:]} |")
                continue
            for r in rows:
                print(f"| {r['fleet']} | {r['catalogue']} | {r['strategy']} | {r['replicas']} | {r['host_types']} | "
                      f"{r['cost']:,.2f} | {r['bound']:,.2f} | {r['gap'] * 100:.2f} % | {r['ffd']:,.2f} | "
                      f"{r['seconds']:.1f} | {r['peak_mib']:,.0f} | {r['method']} |", flush=True)


if __name__ == "__main__":
    main()
