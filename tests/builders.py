"""Small hand-checkable fleets and catalogues built in Python, for unit tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from planner.catalogue.schema import Catalogue
from planner.fleet import Fleet, Service

SOURCES = {"s": {"title": "test source", "as_of": dt.date(2026, 1, 1)}}


def price(amount: float, per: str = "hour", **kw: Any) -> dict[str, Any]:
    return {"amount": amount, "per": per, "source": "s", **kw}


def make_service(name: str = "svc", vcpu: float = 0.5, memory_gib: float = 1.0, replicas: int = 1,
                 **kw: Any) -> Service:
    return Service(name=name, vcpu=vcpu, memory_gib=memory_gib, replicas=replicas, row=2, **kw)


def make_fleet(*services: Service) -> Fleet:
    return Fleet(Path("fleet.csv"), "fleet", tuple(services))


def cloud_catalogue(**overrides: Any) -> Catalogue:
    """Three instance types at round prices; Windows at 0.05 per vCPU-hour; a 0.10/h cluster fee."""
    data: dict[str, Any] = {
        "name": "tiny cloud", "currency": "USD", "as_of": dt.date(2026, 1, 1), "sources": SOURCES,
        "instance_types": [
            {"name": "small", "vcpu": 2, "memory_gib": 4, "price": price(0.1), "max_pods": 20},
            {"name": "large", "vcpu": 8, "memory_gib": 32, "price": price(0.4), "max_pods": 60},
            {"name": "arm", "vcpu": 4, "memory_gib": 8, "price": price(0.1), "max_pods": 30, "arch": "arm64"},
        ],
        "os_pricing": {"windows": {"per": "vcpu", "price": price(0.05)}},
        "licences": [{"name": "eks", "product": "EKS", "role": "fee", "unit": "cluster", "price": price(0.1)}],
        "strategies": {"container-density": {"fees": ["eks"]}},
    }
    data.update(overrides)
    return Catalogue.model_validate(data)


def onprem_catalogue(**overrides: Any) -> Catalogue:
    """Two 2-socket hosts, VVF-like hypervisor per core (16/CPU min), Windows Standard/Datacenter."""
    ws = {"role": "guest_os", "unit": "physical_core", "payment": "perpetual", "amortisation_months": 36,
          "min_per_socket": 8, "min_per_host": 16, "pack_size": 2}
    data: dict[str, Any] = {
        "name": "tiny onprem", "currency": "USD", "as_of": dt.date(2026, 1, 1), "sources": SOURCES,
        "host_models": [
            {"name": "h2x12", "sockets": 2, "cores_per_socket": 12, "threads_per_core": 2, "memory_gib": 384,
             "purchase": price(18000, "once"), "amortisation_months": 60, "power_watts": 500},
            {"name": "h2x32", "sockets": 2, "cores_per_socket": 32, "threads_per_core": 2, "memory_gib": 1024,
             "purchase": price(36000, "once"), "amortisation_months": 60, "power_watts": 800},
        ],
        "facility": {"colocation_per_kw": price(200, "month")},
        "licences": [
            {"name": "vvf", "product": "vSphere", "role": "hypervisor", "unit": "physical_core",
             "price": price(120, "year"), "min_per_socket": 16},
            {"name": "ws-std", "product": "WS Standard", "price": price(1152, "once", units=16),
             "vms_per_licence": 2, **ws},
            {"name": "ws-dc", "product": "WS Datacenter", "price": price(6912, "once", units=16), **ws},
            {"name": "ubuntu", "product": "Ubuntu Pro", "role": "host_os", "unit": "host",
             "price": price(600, "year")},
        ],
        "strategies": {
            "vm-per-service": {"hypervisor": ["vvf"], "guest_os": {"windows": ["ws-std", "ws-dc"]}},
            "container-density": {"host_os": {"linux": ["ubuntu"], "windows": ["ws-std", "ws-dc"]}},
        },
        "overheads": {"target_utilisation": 1.0,
                      "vm": {"cpu_overcommit": 1.0, "guest_os": {"windows": {"memory_gib": 2}}}},
    }
    data.update(overrides)
    return Catalogue.model_validate(data)


def write_tie_case(folder: Path) -> tuple[Path, Path]:
    """Write a one-host-model catalogue (no licences) and a fleet both strategies pack onto the
    same 3 hosts: a tie to the cent. Return (fleet CSV, catalogue) paths."""
    catalogue = folder / "one-host.yaml"
    catalogue.write_text(
        "name: one host\ncurrency: GBP\nas_of: 2026-01-15\nsources:\n  s: {title: list, as_of: 2026-01-15}\n"
        "host_models:\n  - {name: srv, sockets: 1, cores_per_socket: 8, memory_gib: 64, amortisation_months: 48,\n"
        "     purchase: {amount: 4800, per: once, source: s}, power_watts: 300}\n"
        "facility:\n  colocation_per_kw: {amount: 150, per: month, source: s}\n")
    fleet = folder / "f.csv"
    fleet.write_text("service,cpu,memory,replicas,max_per_host\nweb,500m,1Gi,3,1\nsmall,100m,100Mi,5,5\n")
    return fleet, catalogue
