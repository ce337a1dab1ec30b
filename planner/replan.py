"""Re-planning against a baseline: what changed since a previous run, and why.

A *baseline* is the plan data (``result_dict``) of an earlier run, read from its
``--json`` file or from the hidden ``_plan_data`` sheet of its workbook. For each
strategy the cost change from the baseline total ``C0`` to this run's total is split
into effects that add up exactly (telescoping sums):

- ``C1``  the baseline placement (old fleet, same hosts, same replicas per host)
  priced with the *new* catalogue;
- ``C1'`` the optimal plan of the *old* fleet at the new prices;
- ``C2``  this run's optimal plan (new fleet, new prices);
- ``C3``  the plan written, when ``--max-moves`` limits churn (else ``C3 = C2``).

price effect = C1 - C0, re-optimisation effect = C1' - C1, volume effect = C2 - C1'
(services added, removed or resized), churn-limit effect = C3 - C2.

Moves: replicas of one service are interchangeable, so a move is counted per service
and host: a baseline host keeps min(before, after) of a service's replicas, the rest
moved. New hosts are matched to baseline hosts of the same type by largest overlap
first, so renumbering (``type#k``) is not churn.

``--max-moves N`` re-plans from the baseline placement with at most N replicas moved:
a greedy local search (close a host and re-place its replicas on the others, move a
host's replicas to a cheaper host type, or merge two hosts onto one) taking the step
that saves most per replica moved, within the budget. The full re-plan is used instead
whenever it needs no more than N moves and is cheaper. Every plan is re-checked with
``planner.check.check_plan``.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner.catalogue.schema import Catalogue
from planner.check import check_plan
from planner.engine import solve_packing
from planner.engine.problem import (
    HostLoad,
    ItemGroup,
    Packing,
    PackingProblem,
    SolveOptions,
    gap_note,
    host_cost,
    packing_cost,
    status_for,
)
from planner.errors import PlannerError
from planner.fleet import MAX_MAX_PER_HOST, MAX_REPLICAS, Fleet, Service
from planner.pipeline import PlanningResult, build_models, delta_of
from planner.plans import Plan, extract_plan
from planner.resilience import spare_hosts, with_spares
from planner.strategies import STRATEGIES, StrategyModel
from planner.units import MAX_CPU_CORES, MAX_MEMORY_GIB

EPS = 1e-6
# The start of the note naming baseline host types the new catalogue does not have.
GONE_TYPES = "baseline host type(s)"


class BaselineError(PlannerError):
    """A baseline that cannot be compared with this run (unreadable, other currency, other fleet)."""


# --- the baseline ------------------------------------------------------------------


@dataclass(frozen=True)
class BaselinePlan:
    """One strategy of the baseline: its total, hosts (id, type) and placements (service, replica, host)."""

    strategy: str
    total_cost: float
    hosts: tuple[tuple[str, str], ...]
    placements: tuple[tuple[str, int, str], ...]
    licensed: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()  # host id -> a spare's guest licences

    def loads(self) -> list[tuple[str, str, Counter[str]]]:
        """Return (host id, host type, replicas per service) in baseline host order."""
        content: dict[str, Counter[str]] = defaultdict(Counter)
        for service, _, host in self.placements:
            content[host][service] += 1
        return [(hid, htype, content.get(hid, Counter())) for hid, htype in self.hosts]

    def host_loads(self) -> tuple[HostLoad, ...]:
        """Return the baseline's hosts as engine loads, spares with the guest licences they carried."""
        licensed = dict(self.licensed)
        return tuple(HostLoad(t, dict(sorted((s, n) for s, n in c.items() if n)), dict(licensed.get(hid, ())))
                     for hid, t, c in self.loads())


@dataclass(frozen=True)
class Baseline:
    """A previous run, as far as re-planning needs it."""

    path: Path
    currency: str
    fleet_name: str
    fleet_path: str
    services: tuple[Service, ...]
    daemonset: tuple[float, float, int]  # vCPU, GiB, pods per node
    catalogue_name: str
    catalogue_path: str
    catalogue_as_of: str
    plans: dict[str, BaselinePlan]
    commitment: str = "on-demand"
    spare_hosts: int = 0
    notes: tuple[str, ...] = ()
    daemonset_os: tuple[tuple[str, float, float, int], ...] = ()  # DaemonSets pinned to one node OS

    @property
    def fleet(self) -> Fleet:
        """Return the baseline's fleet (as planned: growth already applied)."""
        vcpu, mem, pods = self.daemonset
        return Fleet(Path(self.fleet_path), self.fleet_name, self.services, (), vcpu, mem, pods, self.daemonset_os)

    @property
    def cheaper(self) -> str | None:
        """Return the strategy that was cheaper in the baseline (None on a tie to the cent)."""
        delta = delta_of(self.plans.values())
        return None if delta is None or delta.tie else delta.cheaper


# A baseline file is at most this big (a 20,000-replica plan's JSON is about 30 MB), and a
# workbook's zipped parts unpack to at most this much.
MAX_BASELINE_BYTES = 256 * 2**20
MAX_UNPACKED_BYTES = 512 * 2**20


def load_baseline(path: Path) -> Baseline:
    """Read a baseline from a planner workbook (.xlsx) or a ``--json`` file; BaselineError when unusable.

    The file's content, not its name, says which: a workbook renamed .json still reads.
    """
    path = Path(path)
    if not path.exists():
        raise BaselineError(f"--baseline {path}: no such file; expected a workbook or JSON file written by planner")
    try:
        with path.open("rb") as handle:  # bounded: /dev/zero must not fill memory
            raw = handle.read(MAX_BASELINE_BYTES + 1)
        if len(raw) > MAX_BASELINE_BYTES:
            raise BaselineError(f"--baseline {path}: larger than {MAX_BASELINE_BYTES // 2**20} MiB; expected a "
                                "workbook or JSON file written by planner")
        is_zip = raw[:4] == b"PK\x03\x04"  # a workbook is a zip archive, whatever its name
        if is_zip:
            from planner.report.workbook import read_plan_workbook

            _check_unpacked_size(path)
            data, edits = read_plan_workbook(path)
            if edits:
                raise BaselineError(
                    f"--baseline {path}: its Placements sheets were edited after planner wrote them, and a baseline "
                    "is read from the workbook's hidden plan data, so the edits would be ignored:\n"
                    + "\n".join(f"  - {e}" for e in edits[:3]) + (f"\n  ... and {len(edits) - 3} more"
                                                                 if len(edits) > 3 else "")
                    + "\n  expected the workbook as planner wrote it (undo the edits), or the plan as JSON "
                      "(plan ... --json PLAN.json), edited there")
        else:
            data = json.loads(raw.decode("utf-8"))
    except BaselineError:
        raise
    except (ValueError, KeyError, OSError) as err:
        raise BaselineError(f"--baseline {path}: cannot read plan data ({err}); expected a workbook or JSON "
                            "file written by planner (--json)") from None
    except Exception as err:  # noqa: BLE001 - a corrupt zip, a non-workbook: say so, do not crash
        raise BaselineError(f"--baseline {path}: not a planner workbook ({type(err).__name__}: {err})") from None
    return baseline_from_dict(data, path)


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_UNPACKED_BYTES (a zip bomb fills memory)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise BaselineError(f"--baseline {path}: its parts unpack to {unpacked / 2**20:,.0f} MiB; expected a "
                            f"workbook written by planner (at most {MAX_UNPACKED_BYTES // 2**20:,} MiB unpacked)")


