"""Several catalogues in one run: every strategy on every catalogue, side by side.

The first catalogue is the run's own (its workbook sheets are the usual ones); the others
are planned in worker processes (``ProcessPoolExecutor``, 2 workers; each task carries
only paths and options). Totals are shown in the first catalogue's currency: a catalogue
in another currency is refused unless a rate is given (``--fx EUR=1.08``: one EUR is
1.08 of the first catalogue's currency).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from planner.catalogue import load_catalogue
from planner.errors import InputError, PlannerError
from planner.pricing import ON_DEMAND
from planner.fleet import grow
from planner.pipeline import PlanningResult, PlanOptions, build_models, load_inputs, missing_term, run_plan

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ScenarioPlan:
    """One strategy on one catalogue."""

    strategy: str
    total: float  # in the report currency
    native_total: float  # in the catalogue's currency
    hosts: int
    status: str
    gap: float


@dataclass(frozen=True)
class Scenario:
    """One catalogue's plans."""

    catalogue_path: str
    catalogue_name: str
    as_of: str
    currency: str
    rate: float  # report currency per unit of this catalogue's currency
    plans: tuple[ScenarioPlan, ...]
    unverified_prices: int

    def total(self, strategy: str) -> float | None:
        return next((p.total for p in self.plans if p.strategy == strategy), None)


@dataclass(frozen=True)
class Scenarios:
    """Every strategy on every catalogue, in one currency."""

    currency: str
    scenarios: tuple[Scenario, ...]
    strategies: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def label(self, scenario: Scenario) -> str:
        """Return the catalogue's name, with its path when another catalogue has the same name."""
        same = sum(s.catalogue_name == scenario.catalogue_name for s in self.scenarios)
        return scenario.catalogue_name if same <= 1 else f"{scenario.catalogue_name} ({scenario.catalogue_path})"

    @property
    def cheapest(self) -> tuple[str, str, float]:
        """Return (catalogue label, strategy, monthly total) of the cheapest combination."""
        best = min(((self.label(s), p.strategy, p.total) for s in self.scenarios for p in s.plans),
                   key=lambda x: (x[2], x[0], x[1]))
        return best

    def lines(self) -> list[str]:
        """Return plain-text lines for the terminal summary."""
        name, strategy, total = self.cheapest
        out = [f"scenarios ({len(self.scenarios)} catalogues, {self.currency} per month):"]
        for s in self.scenarios:
            cells = ", ".join(f"{p.strategy} {p.total:,.2f}" for p in s.plans)
            rate = f" (at {s.rate:g} {self.currency}/{s.currency})" if s.currency != self.currency else ""
            out.append(f"  {self.label(s)}: {cells}{rate}")
        out.append(f"  cheapest: {strategy} on {name} at {self.currency} {total:,.2f} per month")
        out += [f"  note: {n}" for n in self.notes]
        return out


# Exchange rates between currencies in use span about 1e-5 to 1e5 (one Kuwaiti dinar is about
# 80,000 Vietnamese dong); a rate outside this range is a slip (a missing decimal point, 10**21).
FX_RATE_RANGE = (1e-9, 1e9)


def parse_fx(texts: list[str] | None) -> dict[str, float]:
    """Return {currency: rate} from options like ``EUR=1.08``."""
    rates: dict[str, float] = {}
    for text in texts or []:
        m = re.fullmatch(r"\s*([A-Za-z]{3})\s*=\s*([0-9]*\.?[0-9]+)\s*", text)
        if not m or not 0 < float(m.group(2)) < math.inf:
            raise PlannerError(f"--fx {text!r}: expected CURRENCY=RATE such as EUR=1.08 (one EUR in the first "
                               "catalogue's currency)")
        currency, rate = m.group(1).upper(), float(m.group(2))
        if not FX_RATE_RANGE[0] <= rate <= FX_RATE_RANGE[1]:
            raise PlannerError(f"--fx {text!r}: a rate of {rate:g} is no exchange rate between two currencies; "
                               f"expected one from {FX_RATE_RANGE[0]:g} to {FX_RATE_RANGE[1]:g} (one {currency} "
                               "in the first catalogue's currency)")
        if currency in rates and rates[currency] != rate:
            raise PlannerError(f"--fx {text!r}: {currency} already has the rate {rates[currency]:g}; "
                               "expected one rate per currency")
        rates[currency] = rate
    return rates


