"""Break-even and sensitivity: which price would have to change, and by how much, to flip the winner.

Prices are grouped by what they pay for (hypervisor licences, guest OS licences, host OS
licences, container platform, cluster fees, licence-included cloud OS, instances, host
hardware, support, power). Every price of a group is multiplied by a factor ``f`` in a
copy of the catalogue, and both strategies are re-solved; ``d(f)`` is the dearer
strategy's total minus the cheaper one's (positive while today's winner stays cheaper).

Break-even: the direction in which the winner loses ground is read from the tornado
points (0.75x, 1.25x); ``d`` at the end of that range (0 or ``F_MAX`` x today's prices,
the other end too when the first does not flip) tells whether the winner flips at all;
if it does, the crossing is found by regula falsi
(Illinois variant) with re-solves, which is exact in one step while both optimal plans
stay the same and otherwise narrows a bracket whose two ends are re-solved points with
different winners. The report gives the bracket, so "just above / just below" is a fact,
not an extrapolation.

Tornado: ``d`` at 0.75x and 1.25x of each group. Groups run in parallel (one task per
group, ``ProcessPoolExecutor`` with 2 workers; tasks carry paths and options, and results
are collected in group order, so the output does not depend on scheduling).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.catalogue.schema import Catalogue
from planner.engine import solve_packing
from planner.engine.problem import SolveOptions
from planner.errors import PlannerError
from planner.fleet import Fleet, grow
from planner.pipeline import PlanningResult, PlanOptions, build_models, load_inputs
from planner.plans import extract_plan
from planner.price_refs import describe
from planner.resilience import with_spares
from planner.strategies import StrategyModel

F_MAX = 10.0
TORNADO = (0.75, 1.25)
REL_TOL = 1e-3  # break-even factor to within 0.1 %
MAX_EVALS = 30

Progress = Callable[[int, int, str], None]  # done, total, label


# --- scaled catalogues ---------------------------------------------------------------


def all_price_refs(catalogue: Catalogue) -> list[str]:
    """Return the reference of every money figure in the catalogue."""
    refs: list[str] = []
    for i in catalogue.instance_types:
        refs.append(f"instance_types.{i.name}.price")
        refs += [f"instance_types.{i.name}.os_prices.{o}" for o in sorted(i.os_prices)]
    refs += [f"os_pricing.{o}.price" for o in sorted(catalogue.os_pricing)]
    for h in catalogue.host_models:
        refs.append(f"host_models.{h.name}.purchase")
        if h.support is not None:
            refs.append(f"host_models.{h.name}.support")
    if catalogue.facility is not None:
        for key in ("colocation_per_kw", "electricity_per_kwh"):
            if getattr(catalogue.facility, key) is not None:
                refs.append(f"facility.{key}")
    refs += [f"licences.{lic.name}.price" for lic in catalogue.licences]
    return refs


def _price_dict(data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Return the dumped Price dict a reference points at (mirrors planner.price_refs.resolve)."""
    head, _, rest = ref.partition(".")
    if head == "facility":
        return data["facility"][rest]
    if head == "os_pricing":
        return data["os_pricing"][rest.rsplit(".", 1)[0]]["price"]
    if head == "licences":
        name = rest.rpartition(".")[0]
        return next(x for x in data["licences"] if x["name"] == name)["price"]
    if head == "instance_types":
        if ".os_prices." in rest:
            name, _, os_name = rest.partition(".os_prices.")
            return next(x for x in data["instance_types"] if x["name"] == name)["os_prices"][os_name]
        name = rest.rsplit(".", 1)[0]
        return next(x for x in data["instance_types"] if x["name"] == name)["price"]
    if head == "host_models":
        name, _, key = rest.rpartition(".")
        return next(x for x in data["host_models"] if x["name"] == name)[key]
    raise KeyError(ref)


def scale_prices(catalogue: Catalogue, factor: float, refs: Iterable[str] | None = None) -> Catalogue:
    """Return a copy of ``catalogue`` with the prices at ``refs`` (default: every price) times ``factor``."""
    data = catalogue.model_dump(by_alias=True)
    for ref in (all_price_refs(catalogue) if refs is None else refs):
        price = _price_dict(data, ref)
        price["amount"] = price["amount"] * factor
    return Catalogue.model_validate(data)