def baseline_from_dict(data: Any, path: Path = Path("baseline.json")) -> Baseline:
    """Return the baseline held in plan data (``result_dict``); BaselineError when keys are missing."""
    if not isinstance(data, dict) or not data.get("plans") or "currency" not in data:
        raise BaselineError(f"--baseline {path}: no plans in it; expected the JSON a planner run writes with --json "
                            "or a workbook written by planner")
    notes: list[str] = []
    try:
        plans = {}
        for p in data["plans"]:
            if p["strategy"] in plans or p["strategy"] not in STRATEGIES:
                raise BaselineError(f"--baseline {path}: plan strategy {_short(p['strategy'])} "
                                    + ("appears twice" if p["strategy"] in plans else "is unknown")
                                    + f"; expected each of {', '.join(STRATEGIES)} at most once, in a file "
                                    "written by planner, unedited")
            where = f"plan {p['strategy']}"
            plans[p["strategy"]] = BaselinePlan(
                p["strategy"], _number(p["total_cost"], f"{where}: total_cost"),
                tuple((_text(h["id"], f"{where}: host id"), _text(h["type"], f"{where}: host type")) for h in p["hosts"]),
                tuple((_text(x["service"], f"{where}: placement service"), _whole(x["replica"], f"{where}: placement replica"),
                       _text(x["host"], f"{where}: placement host"))
                      for x in p["placements"]),
                tuple((_text(h["id"]), tuple(sorted((_text(g), _whole(n, f"{where}: host {_short(_text(h['id']))} "
                                                                       f"licensed_guests {_short(_text(g))}"))
                                                    for g, n in _mapping(h["licensed_guests"], f"{where}: host "
                                                                         f"{_short(_text(h['id']))} licensed_guests"
                                                                         ).items())))
                      for h in p["hosts"] if h.get("licensed_guests")),
            )
        fleet = _mapping(data.get("fleet"), "fleet")
        rows = fleet.get("service_rows")
        if rows:
            services = tuple(_service_row(r, i) for i, r in enumerate(rows))
        else:
            services = _services_from_placements(data)
            notes.append(f"{path} does not list the fleet's services (an older planner wrote it): "
                         "they were rebuilt from the container placements (OS from the node pool)")
        ds = _mapping(fleet.get("daemonset"), "fleet daemonset")
        catalogue = _mapping(data.get("catalogue"), "catalogue")
        options = _mapping(data.get("options"), "options")
        daemonset = (_number(ds.get("vcpu", 0.0), "fleet daemonset: vcpu"),
                     _number(ds.get("memory_gib", 0.0), "fleet daemonset: memory_gib"),
                     _whole(ds.get("pods", 0), "fleet daemonset: pods"))
        spares = _whole(options.get("spare_hosts", 0), "options: spare_hosts")
        daemonset_os = []
        for os_name, d in _mapping(ds.get("by_os"), "fleet daemonset: by_os").items():
            what = f"fleet daemonset: by_os {_short(os_name)}"
            if not re.fullmatch(r"(linux|windows)(/(x86_64|arm64))?|any/(x86_64|arm64)", str(os_name)):
                raise _BadValue(f"{what}; expected linux or windows (with /x86_64 or /arm64), or any/x86_64 or "
                                "any/arm64")
            d = _mapping(d, what)
            daemonset_os.append((os_name, _number(d.get("vcpu", 0.0), f"{what}: vcpu"),
                                 _number(d.get("memory_gib", 0.0), f"{what}: memory_gib"),
                                 _whole(d.get("pods", 0), f"{what}: pods")))
        baseline = Baseline(
            path=path, currency=str(data["currency"]),
            fleet_name=str(fleet.get("name") or Path(fleet.get("path", "?")).stem),
            fleet_path=str(fleet.get("path", "?")), services=services, daemonset=daemonset,
            catalogue_name=str(catalogue.get("name", "?")), catalogue_path=str(catalogue.get("path", "?")),
            catalogue_as_of=str(catalogue.get("as_of", "?")), plans=plans,
            commitment=str(options.get("commitment", "on-demand")), spare_hosts=spares, notes=tuple(notes),
            daemonset_os=tuple(daemonset_os),
        )
    except _BadValue as err:
        raise BaselineError(f"--baseline {path}: {err} (edited by hand?); expected a file written by "
                            "planner, unedited") from None
    except (AttributeError, KeyError, OverflowError, TypeError, ValueError) as err:
        raise BaselineError(f"--baseline {path}: plan data incomplete (missing or bad {err}); "
                            "expected a file written by planner") from None
    try:
        _check_values(path, data["plans"], baseline)
    except (AttributeError, KeyError, OverflowError, TypeError, ValueError) as err:
        raise BaselineError(f"--baseline {path}: plan data incomplete (missing or bad {err}); "
                            "expected a file written by planner") from None
    _check_consistent(path, plans, services)
    return baseline


class _BadValue(ValueError):
    """A value of the plan data of a type or form planner never writes (the message says which and why)."""


def _number(value: Any, what: str) -> float:
    """Return a number read from plan data; _BadValue for text, true/false or a number too large for a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadValue(f"{what} {_short(value)}; expected a number")
    try:
        number = float(value)
    except OverflowError:
        raise _BadValue(f"{what} {_short(str(value))}; expected a finite number") from None
    if math.isfinite(number) and abs(number) > MAX_NUMBER:  # (nan and inf: refused where amounts are read)
        raise _BadValue(f"{what} {_short(value)}; expected a number up to {MAX_NUMBER:.0e}")
    return number


def _mapping(value: Any, what: str) -> dict[str, Any]:
    """Return a section of plan data (``fleet``, ``options``...); {} when absent, _BadValue when not a mapping."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _BadValue(f"{what} {_short(value)}; expected a mapping of keys to values")
    return value


