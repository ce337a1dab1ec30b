"""Generate realistic-looking synthetic fleets for benchmarks, from a seed.

The shape follows what real clusters look like, not any one company:

- replicas per service are heavy-tailed (Pareto weights): most services run 1-3
  replicas, a few front doors run dozens;
- CPU requests cluster on small values (100m-2 cores), with a tail up to 16 cores;
- memory is 1-8 GiB per requested core (at least 128Mi; Windows at least 1Gi,
  as Windows containers start around 0.5-1 GiB);
- os: linux ~90 %, windows ~7 %, rhel ~3 %;
- services with 4+ replicas sometimes (30 %; 60 % from 10 replicas) allow 2-4 on one host.

``generate_fleet(replicas_target, seed)`` returns rows whose replicas add up to
exactly ``replicas_target``; the same arguments always give the same rows.
``write_fleet_csv(rows, path)`` writes them in the fleet CSV format
(``planner.fleet``). From the command line::

    python benchmarks/fleetgen.py --replicas 260 --seed 7 -o fleets/retail-platform.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.units import format_cpu, format_memory  # noqa: E402

COLUMNS = ("service", "team", "os", "cpu", "memory", "replicas", "max_per_host")

# Business domains and the team owning each.
DOMAINS = {
    "storefront": "web", "checkout": "commerce", "cart": "commerce", "catalog": "discovery",
    "search": "discovery", "recommendations": "discovery", "pricing": "commerce", "promotions": "commerce",
    "inventory": "supply", "orders": "commerce", "payments": "payments", "fraud": "payments",
    "loyalty": "customer", "identity": "platform", "customer": "customer", "notifications": "customer",
    "reviews": "customer", "media": "web", "store-locator": "stores", "pos-sync": "stores",
    "fulfilment": "supply", "shipping": "supply", "returns": "supply", "warehouse": "supply",
    "erp-bridge": "finance", "invoicing": "finance", "reporting": "data", "analytics": "data",
    "events": "platform", "gateway": "platform",
}
COMPONENTS = ("api", "worker", "db", "cache", "consumer", "web", "bff", "scheduler", "indexer", "sync")
SMALL_CPU_MILLICORES = (100, 100, 150, 200, 250, 250, 300, 500, 500, 750, 1000, 1000, 1500, 2000)
LARGE_CPU_MILLICORES = (2000, 3000, 4000, 4000, 6000, 8000, 12000, 16000)
GIB_PER_CORE = (1, 1, 2, 2, 2, 4, 4, 8)


def generate_fleet(replicas_target: int, seed: int) -> list[dict[str, str | int]]:
    """Return fleet rows (one dict per service) with exactly ``replicas_target`` replicas."""
    if replicas_target < 1:
        raise ValueError("replicas_target must be >= 1")
    rng = random.Random(seed)
    services = max(1, min(replicas_target, round(replicas_target / (1.5 + math.log10(replicas_target)))))
    replicas = _heavy_tailed_split(rng, replicas_target, services)
    names: set[str] = set()
    rows: list[dict[str, str | int]] = []
    for count in replicas:
        domain = rng.choice(list(DOMAINS))
        component = rng.choice([c for c in COMPONENTS if not domain.endswith(c)])
        name = _unique(f"{domain}-{component}", names)
        draw = rng.random()
        os_name = "windows" if draw < 0.07 else "rhel" if draw < 0.10 else "linux"
        small = rng.random() < 0.85
        millicores = rng.choice(SMALL_CPU_MILLICORES if small else LARGE_CPU_MILLICORES)
        mib = max(128, round(millicores / 1000 * rng.choice(GIB_PER_CORE) * 1024 / 64) * 64)
        if os_name == "windows":
            mib = max(mib, 1024)
        # Big stateless tiers often allow a few replicas per host; the rest spread one per host.
        spread = 0.6 if count >= 10 else 0.3 if count >= 4 else 0.0
        max_per_host = rng.choice((2, 2, 3, 4)) if rng.random() < spread else 1
        rows.append({
            "service": name,
            "team": DOMAINS[domain],
            "os": os_name,
            "cpu": format_cpu(millicores / 1000),
            "memory": format_memory(mib / 1024),
            "replicas": count,
            "max_per_host": max_per_host,
        })
    return rows


def write_fleet_csv(rows: list[dict[str, str | int]], path: Path) -> None:
    """Write ``rows`` as a fleet CSV at ``path`` (LF line endings, UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _heavy_tailed_split(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` positive integers with Pareto-distributed sizes."""
    weights = [rng.paretovariate(1.2) for _ in range(parts)]
    spare = total - parts  # every service gets 1; the rest goes by weight
    shares = [spare * w / sum(weights) for w in weights]
    counts = [1 + math.floor(s) for s in shares]
    # Largest remainder, so the sum is exactly ``total``.
    for i in sorted(range(parts), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


def main(argv: list[str] | None = None) -> None:
    """Write a generated fleet CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, required=True, help="total replicas in the fleet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--out", type=Path, required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    rows = generate_fleet(args.replicas, args.seed)
    write_fleet_csv(rows, args.out)
    print(f"{args.out}: {len(rows)} services, {sum(int(r['replicas']) for r in rows)} replicas")


if __name__ == "__main__":
    main()
