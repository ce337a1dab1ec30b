"""The `plan` command: parse options, run the library, print. No arithmetic here."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from planner import __version__
from planner.errors import PlannerError
from planner.pipeline import PlanOptions, run_plan
from planner.report.json_out import result_dict
from planner.report.output import check_writable, workbook_path, write_atomically
from planner.report.terminal import render_summary

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def parse_gap(text: str) -> float:
    """Return a relative gap from '0.1', '0.1%' (both percent)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*%?\s*", text)
    if not m or float(m.group(1)) >= 100:
        raise PlannerError(f"--gap {text!r}: expected a percentage such as 0.1 or 0.1%")
    return float(m.group(1)) / 100.0


def parse_growth_option(text: str) -> float:
    """Return a growth fraction from '30%' or '30' (both percent)."""
    m = re.fullmatch(r"\s*([+-]?[0-9]*\.?[0-9]+)\s*%?\s*", text)
    if not m or not -100 < float(m.group(1)) <= 10000:
        raise PlannerError(f"--growth {text!r}: expected a percentage such as 30%")
    return float(m.group(1)) / 100.0


@app.command()
def plan(
    fleet: Annotated[Path, typer.Argument(help="Fleet CSV: one row per service (see README).", show_default=False)],
    pricing: Annotated[Path, typer.Option("--pricing", "-p", help="Price catalogue YAML.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option(help="Workbook: a folder, or a path ending in .xlsx. "
                                                     "Default: reports/<fleet>__<catalogue>__<date_time>.xlsx")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the plans as JSON here.")] = None,
    solver: Annotated[str, typer.Option(help="MILP solver: highs or cbc.")] = "highs",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per strategy.", min=1)] = 60.0,
    gap: Annotated[str, typer.Option(help="Stop when proven within this gap, in percent.")] = "0.1",
    growth: Annotated[str, typer.Option(help="Plan for growth: every replica's requests grow by this "
                                                "percentage (a fleet 'growth' column overrides it per service).")] = "0%",
    spare_hosts: Annotated[int, typer.Option("--spare-hosts", min=0,
                                             help="Keep spare capacity so that any N hosts can fail.")] = 0,
    commitment: Annotated[str, typer.Option(help="Price at on-demand, 1y or 3y commitment terms "
                                                 "(the catalogue's commitments).")] = "on-demand",
    replicas: Annotated[str, typer.Option(help="Kubernetes input: replicas from spec, or an HPA's min or max.")
                        ] = "spec",
    team_label: Annotated[Optional[str], typer.Option("--team-label", help="Kubernetes input: label naming the "
                                                                           "team (default: the namespace).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing workbook or JSON file.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
) -> None:
    """Plan a fleet both ways (one VM per service, dense containers) and write the comparison."""
    console = Console(stderr=False)
    errors = Console(stderr=True)
    try:
        if solver not in ("highs", "cbc"):
            raise PlannerError(f"--solver {solver!r}: expected highs or cbc")
        if commitment not in ("on-demand", "1y", "3y"):
            raise PlannerError(f"--commitment {commitment!r}: expected on-demand, 1y or 3y")
        if replicas not in ("spec", "min", "max"):
            raise PlannerError(f"--replicas {replicas!r}: expected spec, min or max")
        options = PlanOptions(solver=solver, time_limit=time_limit, gap=parse_gap(gap), growth=parse_growth_option(growth),
                              spare_hosts=spare_hosts, commitment=commitment, replicas=replicas, team_label=team_label)
        started = time.strftime("%Y-%m-%d %H:%M")
        from datetime import datetime
        xlsx = workbook_path(out, fleet, pricing, datetime.strptime(started, "%Y-%m-%d %H:%M"))
        check_writable(xlsx, force)
        if json_path is not None:
            check_writable(json_path, force)
        result = _run(fleet, pricing, options, errors, quiet)
        from planner.report.workbook import write_workbook

        write_atomically(xlsx, lambda tmp: write_workbook(result, tmp))
        outputs = [xlsx]
        if json_path is not None:
            data = json.dumps(result_dict(result), indent=2)
            write_atomically(json_path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
            outputs.append(json_path)
    except PlannerError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        errors.print("interrupted: nothing written")
        raise typer.Exit(code=130) from None
    render_summary(result, outputs, console)


def _run(fleet: Path, pricing: Path, options: PlanOptions, errors: Console, quiet: bool):  # type: ignore[no-untyped-def]
    """Run the planner with a live progress line on stderr."""
    if quiet or not errors.is_terminal:
        return run_plan(fleet, pricing, options)
    with errors.status("planning...") as status:
        def progress(strategy: str, phase: str, elapsed: float, cost: float | None, bound: float | None) -> None:
            gap = f", gap {(cost - bound) / cost * 100:.2f} %" if cost and bound is not None else ""
            status.update(f"{strategy}: {phase}, {elapsed:.0f} s{gap}")
        return run_plan(fleet, pricing, options, progress)


convert_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@convert_app.command()
def convert(
    manifests: Annotated[Path, typer.Argument(help="Kubernetes manifests: a YAML/JSON file or a folder.",
                                              show_default=False)],
    to: Annotated[Path, typer.Option("--to", help="Fleet CSV to write.", show_default=False)],
    replicas: Annotated[str, typer.Option(help="Replicas from spec, or an HPA's min or max.")] = "spec",
    team_label: Annotated[Optional[str], typer.Option("--team-label", help="Label naming the team.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing CSV.")] = False,
) -> None:
    """Write a fleet CSV from Kubernetes manifests, to review and edit before planning."""
    from planner.kube import load_kubernetes_fleet, write_fleet_csv

    errors = Console(stderr=True)
    try:
        if replicas not in ("spec", "min", "max"):
            raise PlannerError(f"--replicas {replicas!r}: expected spec, min or max")
        check_writable(to, force)
        fleet = load_kubernetes_fleet(manifests, replicas=replicas, team_label=team_label)  # type: ignore[arg-type]
        write_fleet_csv(fleet, to)
    except PlannerError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    console = Console()
    for note in fleet.notes:
        console.print(f"[dim]note: {note}[/]")
    if fleet.daemonset_pods:
        console.print("[yellow]DaemonSet per-node overhead is not kept in the CSV: plan the manifests directly "
                      "to include it[/]")
    console.print(f"wrote [bold]{to}[/]: {len(fleet.services)} services, {fleet.total_replicas} replicas")


def main() -> None:
    """Console-script entry point: `plan FLEET ...`, or `plan convert MANIFESTS --to fleet.csv`."""
    if len(sys.argv) > 1 and sys.argv[1] == "--version":
        print(f"planner {__version__}")
        return
    if len(sys.argv) > 1 and sys.argv[1] == "convert":
        convert_app(args=sys.argv[2:], prog_name="plan convert")
        return
    app()