# Largest whole number plan data holds (replicas, pods, licensed guests), and largest amount or
# size (a catalogue's prices are at most 10^12): far above any real plan.
MAX_WHOLE = 10**9
MAX_NUMBER = 1e15


def _whole(value: Any, what: str) -> int:
    """Return a whole number read from plan data; _BadValue for 2.5, text or true/false (never rounded),
    or a number no plan has (10**400 overflowed the licence arithmetic)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_WHOLE:
            raise _BadValue(f"{what} {_short(value)}; expected a whole number up to {MAX_WHOLE:,}")
        return value
    raise _BadValue(f"{what} {_short(value)}; expected a whole number")


def _service_row(r: dict[str, Any], i: int) -> Service:
    """Return one ``fleet.service_rows`` entry as a Service; _BadValue for a value planner never writes."""
    name = _text(r["service"], "fleet service name")
    where = f"fleet service {_short(name)}"
    os_name, team, arch = r.get("os", "linux"), r.get("team"), r.get("arch", "any")
    if not isinstance(os_name, str) or not os_name:
        raise _BadValue(f"{where}: os {_short(os_name)}; expected an OS name such as linux or windows")
    if team is not None and not isinstance(team, str):
        raise _BadValue(f"{where}: team {_short(team)}; expected a team name (text) or null")
    if arch not in ("any", "x86_64", "arm64"):
        raise _BadValue(f"{where}: arch {_short(arch)}; expected any, x86_64 or arm64")
    mph = r.get("max_per_host")
    return Service(name=name, vcpu=_number(r["vcpu"], f"{where}: vcpu"),
                   memory_gib=_number(r["memory_gib"], f"{where}: memory_gib"),
                   replicas=_whole(r["replicas"], f"{where}: replicas"), os=os_name, team=team,
                   max_per_host=1 if mph is None else _whole(mph, f"{where}: max_per_host"), arch=arch, row=i + 2)


def _check_values(path: Path, raw_plans: list[dict[str, Any]], baseline: Baseline) -> None:
    """Raise BaselineError for numbers planner never writes (a hand-edited file).

    Totals must be finite, not negative and equal to their cost breakdown (and at least their
    hosts' costs); service rows must be within the fleet CSV's own limits, each service listed
    once; DaemonSet overhead, spare hosts and guest licence counts not negative; the
    commitment one planner knows.
    """
    services = baseline.services
    problems: list[str] = []
    for where, (vcpu, mem, pods) in [("", baseline.daemonset),
                                     *((f" by_os {o}", (v, m, n)) for o, v, m, n in baseline.daemonset_os)]:
        if not (math.isfinite(vcpu) and vcpu >= 0 and math.isfinite(mem) and mem >= 0 and pods >= 0):
            problems.append(f"fleet daemonset{where}: vcpu {vcpu!r}, memory_gib {mem!r}, pods {pods}; expected "
                            "finite amounts >= 0")
    if baseline.spare_hosts < 0:
        problems.append(f"options: spare_hosts {baseline.spare_hosts}; expected a whole number >= 0")
    if baseline.commitment not in ("on-demand", "1y", "3y"):
        problems.append(f"options: commitment {_short(baseline.commitment)}; expected on-demand, 1y or 3y")
    for plan in baseline.plans.values():
        problems += [f"plan {plan.strategy}: host {_short(hid)} licensed_guests {_short(g)} {n}; expected a whole "
                     "number >= 0" for hid, guests in plan.licensed for g, n in guests if n < 0]
    problems += [f"fleet service {_short(name)}: listed {n} times; expected each service once"
                 for name, n in Counter(s.name for s in services).items() if n > 1]
    for p in raw_plans:
        total = float(p["total_cost"])
        label = f"plan {p['strategy']}"
        if not math.isfinite(total) or total < 0:
            problems.append(f"{label}: total_cost {total!r}; expected a finite amount >= 0")
            continue
        tolerance = 0.01 + 1e-6 * total
        breakdown = p.get("cost_breakdown")
        if isinstance(breakdown, dict) and breakdown:
            parts = sum(float(v) for v in breakdown.values())
            if not math.isfinite(parts) or abs(parts - total) > tolerance:
                problems.append(f"{label}: total_cost {total:,.2f} but its cost_breakdown sums to {parts:,.2f}; "
                                "expected them equal")
        hosts = sum(float(h.get("cost", 0.0)) for h in p["hosts"])
        if not math.isfinite(hosts) or hosts > total + tolerance:
            problems.append(f"{label}: total_cost {total:,.2f} but its hosts cost {hosts:,.2f}; "
                            "expected at least the hosts' cost")
    for s in services:
        row = f"fleet service {_short(s.name)}"
        if not (math.isfinite(s.vcpu) and 0 < s.vcpu <= MAX_CPU_CORES):
            problems.append(f"{row}: vcpu {s.vcpu!r}; expected more than 0 and at most {MAX_CPU_CORES}")
        if not (math.isfinite(s.memory_gib) and 0 < s.memory_gib <= MAX_MEMORY_GIB):
            problems.append(f"{row}: memory_gib {s.memory_gib!r}; expected more than 0 and at most {MAX_MEMORY_GIB}")
        if not 1 <= s.replicas <= MAX_REPLICAS:
            problems.append(f"{row}: replicas {s.replicas}; expected 1 to {MAX_REPLICAS:,}")
        if not 1 <= s.max_per_host <= MAX_MAX_PER_HOST:
            problems.append(f"{row}: max_per_host {s.max_per_host}; expected 1 to {MAX_MAX_PER_HOST:,}")
    if problems:
        shown = problems[:5]
        raise BaselineError(f"--baseline {path}: numbers planner does not write (edited by hand?); expected a file "
                            "written by planner, unedited\n" + "\n".join(f"  - {x}" for x in shown)
                            + (f"\n  ... and {len(problems) - 5} more" if len(problems) > 5 else ""))


def _check_consistent(path: Path, plans: dict[str, BaselinePlan], services: tuple[Service, ...]) -> None:
    """Raise BaselineError when a plan of the baseline contradicts the baseline itself.

    Every placement must name a service of the baseline's fleet and a host of its own
    plan (a hand-edited or truncated file would otherwise fail deep inside re-planning).
    """
    names = {s.name for s in services}
    replicas = {s.name: s.replicas for s in services}
    problems: list[str] = []
    for plan in plans.values():
        hosts = {hid for hid, _ in plan.hosts}
        if len(hosts) < len(plan.hosts):
            twice = next(h for h, n in Counter(hid for hid, _ in plan.hosts).items() if n > 1)
            problems.append(f"{plan.strategy} lists host {_short(twice)} more than once; expected each host once")
        placed = Counter(service for service, _, _ in plan.placements)
        numbers: dict[str, set[int]] = defaultdict(set)
        for service, k, _ in plan.placements:
            numbers[service].add(k)
        for name, n in replicas.items():
            if placed[name] != n:
                problems.append(f"{plan.strategy} places {placed[name]} replica(s) of {_short(name)}, its fleet "
                                f"service lists {n}; expected every replica placed once")
            elif numbers[name] != set(range(1, n + 1)):
                problems.append(f"{plan.strategy} numbers the replicas of {_short(name)} "
                                f"{', '.join(map(str, sorted(numbers[name])[:5]))}; expected 1 to {n}, each once")
        for n, (service, _, host) in enumerate(plan.placements, start=1):
            if service not in names:
                problems.append(f"placement {n} of {plan.strategy} names service {_short(service)}, which is not "
                                "in that plan's services; expected a file written by planner, unedited")
            elif host not in hosts:
                problems.append(f"placement {n} of {plan.strategy} puts {_short(service)} on host {_short(host)}, "
                                "which is not in that plan's hosts; expected a file written by planner, unedited")
            if len(problems) > 5:
                break
        if len(problems) > 5:
            break
    if len(problems) == 1:
        raise BaselineError(f"--baseline {path}: {problems[0]}")
    if problems:
        shown = problems[:5]
        more = ", the first 5" if len(problems) > 5 else ""
        raise BaselineError(f"--baseline {path}: {len(shown)}{'+' if more else ''} problems{more}\n"
                            + "\n".join(f"  - {p}" for p in shown))


def _short(value: Any) -> str:
    """Return ``value`` as shown in a message (text quoted), cut when long."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"{value[:57]!r}..."
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _text(value: Any, what: str = "name or id") -> str:
    """Return a name or id read from plan data; _BadValue for anything but text (planner writes text).

    Never converted: a null id would become the host 'None', a number another id than the one written.
    """
    if not isinstance(value, str):
        raise _BadValue(f"{what} {_short(value)}; expected text, as planner writes it")
    return value


def _services_from_placements(data: dict[str, Any]) -> tuple[Service, ...]:
    plans = {p["strategy"]: p for p in data["plans"]}
    plan = plans.get("container-density") or next(iter(plans.values()))
    pools = {h["id"]: h.get("pool") for h in plan["hosts"]}
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in plan["placements"]:
        per[x["service"]].append(x)
    services = []
    for i, (name, xs) in enumerate(sorted(per.items())):
        most = Counter(x["host"] for x in xs).most_common(1)[0][1]
        os_name = "windows" if pools.get(xs[0]["host"]) == "windows" else "linux"
        services.append(Service(name=name, vcpu=float(xs[0]["vcpu"]), memory_gib=float(xs[0]["memory_gib"]),
                                replicas=len(xs), os=os_name, max_per_host=most, row=i + 2))
    return tuple(services)


def check_baseline(baseline: Baseline, fleet: Fleet, catalogue: Catalogue) -> None:
    """Raise BaselineError when the baseline cannot be compared with this run (call it before solving)."""
    if baseline.currency != catalogue.currency:
        raise BaselineError(
            f"--baseline {baseline.path} is priced in {baseline.currency}, this run's catalogue in "
            f"{catalogue.currency}; expected the same currency (re-run the baseline with a catalogue in "
            f"{catalogue.currency}, or compare the two runs side by side with --pricing ... --pricing ...)")
    old = {s.name for s in baseline.services}
    new = {s.name for s in fleet.services}
    if not old & new:
        raise BaselineError(
            f"--baseline {baseline.path} planned fleet '{baseline.fleet_name}' ({len(old)} services), this run "
            f"plans '{fleet.name}' ({len(new)} services) and no service name is in both; expected a baseline "
            "of the same fleet (services may be added, removed or resized)")


# --- fleet differences -------------------------------------------------------------


def _shape(s: Service) -> tuple[Any, ...]:
    return (s.vcpu, s.memory_gib, s.replicas, s.os, s.max_per_host, s.arch)


@dataclass(frozen=True)
class FleetChanges:
    """Services added, removed or resized between the baseline fleet and this run's fleet."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    resized: tuple[str, ...]  # requests, replicas, OS, spread or architecture changed

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.resized)


def fleet_changes(old: Fleet, new: Fleet) -> FleetChanges:
    """Return how the fleet changed (a DaemonSet change counts as every service resized)."""
    o = {s.name: s for s in old.services}
    n = {s.name: s for s in new.services}
    same_ds = (old.daemonset_vcpu, old.daemonset_memory_gib, old.daemonset_pods, old.daemonset_os) == \
        (new.daemonset_vcpu, new.daemonset_memory_gib, new.daemonset_pods, new.daemonset_os)
    resized = tuple(name for name in n if name in o and (_shape(o[name]) != _shape(n[name]) or not same_ds))
    return FleetChanges(tuple(x for x in n if x not in o), tuple(x for x in o if x not in n), resized)


# --- moves -------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One replica of ``service`` that left baseline host ``from_host`` for ``to_host`` of the new plan."""

    service: str
    from_host: str
    to_host: str


@dataclass(frozen=True)
class HostDiff:
    """Hosts added and removed by type, the moves, and which new host continues which baseline host."""

    added: dict[str, int]
    removed: dict[str, int]
    moves: tuple[Move, ...]
    matched: dict[str, str]  # new host id -> baseline host id


Loads = list[tuple[str, str, Counter[str]]]  # (host id, type, replicas per service)


def compare_loads(before: Loads, after: Loads, services: set[str] | None = None) -> HostDiff:
    """Match hosts of the same type by largest overlap (greedy, deterministic) and list the moves.

    ``services``: the services present in both fleets (others are added or removed, not moved).
    """
    def overlap(a: Counter[str], b: Counter[str]) -> int:
        return sum(min(n, b.get(s, 0)) for s, n in a.items())

    by_type_b: dict[str, list[int]] = defaultdict(list)
    by_type_a: dict[str, list[int]] = defaultdict(list)
    for i, (_, t, _) in enumerate(before):
        by_type_b[t].append(i)
    for j, (_, t, _) in enumerate(after):
        by_type_a[t].append(j)
    match: dict[int, int] = {}  # after index -> before index
    for t in sorted(set(by_type_b) & set(by_type_a)):
        pairs = sorted(((overlap(before[i][2], after[j][2]), i, j) for i in by_type_b[t] for j in by_type_a[t]),
                       key=lambda x: (-x[0], x[1], x[2]))
        used_b: set[int] = set()
        for _, i, j in pairs:
            if i not in used_b and j not in match:
                match[j] = i
                used_b.add(i)
    added = {t: len(by_type_a[t]) - len(by_type_b.get(t, [])) for t in by_type_a
             if len(by_type_a[t]) > len(by_type_b.get(t, []))}
    removed = {t: len(by_type_b[t]) - len(by_type_a.get(t, [])) for t in by_type_b
               if len(by_type_b[t]) > len(by_type_a.get(t, []))}
    back = {i: j for j, i in match.items()}
    names = set().union(*(c for _, _, c in before), *(c for _, _, c in after)) if (before or after) else set()
    if services is not None:
        names &= services
    moves: list[Move] = []
    for s in sorted(names):
        left: list[str] = []
        arrived: list[str] = []
        for i, (hid, _, c) in enumerate(before):
            j = back.get(i)
            stay = min(c.get(s, 0), after[j][2].get(s, 0)) if j is not None else 0
            left += [hid] * (c.get(s, 0) - stay)
        for j, (hid, _, c) in enumerate(after):
            i = match.get(j)
            stay = min(c.get(s, 0), before[i][2].get(s, 0)) if i is not None else 0
            arrived += [hid] * (c.get(s, 0) - stay)
        moves += [Move(s, a, b) for a, b in zip(left, arrived)]  # the excess is removal or growth
    return HostDiff(dict(sorted(added.items())), dict(sorted(removed.items())), tuple(moves),
                    {after[j][0]: before[i][0] for j, i in sorted(match.items())})


def plan_loads(plan: Plan) -> Loads:
    """Return a plan's hosts as (id, type, replicas per service)."""
    content: dict[str, Counter[str]] = defaultdict(Counter)
    for p in plan.placements:
        content[p.host][p.service] += 1
    return [(h.id, h.type, content.get(h.id, Counter())) for h in plan.hosts]


def _plan_of(model: StrategyModel, hosts: tuple[HostLoad, ...], method: str, notes: tuple[str, ...] = (),
             lower_bound: float = 0.0, gap: float | None = None) -> Plan:
    """Price ``hosts`` as a plan; ``lower_bound`` (any valid bound) and ``gap`` (target) give its status."""
    cost = packing_cost(model.problem, hosts)
    bound = min(lower_bound, cost)
    status = "feasible" if gap is None else status_for(cost, bound, gap)
    return extract_plan(model, Packing(hosts, cost, bound, status, cost, 0.0, method, notes))


def _baseline_kept(model: StrategyModel, baseline_plan: Plan, plan: Plan, gap: float) -> Plan:
    """Return the baseline placement as this run's plan, with the run's proven bound.

    Used when the fleet is unchanged and the re-plan found nothing strictly cheaper than the
    baseline placement at the new prices: moving replicas for no saving is churn, and a
    time-limited search can land on another plan of equal (or higher) cost.
    """
    cost = baseline_plan.total_cost
    bound = min(plan.lower_bound, cost)
    status = status_for(cost, bound, gap)
    engine_notes = tuple(n for n in plan.notes[len(model.notes):] if not n.startswith("stopped with gap"))
    if status == "feasible":
        engine_notes += (gap_note(cost, bound, gap),)
    hosts = tuple(HostLoad(h.type, dict(h.services)) for h in baseline_plan.hosts)
    return extract_plan(model, Packing(hosts, cost, bound, status, plan.heuristic_cost, plan.solve_seconds,
                                       "baseline placement", engine_notes))


# --- the cost change ---------------------------------------------------------------


@dataclass(frozen=True)
class ChurnRow:
    """Best plan found with at most ``budget`` replicas moved."""

    budget: int
    moves: int  # replicas actually moved (matched count)
    cost: float
    hosts: int
    method: str  # "baseline placement", "local search", "full re-plan"


@dataclass(frozen=True)
class StrategyChange:
    """The cost change of one strategy, split into effects that add up to ``total_change``."""

    strategy: str
    baseline_cost: float  # C0
    repriced_cost: float | None  # C1: baseline placement at new prices (None: cannot be repriced)
    reoptimised_cost: float | None  # C1': old fleet, new prices, optimal
    optimal_cost: float  # C2: this run's optimal plan
    final_cost: float  # C3: the plan written (churn-limited with --max-moves)
    hosts_added: dict[str, int]
    hosts_removed: dict[str, int]
    moves: tuple[Move, ...]
    churn: tuple[ChurnRow, ...] = ()
    notes: tuple[str, ...] = ()
    hosts_before: dict[str, int] = field(default_factory=dict)  # host type -> count, baseline
    hosts_after: dict[str, int] = field(default_factory=dict)  # host type -> count, the plan written

    @property
    def price_effect(self) -> float | None:
        return None if self.repriced_cost is None else self.repriced_cost - self.baseline_cost

    @property
    def reoptimisation_effect(self) -> float | None:
        """C1' - C1; with no C1 it also holds the price effect (C1' - C0)."""
        if self.reoptimised_cost is None:
            return None
        start = self.baseline_cost if self.repriced_cost is None else self.repriced_cost
        return self.reoptimised_cost - start

    @property
    def volume_effect(self) -> float:
        """C2 - C1'; when C1' cannot be computed, everything up to C2 (C2 - C1 or C2 - C0)."""
        start = next(c for c in (self.reoptimised_cost, self.repriced_cost, self.baseline_cost) if c is not None)
        return self.optimal_cost - start

    @property
    def churn_effect(self) -> float:
        return self.final_cost - self.optimal_cost

    @property
    def total_change(self) -> float:
        return self.final_cost - self.baseline_cost

    def effects(self) -> list[tuple[str, float | None]]:
        """Return (label, amount) in waterfall order; the amounts that are not None add up to total_change."""
        out: list[tuple[str, float | None]] = [
            ("price effect", self.price_effect),
            ("re-optimisation effect" if self.repriced_cost is not None else "price and re-optimisation",
             self.reoptimisation_effect),
            ("volume effect", self.volume_effect),
        ]
        if self.churn:
            out.append(("churn limit", self.churn_effect))
        return out


@dataclass(frozen=True)
class Changes:
    """What changed since the baseline, per strategy, and the result to report."""

    baseline: Baseline
    currency: str
    strategies: tuple[StrategyChange, ...]
    fleet: FleetChanges
    cheaper_before: str | None
    cheaper_after: str | None
    result: PlanningResult  # this run, with churn-limited plans when max_moves was given
    max_moves: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def winner_changed(self) -> bool:
        return None not in (self.cheaper_before, self.cheaper_after) and self.cheaper_before != self.cheaper_after

    def strategy(self, name: str) -> StrategyChange:
        return next(s for s in self.strategies if s.strategy == name)


def compare_to_baseline(result: PlanningResult, baseline: Baseline, max_moves: int | None = None) -> Changes:
    """Split each strategy's cost change since ``baseline``; with ``max_moves`` also re-plan with limited churn.

    Raises BaselineError for another currency or a fleet with no service in common.
    """
    check_baseline(baseline, result.fleet, result.catalogue)
    if max_moves is not None and max_moves < 0:
        raise PlannerError(f"--max-moves {max_moves}: expected a whole number >= 0")
    notes = list(baseline.notes)
    old_fleet = baseline.fleet
    fc = fleet_changes(old_fleet, result.fleet)
    same_fleet = fc.unchanged and {s.name for s in old_fleet.services} == {s.name for s in result.fleet.services}
    if baseline.commitment != result.options.commitment:
        notes.append(f"the baseline was priced at {baseline.commitment} terms, this run at "
                     f"{result.options.commitment}: the price effect includes the change of terms")
    if baseline.spare_hosts != result.options.spare_hosts:
        notes.append(f"the baseline kept {baseline.spare_hosts} spare host(s), this run {result.options.spare_hosts}")
    old_models: dict[str, StrategyModel] = {}
    if same_fleet:
        old_models = {m.strategy: m for m in result.models}
    else:
        for name in result.options.strategies:
            try:
                old_models[name] = build_models(old_fleet, result.catalogue, result.catalogue_path, (name,),
                                                result.options.commitment)[0]
            except PlannerError as err:
                notes.append(f"{name}: the baseline fleet cannot be planned with the new catalogue ({err}); "
                             "price and re-optimisation effects are not separated from the volume effect")
    solve_options = SolveOptions(solver=result.options.solver, time_limit=result.options.time_limit,  # type: ignore[arg-type]
                                 gap=result.options.gap)
    common = {s.name for s in old_fleet.services} & {s.name for s in result.fleet.services}
    changes: list[StrategyChange] = []
    new_plans: list[Plan] = []
    for plan, model in zip(result.plans, result.models, strict=True):
        base = baseline.plans.get(plan.strategy)
        if base is None:
            notes.append(f"{plan.strategy}: not in the baseline; no change to show")
            new_plans.append(plan)
            continue
        s_notes: list[str] = []
        base_loads = base.loads()
        repriced = reopt = None
        kept_baseline: Plan | None = None
        old_model = old_models.get(plan.strategy)
        if old_model is not None:
            offers = {o.name for o in old_model.offers}
            missing = sorted({t for _, t, _ in base_loads} - offers)
            if missing:
                s_notes.append(f"{GONE_TYPES} {', '.join(missing)} not in the new catalogue (or not allowed "
                               "for this strategy): the price effect is shown together with re-optimisation")
            else:
                rp = _plan_of(old_model, base.host_loads(), "baseline placement")
                repriced = rp.total_cost
                problems = [p for p in check_plan(rp, old_model, old_fleet, result.catalogue) if "cost" not in p]
                if problems:
                    s_notes.append("the baseline placement no longer fits the new catalogue's hosts: "
                                   + "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else ""))
                elif (max_moves is None and same_fleet and baseline.spare_hosts == result.options.spare_hosts == 0
                      and rp.total_cost <= plan.total_cost + EPS and plan_loads(rp) != plan_loads(plan)):
                    kept_baseline = _baseline_kept(model, rp, plan, result.options.gap)
                    s_notes.append(f"kept the baseline placement: the re-plan found nothing cheaper "
                                   f"({plan.total_cost:,.2f} against {rp.total_cost:,.2f} per month)")
            if same_fleet:
                reopt = plan.total_cost if kept_baseline is None else kept_baseline.total_cost
            else:
                packing = solve_packing(old_model.problem, solve_options)
                if result.options.spare_hosts:
                    packing = with_spares(old_model, packing, result.options.spare_hosts, result.options.gap)
                reopt = extract_plan(old_model, packing).total_cost
        final = plan if kept_baseline is None else kept_baseline
        churn_rows: tuple[ChurnRow, ...] = ()
        if max_moves is not None:
            final, churn_rows, c_notes = churn_limited(model, result, base_loads, plan, max_moves)
            if s_notes and s_notes[0].startswith(GONE_TYPES) and c_notes and c_notes[0].startswith(GONE_TYPES):
                # one note for the gone host types: why their replicas move, and what it does to the split
                c_notes[0] += f", and {s_notes.pop(0).split(': ', 1)[1]}"
            s_notes += c_notes
        diff = compare_loads(base_loads, plan_loads(final), common)
        changes.append(StrategyChange(plan.strategy, base.total_cost, repriced, reopt, final.total_cost
                                      if kept_baseline is not None else plan.total_cost,
                                      final.total_cost, diff.added, diff.removed, diff.moves, churn_rows,
                                      tuple(s_notes), dict(sorted(Counter(t for _, t in base.hosts).items())),
                                      dict(sorted(Counter(h.type for h in final.hosts).items()))))
        new_plans.append(final)
    new_result = result
    if max_moves is None and any(a is not b for a, b in zip(new_plans, result.plans, strict=True)):
        new_result = result.with_plans(tuple(new_plans))
    if max_moves is not None:
        new_result = result.with_plans(tuple(new_plans), (f"re-planned from the baseline {baseline.path} with at "
                                                          f"most {max_moves} replica move(s) per strategy",))
    cheaper_now = new_result.delta.cheaper if new_result.delta and not new_result.delta.tie else None
    return Changes(baseline, result.catalogue.currency, tuple(changes), fc, baseline.cheaper, cheaper_now,
                   new_result, max_moves, tuple(notes))


# --- churn-limited re-plan ---------------------------------------------------------


class _State:
    """Hosts as [type, replicas per service] with feasibility and cost helpers for one model."""

    def __init__(self, model: StrategyModel) -> None:
        self.model = model
        self.problem = model.problem
        self.items: dict[str, ItemGroup] = {i.name: i for i in self.problem.items}
        self.types = {t.name: t for t in self.problem.host_types}
        self._cost_cache: dict[tuple[str, tuple[tuple[str, int], ...]], float] = {}

    def fits(self, host_type: str, content: Counter[str]) -> bool:
        t = self.types.get(host_type)
        if t is None:
            return False
        vcpu = mem = 0.0
        n = 0
        for s, k in content.items():
            if k <= 0:
                continue
            it = self.items[s]
            if host_type not in it.compatible or k > it.max_per_host:
                return False
            vcpu += it.vcpu * k
            mem += it.memory_gib * k
            n += k
        return vcpu <= t.vcpu + 1e-9 and mem <= t.memory_gib + 1e-9 and n <= t.max_items

    def cost(self, host_type: str, content: Counter[str]) -> float:
        key = (host_type, tuple(sorted((s, k) for s, k in content.items() if k)))
        if key not in self._cost_cache:
            self._cost_cache[key] = host_cost(self.problem, HostLoad(host_type, dict(key[1])))
        return self._cost_cache[key]

    def cheapest_type(self, content: Counter[str], exclude: str | None = None) -> tuple[str, float] | None:
        best = None
        for name in self.types:
            if name != exclude and self.fits(name, content):
                c = self.cost(name, content)
                if best is None or (c, name) < (best[1], best[0]):
                    best = (name, c)
        return best


def _replace_onto(st: _State, hosts: list[list[Any]], skip: set[int], replicas: list[str]) -> list[list[Any]] | None:
    """Place ``replicas`` onto the other hosts (cheapest cost increase, largest first); None when one does not fit."""
    new = [[h[0], Counter(h[1])] for h in hosts]
    order = sorted(replicas, key=lambda s: (-st.items[s].vcpu, -st.items[s].memory_gib, s))
    for s in order:
        best = None
        for k, (t, c) in enumerate(new):
            if k in skip:
                continue
            c[s] += 1
            if st.fits(t, c):
                inc = st.cost(t, c)
                c[s] -= 1
                inc -= st.cost(t, c)
                if best is None or inc < best[0] - 1e-12:
                    best = (inc, k)
            else:
                c[s] -= 1
        if best is None:
            return None
        new[best[1]][1][s] += 1
    return new


def _total(st: _State, hosts: list[list[Any]]) -> float:
    return st.problem.fixed_plan_cost + sum(st.cost(t, c) for t, c in hosts)


def _improve(st: _State, hosts: list[list[Any]], budget: int, keep_empty: bool,
             deadline: float = math.inf) -> tuple[list[list[Any]], int, bool]:
    """Greedy local search: best saving per replica moved, within ``budget`` moves.

    Return hosts, moves used, and whether ``deadline`` cut the search short (each step is kept:
    the hosts are always a valid placement).
    """
    used = 0
    pair_limit = 60
    while True:
        if time.perf_counter() > deadline:
            return hosts, used, True
        current = _total(st, hosts)
        best = None  # (ratio, saving, moves, new hosts)

        def consider(saving: float, moves: int, new_hosts: list[list[Any]]) -> None:
            nonlocal best
            if saving <= EPS or moves > budget - used:
                return
            ratio = saving / moves if moves else math.inf
            if best is None or ratio > best[0] * (1 + 1e-9) + 1e-12 \
                    or (ratio >= best[0] * (1 - 1e-9) - 1e-12 and saving > best[1] + 1e-9):
                best = (ratio, saving, moves, new_hosts)

        for h, (t, c) in enumerate(hosts):
            if time.perf_counter() > deadline:
                break  # take the best step found so far; the next round stops
            n = sum(c.values())
            if n == 0 and keep_empty:
                continue
            # close the host, re-place its replicas on the others
            moved = _replace_onto(st, hosts, {h}, [s for s, k in sorted(c.items()) for _ in range(k)])
            if moved is not None:
                del moved[h]
                consider(current - _total(st, moved), n, moved)
            # move its replicas to a host of a cheaper type
            if n:
                cheaper = st.cheapest_type(c, exclude=t)
                if cheaper is not None:
                    consider(st.cost(t, c) - cheaper[1], n, [*hosts[:h], [cheaper[0], Counter(c)], *hosts[h + 1:]])
        if len(hosts) <= pair_limit:
            for a in range(len(hosts)):
                for b in range(a + 1, len(hosts)):
                    ca, cb = hosts[a][1], hosts[b][1]
                    if not sum(ca.values()) or not sum(cb.values()):
                        continue
                    merged = ca + cb
                    target = st.cheapest_type(merged)
                    if target is None:
                        continue
                    # the merged host continues the host with more replicas: only the other one's replicas move
                    keep, go = (a, b) if sum(ca.values()) >= sum(cb.values()) else (b, a)
                    same_type = target[0] == hosts[keep][0]
                    moves = sum(hosts[go][1].values()) + (0 if same_type else sum(hosts[keep][1].values()))
                    new_hosts = [h for k, h in enumerate(hosts) if k not in (a, b)]
                    new_hosts.insert(min(a, b), [target[0], merged])
                    consider(st.cost(hosts[a][0], ca) + st.cost(hosts[b][0], cb) - target[1], moves, new_hosts)
        if best is None:
            return hosts, used, time.perf_counter() > deadline
        hosts = best[3]
        used += best[2]


def _start_state(st: _State, model: StrategyModel, base_loads: Loads) -> tuple[list[list[Any]], list[str], int]:
    """Return the baseline placement adapted to this fleet and catalogue, notes, and forced moves.

    Replicas of services still in the fleet stay on their baseline host while they fit; removed replicas
    go; replicas that no longer fit (or whose host type is gone) and new replicas are placed on open hosts
    first, then on new hosts from a small solve of just those replicas.
    """
    want = {i.name: i.count for i in model.problem.items}
    kept: Counter[str] = Counter()
    hosts: list[list[Any]] = []
    displaced: Counter[str] = Counter()  # replicas that no longer fit their baseline host
    homeless: Counter[str] = Counter()  # replicas whose baseline host type is gone
    gone_types: set[str] = set()
    for _, t, c in base_loads:
        if t not in st.types:
            gone_types.add(t)
            for s, k in c.items():
                homeless[s] += k
            continue
        content: Counter[str] = Counter()
        for s, k in sorted(c.items()):
            for _ in range(k):
                if s not in want or kept[s] >= want[s]:
                    continue  # removed from the fleet (or fewer replicas now)
                content[s] += 1
                if st.fits(t, content):
                    kept[s] += 1
                else:
                    content[s] -= 1
                    displaced[s] += 1
        if content or not c:  # a host emptied by removed services closes; a baseline spare stays
            hosts.append([t, +content])
    need = {s: n - kept[s] for s, n in want.items() if n > kept[s]}
    forced_gone = sum(min(homeless[s], n) for s, n in need.items())
    forced_fit = sum(min(displaced[s], n - min(homeless[s], n)) for s, n in need.items())
    forced = forced_gone + forced_fit
    todo = [s for s, n in sorted(need.items()) for _ in range(n)]
    notes: list[str] = []
    if gone_types:
        notes.append(f"{GONE_TYPES} {', '.join(sorted(gone_types))} not in the new catalogue: "
                     f"their {forced_gone} replica(s) must move")
    if forced_fit:
        notes.append(f"{forced_fit} replica(s) no longer fit their baseline host and must move")
    if todo:
        onto = _replace_onto(st, hosts, set(), todo)
        if onto is not None:
            hosts = onto
        else:
            need = Counter(todo)
            items = tuple(replace(i, count=need[i.name]) for i in model.problem.items if need[i.name])
            sub = solve_packing(PackingProblem(items, model.problem.host_types, 0.0),
                                SolveOptions(time_limit=10.0, gap=0.01))
            hosts += [[h.host_type, Counter(h.items)] for h in sub.hosts]
    return hosts, notes, forced


def churn_limited(model: StrategyModel, result: PlanningResult, base_loads: Loads, optimal: Plan,
                  max_moves: int) -> tuple[Plan, tuple[ChurnRow, ...], list[str]]:
    """Return the best plan with at most ``max_moves`` replicas moved from the baseline, a table of
    budget -> cost, and notes."""
    st = _State(model)
    start, notes, forced = _start_state(st, model, base_loads)
    keep_empty = result.options.spare_hosts > 0
    common = {i.name for i in model.problem.items}

    spares_wanted = result.options.spare_hosts

    def to_plan(hosts: list[list[Any]], method: str) -> Plan:
        # +c drops the zero counts moves leave behind (a host "holding 0 intranet-portal" is not one
        # a spare must be able to take over, nor a Windows-only one)
        loads = tuple(HostLoad(t, dict(sorted((+c).items()))) for t, c in hosts if not spares_wanted or +c)
        if spares_wanted:
            # Spares are empty hosts: adding them moves no replica, and the plan must keep them.
            spares, _ = spare_hosts(model, Packing(loads, 0.0, 0.0, "feasible", 0.0, 0.0, method), spares_wanted)
            loads += tuple(spares)
        # The unconstrained run's bound also bounds every plan with fewer moves.
        return _plan_of(model, loads, method, lower_bound=optimal.lower_bound, gap=result.options.gap)

    def moves_of(plan: Plan) -> int:
        return len(compare_loads(base_loads, plan_loads(plan), common).moves)

    optimal_moves = moves_of(optimal)
    top = max(max_moves, optimal_moves)
    budgets = sorted(b for b in {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, max_moves, optimal_moves} if b <= top)
    rows: list[ChurnRow] = []
    chosen: Plan | None = None
    last: tuple[int, float] | None = None
    best: tuple[Plan, int, str] | None = None  # cheapest plan so far (within every later budget)
    deadline = time.perf_counter() + result.options.time_limit  # the local searches share one time limit
    cut: list[int] = []
    for i, b in enumerate(budgets):
        hosts = [[t, Counter(c)] for t, c in start]
        if b > 0:  # no move at all: the baseline placement exactly (new replicas placed, removed ones gone)
            share = max(0.0, deadline - time.perf_counter()) / (len(budgets) - i)
            hosts, _, stopped = _improve(st, hosts, max(0, b - forced), keep_empty, time.perf_counter() + share)
            if stopped:
                cut.append(b)
        plan = to_plan(hosts, "baseline placement" if b == 0 else "local search from the baseline")
        method = "baseline placement" if b == 0 else "local search"
        moves = moves_of(plan)
        if optimal_moves <= b and optimal.total_cost < plan.total_cost - EPS:
            plan, moves, method = optimal, optimal_moves, "full re-plan"
        if best is not None and best[0].total_cost < plan.total_cost - EPS:
            plan, moves, method = best  # a smaller budget's plan is within this one too, and cheaper
        best = (plan, moves, method)
        if last is not None and plan.total_cost > last[1] - EPS and b != max_moves:
            continue  # no better than a smaller budget: keep the table short
        problems = check_plan(plan, model, result.fleet, result.catalogue)
        if problems:
            raise AssertionError(f"{model.strategy} churn-limited plan failed the independent check:\n"
                                 + "\n".join(problems))
        if moves > b:  # only where moves are forced (hosts gone, replicas that no longer fit)
            method += f"; {moves - b} more move(s) forced: hosts gone or replicas that no longer fit"
        rows.append(ChurnRow(b, moves, plan.total_cost, len(plan.hosts), method))
        last = (b, plan.total_cost)
        if b == max_moves:
            chosen = plan
    assert chosen is not None
    if cut:
        notes.append(f"the local search from the baseline stopped at the time limit (--time-limit "
                     f"{result.options.time_limit:g} s, shared by the move budgets) for at most "
                     f"{', '.join(map(str, cut))} move(s): more time may find cheaper plans")
    if forced > max_moves:
        notes.append(f"--max-moves {max_moves}: {forced} move(s) are forced (hosts gone or replicas no longer fit)")
    chosen = replace(chosen, notes=chosen.notes + (f"re-planned from the baseline with at most {max_moves} move(s); "
                                                   f"the unconstrained optimum costs {optimal.total_cost:,.2f} "
                                                   f"with {optimal_moves} move(s)",))
    return chosen, tuple(rows), notes


# --- text for the terminal ---------------------------------------------------------


def summary_lines(changes: Changes) -> list[str]:
    """Return plain-text lines for the terminal summary."""
    cur = changes.currency
    out = [f"changes since {changes.baseline.path} ({changes.baseline.catalogue_name}, as of "
           f"{changes.baseline.catalogue_as_of}):"]
    for s in changes.strategies:
        parts = [f"{label} {amount:+,.2f}" for label, amount in s.effects() if amount is not None]
        out.append(f"  {s.strategy}: {cur} {s.baseline_cost:,.2f} -> {s.final_cost:,.2f} "
                   f"({s.total_change:+,.2f}: {', '.join(parts)}); {len(s.moves)} replica(s) moved")
        for row in s.churn:
            out.append(f"    at most {row.budget} move(s): {cur} {row.cost:,.2f} ({row.moves} moved, {row.method})")
    f = changes.fleet
    if not f.unchanged:
        out.append(f"  fleet: {len(f.added)} service(s) added, {len(f.removed)} removed, {len(f.resized)} resized")
    before, after = changes.cheaper_before, changes.cheaper_after
    if changes.winner_changed:
        out.append(f"  the cheaper strategy changed: {before} -> {after}")
    elif after and after == before:
        out.append(f"  {after} is still the cheaper strategy")
    elif after:
        out.append(f"  {after} is the cheaper strategy now (both cost the same in the baseline)")
    elif before:
        out.append(f"  neither strategy is cheaper now: both cost the same ({before} was cheaper in the baseline)")
    out += [f"  note: {n}" for n in changes.notes]
    out += [f"  note: {s.strategy}: {n}" for s in changes.strategies for n in s.notes]
    return out


__all__ = [
    "Baseline", "BaselineError", "BaselinePlan", "Changes", "ChurnRow", "FleetChanges", "HostDiff", "Move",
    "StrategyChange", "check_baseline", "compare_loads", "compare_to_baseline", "fleet_changes", "load_baseline",
    "baseline_from_dict", "plan_loads", "summary_lines",
]
