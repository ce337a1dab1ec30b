"""The short terminal summary (rich): totals, delta, winner, status and gap, unverified prices."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from planner.pipeline import PlanningResult
from planner.report import counted
from planner.report.why import delta_explanation


def money(amount: float, currency: str) -> str:
    """Return an amount like ``USD 1,234.56``."""
    return f"{currency} {amount:,.2f}"


def render_summary(result: PlanningResult, outputs: list[Path], console: Console) -> None:
    """Print the summary of a planning run."""
    cur = result.catalogue.currency
    fleet = result.fleet
    console.print(
        f"[bold]{escape(fleet.name)}[/]: {counted(len(fleet.services), 'service')}, "
        f"{counted(fleet.total_replicas, 'replica')} "
        f"- priced with [bold]{escape(result.catalogue.name)}[/] (as of {result.catalogue.as_of})"
    )
    table = Table(show_header=True, header_style="bold")
    for col in ("strategy", f"{cur}/month", f"{cur}/year", "hosts", "status", "gap"):
        table.add_column(col, justify="left" if col in ("strategy", "status") else "right", no_wrap=True)
    for plan in result.plans:
        table.add_row(
            plan.strategy, f"{plan.total_cost:,.2f}", f"{plan.total_cost * 12:,.0f}", str(len(plan.hosts)),
            plan.status, f"{plan.gap * 100:.2f} %",
        )
    console.print(table)
    delta = result.delta
    if delta is not None and delta.tie:  # neither is "cheaper by 0.00"
        console.print(f"neither strategy is cheaper: {' and '.join(p.strategy for p in result.plans)} cost "
                      f"{money(result.plans[0].total_cost, cur)} per month each")
    elif delta is not None:
        console.print(
            f"[bold green]{delta.cheaper}[/] is cheaper by {money(delta.absolute, cur)} per month "
            f"({delta.percent:.1f} %, {money(delta.absolute * 12, cur)} per year)"
        )
        why = delta_explanation(result)
        if why:
            console.print(f"why: {escape(why)}")
    opts = result.options
    if opts.commitment != "on-demand":
        for plan in result.plans:
            console.print(f"{plan.strategy} at {opts.commitment} terms: {money(plan.total_cost, cur)} per month; "
                          f"on-demand equivalent {money(plan.on_demand_cost, cur)}")
    overridden = sum(1 for s in result.fleet.services if s.growth is not None)
    if opts.growth:
        console.print(f"planned for {opts.growth * 100:g} % growth of every replica's requests"
                      + (f", except {overridden} service(s) with their own growth column value" if overridden else ""))
    elif overridden:
        console.print(f"planned for growth: {overridden} service(s) grown by their growth column value")
    if opts.spare_hosts:
        for plan in result.plans:
            console.print(f"{plan.strategy}: {plan.spare_hosts} spare host(s) so that any {opts.spare_hosts} "
                          "host(s) can fail")
    for plan in result.plans:
        if plan.status != "optimal":
            console.print(f"[yellow]{plan.strategy}: no plan can cost less than {money(plan.lower_bound, cur)} "
                          f"(gap {plan.gap * 100:.2f} %): {escape(plan.gap_reason)}[/]")
    notes = [*result.notes, *dict.fromkeys(n for p in result.plans for n in p.notes)]
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if result.unverified_prices:
        console.print(f"[yellow]{len(result.unverified_prices)} price(s) used are unverified placeholders:[/]")
        for p in result.unverified_prices:
            console.print(f"[yellow]  - {escape(f'{p.ref}: {p.amount:g} {p.unit} ({p.source_title})')}[/]")
    for path in outputs:
        console.print(f"wrote [bold]{escape(str(path))}[/]")