def check_currencies(pricing_paths: list[Path], fx: dict[str, float],
                     term: str = ON_DEMAND) -> dict[Path, tuple[str, float]]:
    """Return each catalogue's (currency, rate); PlannerError for a currency with no rate, or a
    commitment ``term`` a catalogue does not offer. Call before solving."""
    seen: dict[Path, Path] = {}
    for path in pricing_paths:
        earlier = seen.setdefault(Path(path).resolve(), path)
        if earlier is not path:
            raise PlannerError(f"--pricing {path}: the same catalogue as --pricing {earlier}; "
                               "expected each catalogue once")
    errors: list[str] = []
    currencies: dict[Path, str] = {}
    for path in pricing_paths:
        try:
            catalogue = load_catalogue(path)
        except InputError as err:
            errors += err.problems
            continue
        currencies[path] = catalogue.currency
        missing = missing_term(catalogue, path, term)
        if missing:
            errors.append(missing)
    if errors:
        raise InputError(errors, header=f"{len(errors)} problems in the catalogues:" if len(errors) > 1 else None)
    report = currencies[pricing_paths[0]]
    out: dict[Path, tuple[str, float]] = {}
    missing, unrated = [], []
    for path, cur in currencies.items():
        if cur == report:
            out[path] = (cur, 1.0)
        elif cur in fx:
            out[path] = (cur, fx[cur])
        else:
            missing.append(f"{path} is in {cur}")
            unrated.append(cur)
    if missing:
        cur = unrated[0]
        raise PlannerError(f"catalogues in different currencies: {pricing_paths[0]} is in {report}, "
                           + ", ".join(missing) + f"; give a rate such as --fx {cur}=1.08 (one {cur} in {report}) "
                           "or use catalogues in one currency")
    used = {cur for cur in currencies.values() if cur != report}
    unused = sorted(set(fx) - used)
    if unused:
        what = (f"{unused[0]} is the report currency (the first catalogue's)" if unused == [report]
                else f"no catalogue after the first is in {', '.join(unused)}")
        raise PlannerError(f"--fx {', '.join(unused)}: {what}; expected a rate only for the currency of a "
                           f"later --pricing catalogue (in {report})")
    return out


def scenario_of(result: PlanningResult, rate: float = 1.0) -> Scenario:
    """Return the compact scenario row of a planning result."""
    return Scenario(
        str(result.catalogue_path), result.catalogue.name, result.catalogue.as_of.isoformat(),
        result.catalogue.currency, rate,
        tuple(ScenarioPlan(p.strategy, p.total_cost * rate, p.total_cost, len(p.hosts), p.status, p.gap)
              for p in result.plans),
        len(result.unverified_prices),
    )


def check_plannable(fleet_path: Path, pricing_paths: list[Path], options: PlanOptions) -> None:
    """Raise PlannerError naming every catalogue the fleet cannot be planned on (before any solve).

    Each catalogue's models are built as ``run_plan`` builds them: a service that fits no host of
    a later catalogue is reported with the first, not after the first catalogue's solves.
    """
    problems: list[str] = []
    for path in pricing_paths:
        try:
            fleet, catalogue = load_inputs(fleet_path, path, options.replicas, options.team_label)
            if options.growth or any(s.growth is not None for s in fleet.services):
                fleet = grow(fleet, options.growth)
            build_models(fleet, catalogue, path, options.strategies, options.commitment)
        except PlannerError as err:
            problems.append(str(err))
    if len(problems) == 1:
        raise PlannerError(problems[0])
    if problems:
        raise PlannerError(f"the fleet cannot be planned on {len(problems)} catalogues:\n" + "\n".join(problems))


def _plan_one(fleet_path: Path, pricing_path: Path, options: PlanOptions, rate: float) -> Scenario:
    return scenario_of(run_plan(fleet_path, pricing_path, options), rate)


def run_scenarios(fleet_path: Path, pricing_paths: list[Path], options: PlanOptions,
                  fx: dict[str, float] | None = None, first: PlanningResult | None = None,
                  workers: int = 2, progress: Progress | None = None) -> Scenarios:
    """Plan every strategy on every catalogue. ``first``: the run's own result for ``pricing_paths[0]``."""
    pricing_paths = [Path(p) for p in pricing_paths]
    rates = check_currencies(pricing_paths, fx or {})
    report = rates[pricing_paths[0]][0]
    rows: list[Scenario | None] = [None] * len(pricing_paths)
    todo = list(range(len(pricing_paths)))
    if first is not None:
        rows[0] = scenario_of(first)
        todo = todo[1:]
    total = len(pricing_paths)
    done = total - len(todo)
    if workers <= 1 or len(todo) <= 1:
        for k in todo:
            rows[k] = _plan_one(fleet_path, pricing_paths[k], options, rates[pricing_paths[k]][1])
            done += 1
            if progress:
                progress(done, total, str(pricing_paths[k]))
    else:
        ctx = multiprocessing.get_context("spawn")  # no fork after HiGHS threads have started
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx) as pool:
            futures = {pool.submit(_plan_one, fleet_path, pricing_paths[k], options, rates[pricing_paths[k]][1]): k
                       for k in todo}
            for fut in cf.as_completed(futures):
                rows[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, total, str(pricing_paths[futures[fut]]))
    notes = [f"{s.catalogue_name}: converted from {s.currency} at {s.rate:g} {report} per {s.currency} (--fx)"
             for s in rows if s is not None and s.currency != report]
    return Scenarios(report, tuple(r for r in rows if r is not None), tuple(options.strategies), tuple(notes))


__all__ = ["Scenario", "ScenarioPlan", "Scenarios", "check_currencies", "check_plannable", "parse_fx", "run_scenarios",
           "scenario_of"]