def catalogue_yaml(catalogue: Catalogue) -> str:
    """Return YAML that loads back to ``catalogue`` (for writing scaled copies next to a report)."""
    import yaml

    return yaml.safe_dump(catalogue.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=False)


# --- price groups ----------------------------------------------------------------------


@dataclass(frozen=True)
class PriceGroup:
    """Prices that move together in the sensitivity analysis."""

    key: str
    label: str
    refs: tuple[str, ...]


ROLE_GROUPS = (("hypervisor", "hypervisor licences"), ("guest_os", "guest OS licences"),
               ("host_os", "host OS licences"), ("container_platform", "container platform licences"),
               ("fee", "cluster fees"))


def _strategy_licences(catalogue: Catalogue) -> set[str]:
    vm, ct = catalogue.strategies.vm_per_service, catalogue.strategies.container_density
    names = set(vm.hypervisor) | set(vm.fees) | {n for v in vm.guest_os.values() for n in v}
    names |= set(ct.container_platform) | set(ct.fees) | {n for v in ct.host_os.values() for n in v}
    return names


def _model_refs(model: StrategyModel) -> set[str]:
    refs = {ln.ref for ln in model.plan_lines}
    for o in model.offers:
        refs |= {ln.ref for ln in o.fixed_lines}
        refs |= {f"licences.{lic.name}.price" for opts in o.group_options.values() for lic, _, _ in opts}
    return refs


def price_groups(result: PlanningResult) -> list[PriceGroup]:
    """Return the groups of prices that some plan of ``result`` pays (in a fixed order)."""
    cat = result.catalogue
    used = {ln.ref for p in result.plans for ln in [*p.plan_lines, *(x for h in p.hosts for x in h.lines)]
            if ln.monthly > 0}
    wanted = _strategy_licences(cat)
    groups: list[PriceGroup] = []
    for role, label in ROLE_GROUPS:
        refs = tuple(f"licences.{lic.name}.price" for lic in cat.licences if lic.role == role and lic.name in wanted)
        groups.append(PriceGroup(role, label, refs))
    groups.append(PriceGroup("os_included", "licence-included OS prices",
                             tuple(r for r in all_price_refs(cat) if r.startswith("os_pricing.") or ".os_prices." in r)))
    groups.append(PriceGroup("instances", "instance prices",
                             tuple(f"instance_types.{i.name}.price" for i in cat.instance_types)))
    groups.append(PriceGroup("hardware", "host hardware prices",
                             tuple(f"host_models.{h.name}.purchase" for h in cat.host_models)))
    groups.append(PriceGroup("support", "host support and rack",
                             tuple(f"host_models.{h.name}.support" for h in cat.host_models if h.support)))
    groups.append(PriceGroup("power", "power and facility",
                             tuple(r for r in all_price_refs(cat) if r.startswith("facility."))))
    possible = set().union(*(_model_refs(m) for m in result.models))  # prices this fleet could pay at all
    groups = [PriceGroup(g.key, g.label, tuple(r for r in g.refs if r in possible)) for g in groups]
    return [g for g in groups if g.refs and used & set(g.refs)]


# --- evaluation (runs in worker processes) ---------------------------------------------


@dataclass(frozen=True)
class _Job:
    fleet_path: Path
    pricing_path: Path
    options: PlanOptions
    group: PriceGroup
    time_limit: float
    f_max: float
    factors: tuple[float, ...]


def prepared_inputs(fleet_path: Path, pricing_path: Path, options: PlanOptions) -> tuple[Fleet, Catalogue]:
    """Load the inputs as run_plan does (HPA replicas and growth applied)."""
    fleet, catalogue = load_inputs(fleet_path, pricing_path, options.replicas, options.team_label)
    if options.growth or any(s.growth is not None for s in fleet.services):
        fleet = grow(fleet, options.growth)
    return fleet, catalogue


