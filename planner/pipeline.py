"""Load and validate -> build each strategy's model -> solve -> price -> check. What the CLI and tests call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner.catalogue import Catalogue, load_catalogue
from planner.check import check_plan
from planner.engine import solve_packing
from planner.engine.problem import SolveOptions
from planner.errors import InputError, PlannerError
from planner.fleet import MAX_FLEET_REPLICAS, Fleet, grow, load_fleet
from planner.kube import is_kubernetes_input, load_kubernetes_fleet
from planner.plans import Plan, extract_plan
from planner.pricing import ON_DEMAND
from planner.resilience import with_spares
from planner.price_refs import UsedPrice, refs_used
from planner.strategies import STRATEGIES, StrategyModel, build_container_model, build_vm_model

Progress = Callable[[str, str, float, float | None, float | None], None]


# Monthly difference at or below which neither strategy is cheaper (half a cent).
TIE_TOLERANCE = 0.005


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: solver, per-strategy time limit (s), relative gap target."""

    solver: str = "highs"
    time_limit: float = 60.0
    gap: float = 0.001
    strategies: tuple[str, ...] = STRATEGIES
    growth: float = 0.0  # grow every replica's requests by this fraction (a fleet growth column overrides)
    spare_hosts: int = 0  # any this many hosts may fail and every replica still fits
    commitment: str = ON_DEMAND  # "on-demand", "1y" or "3y": the catalogue's commitment discounts
    replicas: str = "spec"  # Kubernetes input: spec.replicas, or an HPA's "min" / "max"
    team_label: str | None = None  # Kubernetes input: the label that names the team (default: namespace)


@dataclass(frozen=True)
class Delta:
    """How much the cheaper strategy saves against the dearer one, per month."""

    absolute: float
    percent: float
    cheaper: str

    @property
    def tie(self) -> bool:
        """True when the two cost the same to the cent: ``cheaper`` then names one only by name order."""
        return self.absolute <= TIE_TOLERANCE


def delta_of(plans: Iterable[Any]) -> Delta | None:
    """Return the saving of the cheaper of two plans (anything with ``strategy`` and ``total_cost``:
    this run's plans or a baseline's), or None with fewer than two."""
    ranked = sorted(plans, key=lambda p: (p.total_cost, p.strategy))
    if len(ranked) < 2:
        return None
    a, b = ranked[:2]
    absolute = b.total_cost - a.total_cost
    percent = 100.0 * absolute / b.total_cost if b.total_cost else 0.0
    return Delta(absolute, percent, a.strategy)


@dataclass(frozen=True)
class PlanningResult:
    """Everything a report needs."""

    fleet: Fleet
    catalogue: Catalogue
    catalogue_path: Path
    options: PlanOptions
    plans: tuple[Plan, ...]
    models: tuple[StrategyModel, ...]
    prices_used: tuple[UsedPrice, ...]
    run_at: dt.datetime
    notes: tuple[str, ...] = field(default=())

    @property
    def delta(self) -> Delta | None:
        """Return the saving of the cheaper plan, or None with fewer than two plans."""
        return delta_of(self.plans)

    @property
    def unverified_prices(self) -> tuple[UsedPrice, ...]:
        """Return the used prices that are placeholders or from unverified sources."""
        return tuple(p for p in self.prices_used if p.unverified)

    def with_plans(self, plans: tuple[Plan, ...], notes: tuple[str, ...] = ()) -> PlanningResult:
        """Return this result with other plans (re-plans), its used prices taken from those plans."""
        return replace(self, plans=plans, prices_used=prices_used_by(plans, self.catalogue),
                       notes=self.notes + notes)


def prices_used_by(plans: tuple[Plan, ...] | list[Plan], catalogue: Catalogue) -> tuple[UsedPrice, ...]:
    """Return every catalogue price the plans' cost lines use (the workbook's Prices sheet)."""
    lines = [ln for p in plans for ln in [*p.plan_lines, *(ln for h in p.hosts for ln in h.lines)]]
    refs = {ln.ref for ln in lines} | {ln.discount_ref for ln in lines if ln.discount_ref}
    return tuple(refs_used(refs, catalogue))


def load_any_fleet(path: Path, replicas: str = "spec", team_label: str | None = None) -> Fleet:
    """Load a fleet CSV, or Kubernetes manifests (a YAML/JSON file or a folder of them)."""
    if is_kubernetes_input(path):
        fleet = load_kubernetes_fleet(path, replicas=replicas, team_label=team_label)  # type: ignore[arg-type]
    else:
        fleet = load_fleet(path)
    total = sum(s.replicas for s in fleet.services)
    if total > MAX_FLEET_REPLICAS:
        raise InputError(f"{path}: {total:,} replicas in all; expected at most {MAX_FLEET_REPLICAS:,} (Kubernetes "
                         "runs at most 150,000 pods per cluster): plan each cluster or team on its own")
    return fleet