def solve_costs(fleet: Fleet, catalogue: Catalogue, pricing_path: Path, options: PlanOptions,
                time_limit: float, strategies: tuple[str, ...] | None = None) -> dict[str, float]:
    """Return each strategy's optimal monthly total for this fleet and catalogue (as run_plan prices it)."""
    models = build_models(fleet, catalogue, pricing_path, strategies or options.strategies, options.commitment)
    so = SolveOptions(solver=options.solver, time_limit=time_limit, gap=options.gap)  # type: ignore[arg-type]
    out = {}
    for model in models:
        packing = solve_packing(model.problem, so)
        if options.spare_hosts:
            packing = with_spares(model, packing, options.spare_hosts, options.gap)
        out[model.strategy] = extract_plan(model, packing).total_cost
    return out


@dataclass(frozen=True)
class SensitivityRow:
    """One price group: its tornado points and where (if anywhere) the winner flips."""

    group: PriceGroup
    base_delta: float  # d(1): dearer minus cheaper, today
    tornado: tuple[tuple[float, float], ...]  # (factor, d(factor))
    direction: str | None  # "down" or "up": where the winner loses ground; None when neither plan's cost moves
    break_even: float | None  # factor where d = 0 (None: no flip within [0, f_max])
    winner_side: float | None  # a re-solved factor, next to break_even, where today's winner is still cheaper
    flipped_side: float | None  # a re-solved factor, next to break_even, where the other strategy is cheaper
    single_price: tuple[str, float, str] | None  # (ref, today's amount, unit) when the group is one price
    evaluations: int
    f_max: float = F_MAX
    price_name: str | None = None  # e.g. "VMware vSphere Foundation (licences.vvf.price)"

    @property
    def break_even_amount(self) -> float | None:
        """Return the break-even price itself when the group is one price."""
        if self.break_even is None or self.single_price is None:
            return None
        return self.single_price[1] * self.break_even


def _evaluate(job: _Job) -> SensitivityRow:
    fleet, catalogue = prepared_inputs(job.fleet_path, job.pricing_path, job.options)
    models = build_models(fleet, catalogue, job.pricing_path, job.options.strategies, job.options.commitment)
    affected = tuple(m.strategy for m in models if _model_refs(m) & set(job.group.refs))
    cache: dict[float, dict[str, float]] = {
        1.0: solve_costs(fleet, catalogue, job.pricing_path, job.options, job.time_limit)}

    def costs(f: float) -> dict[str, float]:
        f = round(f, 12)
        if f not in cache:
            out = dict(cache[1.0])
            if affected:
                scaled = scale_prices(catalogue, f, job.group.refs)
                out.update(solve_costs(fleet, scaled, job.pricing_path, job.options, job.time_limit, affected))
            cache[f] = out
        return cache[f]

    base = costs(1.0)
    winner, loser = sorted(base, key=lambda s: (base[s], s))[:2]

    def d(f: float) -> float:
        c = costs(f)
        return c[loser] - c[winner]

    tornado = tuple((f, d(f)) for f in job.factors)
    single = None
    if len(job.group.refs) == 1:
        u = describe(catalogue, job.group.refs[0])
        unit, name = u.unit, u.ref  # the unit already says what one amount buys: USD per physical core per year
        if u.ref.startswith("licences."):
            lic = next(x for x in catalogue.licences if f"licences.{x.name}.price" == u.ref)
            name = f"{lic.product} ({u.ref})"
        single = (u.ref, u.amount, unit)
    # which way does the winner lose ground? the tornado points say; both ends are tried, the steeper first
    d1 = d(1.0)
    drops = {"up": d1 - d(max(job.factors)), "down": d1 - d(min(job.factors))}
    order = sorted(drops, key=lambda k: (-drops[k], k))
    direction: str | None = next((k for k in order if drops[k] > 1e-9), None)
    break_even = winner_side = flipped_side = None
    for cand in order:
        end = job.f_max if cand == "up" else 0.0
        if d(end) < 0:
            direction = cand
            a, b = 1.0, end  # d(a) > 0 (winner), d(b) < 0 (flipped)
            da, db = d(a), d(b)
            side = 0
            for _ in range(MAX_EVALS):
                if abs(b - a) <= REL_TOL * max(1e-3, abs(a)):
                    break
                x = a - da * (b - a) / (db - da) if db != da else (a + b) / 2
                if not (min(a, b) < x < max(a, b)):
                    x = (a + b) / 2
                dx = d(x)
                if abs(dx) < 1e-9:  # on the crossing: step off it to both sides
                    step = REL_TOL * max(1e-3, abs(x)) / 2 * (1 if cand == "up" else -1)
                    if d(x - step) > 0 and d(x + step) < 0:
                        a, b = x - step, x + step
                        break
                    dx = 1e-9
                if dx > 0:
                    a, da = x, dx
                    if side == 1:
                        db /= 2  # Illinois: stop one end sticking
                    side = 1
                else:
                    b, db = x, dx
                    if side == -1:
                        da /= 2
                    side = -1
            # the crossing on the two re-solved plans at the bracket ends (undo the Illinois weights)
            ta, tb = d(a), d(b)
            break_even = a - ta * (b - a) / (tb - ta) if tb != ta else (a + b) / 2
            winner_side, flipped_side = a, b
            break
    return SensitivityRow(job.group, d1, tornado, direction, break_even, winner_side, flipped_side, single,
                          len(cache), job.f_max, name if single else None)