def load_inputs(fleet_path: Path, pricing_path: Path, replicas: str = "spec",
                team_label: str | None = None) -> tuple[Fleet, Catalogue]:
    """Load both inputs, reporting the problems of both files together."""
    errors: list[str] = []
    fleet = catalogue = None
    try:
        fleet = load_any_fleet(fleet_path, replicas, team_label)
    except InputError as err:
        errors += err.problems
    try:
        catalogue = load_catalogue(pricing_path)
    except InputError as err:
        errors += err.problems
    if errors:
        raise InputError(errors, header=f"{len(errors)} problems in the input files:" if len(errors) > 1 else None)
    assert fleet is not None and catalogue is not None
    return fleet, catalogue


def missing_term(catalogue: Catalogue, pricing_path: Path, term: str) -> str | None:
    """Return the problem when ``catalogue`` has no commitment ``term`` (None when it has, or on-demand)."""
    if term == ON_DEMAND or term in catalogue.commitments:
        return None
    terms = ", ".join([ON_DEMAND, *sorted(catalogue.commitments)])
    return f"--commitment {term}: {pricing_path} has no commitments.{term}; expected one of {terms}"


def build_models(fleet: Fleet, catalogue: Catalogue, pricing_path: Path,
                 strategies: tuple[str, ...] = STRATEGIES, term: str = ON_DEMAND) -> tuple[StrategyModel, ...]:
    """Build each strategy's packing problem; report every unplaceable service of all strategies at once."""
    builders = {"vm-per-service": build_vm_model, "container-density": build_container_model}
    missing = missing_term(catalogue, pricing_path, term)
    if missing:
        raise PlannerError(missing)
    models, errors = [], []
    for name in strategies:
        try:
            models.append(builders[name](fleet, catalogue, str(pricing_path), term))
        except PlannerError as err:
            errors.append(err)
    if errors:
        # one list of every strategy's problems (a multi-line problem indented under its dash)
        problems = list(dict.fromkeys(p.replace("\n", "\n    ") for e in errors
                                      for p in (e.problems if isinstance(e, InputError) else [str(e)])))
        if len(errors) == 1 or len(problems) == 1:
            raise errors[0]
        if all(isinstance(e, InputError) for e in errors):
            raise InputError(problems)
        raise type(errors[0])(InputError(problems).render())
    return tuple(models)


def run_plan(fleet_path: Path, pricing_path: Path, options: PlanOptions = PlanOptions(),
             progress: Progress | None = None) -> PlanningResult:
    """Load inputs, solve every strategy, price and check the plans."""
    fleet, catalogue = load_inputs(fleet_path, pricing_path, options.replicas, options.team_label)
    notes = list(fleet.notes)
    overrides = [f"{s.name} {s.growth * 100:+g} %" for s in fleet.services if s.growth is not None]
    if options.growth or overrides:
        fleet = grow(fleet, options.growth)
        if not options.growth:
            notes.append(f"planned for growth from the growth column: {', '.join(overrides)}")
        else:
            notes.append(f"planned for growth: requests x{1 + options.growth:g}"
                         + (f" (the growth column overrides it for {len(overrides)} service(s): "
                            f"{', '.join(overrides)})" if overrides else ""))
    if options.commitment != ON_DEMAND:
        notes.append(f"priced at {options.commitment} commitment terms from the catalogue")
    models = build_models(fleet, catalogue, pricing_path, options.strategies, options.commitment)
    solve_options = SolveOptions(solver=options.solver, time_limit=options.time_limit, gap=options.gap)  # type: ignore[arg-type]
    plans = []
    for model in models:
        def report(phase: str, elapsed: float, cost: float | None, bound: float | None,
                   _strategy: str = model.strategy) -> None:
            if progress is not None:
                progress(_strategy, phase, elapsed, cost, bound)
        packing = solve_packing(model.problem, solve_options, report)
        if options.spare_hosts:
            packing = with_spares(model, packing, options.spare_hosts, options.gap)
        plan = extract_plan(model, packing)
        problems = check_plan(plan, model, fleet, catalogue)
        if problems:  # a bug, not a user error: keep the traceback
            raise AssertionError(f"{model.strategy} plan failed the independent check:\n" + "\n".join(problems))
        plans.append(plan)
    return PlanningResult(fleet, catalogue, pricing_path, options, tuple(plans), models,
                          prices_used_by(plans, catalogue), dt.datetime.now().replace(microsecond=0),
                          tuple(notes))