# --- the analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity of the delta to each price group, for one run."""

    currency: str
    winner: str
    loser: str
    base_delta: float
    rows: tuple[SensitivityRow, ...]
    time_limit: float

    def sentences(self) -> list[str]:
        """Return one plain sentence per group for the terminal and the sheet."""
        out = []
        for r in self.rows:
            what = f"the {r.group.label}"
            if r.break_even is None:
                out.append(f"{self.winner} stays cheaper with {what} anywhere from 0 to {r.f_max:g}x today's "
                           "(re-solved at both ends)")
                continue
            verb = "fall below" if r.direction == "down" else "rise above"
            if r.single_price is not None:
                ref, amount, unit = r.single_price
                moves = "falls below" if r.direction == "down" else "rises above"
                out.append(f"{self.winner} stays cheaper unless the price of {r.price_name or ref} {moves} "
                           f"{amount * r.break_even:,.4g} {unit} (today {amount:,.4g}; x{r.break_even:.3f})")
            else:
                out.append(f"{self.winner} stays cheaper unless {what} {verb} {r.break_even * 100:.1f} % "
                           "of today's prices")
        return out


def run_sensitivity(result: PlanningResult, *, groups: list[PriceGroup] | None = None,
                    time_limit: float | None = None, workers: int = 2, f_max: float = F_MAX,
                    factors: tuple[float, ...] = TORNADO, progress: Progress | None = None) -> Sensitivity:
    """Re-solve the run's fleet with each price group scaled; return break-evens and tornado points.

    ``time_limit``: seconds per re-solve (default min(10, the run's)). ``workers``: processes (1 = inline).
    """
    if len(result.plans) < 2:
        raise PlannerError("--sensitivity needs both strategies (a break-even is where the cheaper one flips)")
    groups = price_groups(result) if groups is None else groups
    tl = min(10.0, result.options.time_limit) if time_limit is None else time_limit
    jobs = [_Job(result.fleet.path, result.catalogue_path, result.options, g, tl, f_max, factors) for g in groups]
    rows: list[SensitivityRow | None] = [None] * len(jobs)
    if workers <= 1 or len(jobs) <= 1:
        for k, job in enumerate(jobs):
            rows[k] = _evaluate(job)
            if progress:
                progress(k + 1, len(jobs), job.group.label)
    else:
        ctx = multiprocessing.get_context("spawn")  # no fork after HiGHS threads have started
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            futures = {pool.submit(_evaluate, job): k for k, job in enumerate(jobs)}
            for done, fut in enumerate(cf.as_completed(futures), start=1):
                rows[futures[fut]] = fut.result()
                if progress:
                    progress(done, len(jobs), jobs[futures[fut]].group.label)
    costs = {p.strategy: p.total_cost for p in result.plans}
    winner, loser = sorted(costs, key=lambda s: (costs[s], s))[:2]
    return Sensitivity(result.catalogue.currency, winner, loser, costs[loser] - costs[winner],
                       tuple(r for r in rows if r is not None), tl)


__all__ = ["PriceGroup", "Sensitivity", "SensitivityRow", "all_price_refs", "catalogue_yaml", "price_groups",
           "run_sensitivity", "scale_prices", "solve_costs"]
