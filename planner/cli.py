"""The `plan` command: parse options, run the library, print. No arithmetic here."""

from __future__ import annotations

import json
import math
import re
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from planner import __version__
from planner.errors import PlannerError
from planner.pipeline import PlanOptions, load_inputs, run_plan
from planner.report import counted
from planner.report.json_out import result_dict
from planner.report.output import check_distinct, check_not_input, check_writable, workbook_path, write_outputs
from planner.report.terminal import render_summary

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

# --spare-hosts above this is not a failure domain any fleet plans for (and each spare is a row).
MAX_SPARE_HOSTS = 1000
# A day per strategy: longer is a typo (or inf).
MAX_TIME_LIMIT = 86_400


def _check_kubernetes_only(fleet: Path, replicas: str, team_label: str | None) -> None:
    """Refuse --replicas min|max and --team-label on a CSV fleet (they read Kubernetes objects only)."""
    from planner.kube import is_kubernetes_input

    if is_kubernetes_input(fleet):
        return
    if replicas != "spec":
        raise PlannerError(f"--replicas {replicas}: applies to Kubernetes manifests (HPA min/max); {fleet} is a "
                           "fleet CSV, whose replicas column gives the counts")
    if team_label is not None:
        raise PlannerError(f"--team-label {team_label!r}: applies to Kubernetes manifests (a label that names the "
                           f"team); {fleet} is a fleet CSV, whose team column names the team")


def parse_gap(text: str) -> float:
    """Return a relative gap from '0.1', '0.1%' (both percent)."""
    m = re.fullmatch(r"\s*([0-9]+\.?[0-9]*|\.[0-9]+)\s*%?\s*", text)
    if not m or float(m.group(1)) >= 100:
        raise PlannerError(f"--gap {text!r}: expected a percentage from 0 up to (not including) 100, such as 0.1 or 0.1%")
    return float(m.group(1)) / 100.0


def parse_growth_option(text: str) -> float:
    """Return a growth fraction from '30%' or '30' (a bare fraction such as 0.3 is refused: ``parse_growth``)."""
    from planner.fleet import GrowthError, parse_growth

    try:
        return parse_growth(text, bare_is_percent=True)
    except GrowthError as err:
        raise PlannerError(f"--{err.found}; expected {err.expected}") from None


@app.command()
def plan(
    fleet: Annotated[Path, typer.Argument(help="Fleet CSV (one row per service), or Kubernetes manifests: a "
                                               "YAML/JSON file or a folder of them (see README).", show_default=False)],
    pricing: Annotated[list[Path], typer.Option("--pricing", "-p", show_default=False,
                                                help="Price catalogue YAML; repeat to compare catalogues "
                                                     "(Scenarios sheet).")],
    out: Annotated[Optional[str], typer.Option(metavar="PATH", help="Workbook: a folder, or a path ending in .xlsx. "
                                                     "Default: reports/<fleet>__<catalogue>__<date_time>.xlsx")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the plans as JSON here "
                                                                 "(- : to standard output; the summary then goes to standard error).")] = None,
    solver: Annotated[str, typer.Option(help="MILP solver: highs or cbc.")] = "highs",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per strategy.", min=1)] = 60.0,
    gap: Annotated[str, typer.Option(help="Stop when proven within this gap, in percent.")] = "0.1",
    growth: Annotated[str, typer.Option(help="Plan for growth: every replica's requests grow by this "
                                                "percentage (a fleet 'growth' column overrides it per service).")] = "0%",
    spare_hosts: Annotated[int, typer.Option("--spare-hosts", min=0, max=MAX_SPARE_HOSTS,
                                             help="Keep spare capacity so that any N hosts can fail.")] = 0,
    commitment: Annotated[str, typer.Option(help="Price at on-demand, 1y or 3y commitment terms "
                                                 "(the catalogue's commitments).")] = "on-demand",
    replicas: Annotated[str, typer.Option(help="Kubernetes input: replicas from spec, or an HPA's min or max.")
                        ] = "spec",
    team_label: Annotated[Optional[str], typer.Option("--team-label", help="Kubernetes input: label naming the "
                                                                           "team (default: the namespace).")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Workbook or --json file of an earlier run: "
                                                          "add a Changes sheet.")] = None,
    max_moves: Annotated[Optional[int], typer.Option("--max-moves", min=0, help="With --baseline: re-plan moving at "
                                                     "most N replicas off their baseline host.")] = None,
    sensitivity: Annotated[bool, typer.Option("--sensitivity", help="Break-even and tornado per price group "
                                                                    "(re-solves).")] = False,
    fx: Annotated[Optional[list[str]], typer.Option("--fx", help="Rate for a catalogue in another currency: "
                                                    "EUR=1.08 (one EUR in the first catalogue's currency).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing workbook or JSON file.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
) -> None:
    """Plan a fleet both ways (one VM per service, dense containers) and write the comparison.

    Sub-commands: plan convert MANIFESTS --to FLEET.csv (a fleet CSV from manifests); plan --version.
    """
    json_to_stdout = json_path is not None and str(json_path) == "-"
    console = Console(stderr=json_to_stdout)  # stdout then carries the JSON alone
    errors = Console(stderr=True)
    try:
        if solver not in ("highs", "cbc"):
            raise PlannerError(f"--solver {solver!r}: expected highs or cbc")
        if commitment not in ("on-demand", "1y", "3y"):
            raise PlannerError(f"--commitment {commitment!r}: expected on-demand, 1y or 3y")
        if replicas not in ("spec", "min", "max"):
            raise PlannerError(f"--replicas {replicas!r}: expected spec, min or max")
        if not math.isfinite(time_limit) or time_limit > MAX_TIME_LIMIT:
            raise PlannerError(f"--time-limit {time_limit:g}: expected a finite number of seconds "
                               f"from 1 to {MAX_TIME_LIMIT:,}")
        _check_kubernetes_only(fleet, replicas, team_label)
        options = PlanOptions(solver=solver, time_limit=time_limit, gap=parse_gap(gap), growth=parse_growth_option(growth),
                              spare_hosts=spare_hosts, commitment=commitment, replicas=replicas, team_label=team_label)
        if max_moves is not None and baseline is None:
            raise PlannerError("--max-moves needs --baseline PREVIOUS.xlsx (or PLAN.json)")
        from planner.replan import check_baseline, compare_to_baseline, load_baseline, summary_lines
        from planner.scenarios import check_currencies, check_plannable, parse_fx, run_scenarios

        main_pricing = pricing[0]
        rates = parse_fx(fx)
        if len(pricing) > 1 or rates:
            check_currencies(pricing, rates, commitment)  # repeats, currencies, rates, terms: before any solve
        if len(pricing) > 1:  # a service no host of a later catalogue fits: before the first catalogue's solves
            check_plannable(fleet, pricing[1:], options)
        base = load_baseline(baseline) if baseline is not None else None
        if base is not None:
            check_baseline(base, *load_inputs(fleet, main_pricing, replicas, team_label))
        if out is not None and not out.strip():  # Path("") is the current folder: an unset $VAR, not a choice
            raise PlannerError(f"--out {out!r}: an empty path; expected a folder or a path ending in .xlsx "
                               "(omit --out for the default, reports/)")
        if out is not None and str(out) == "-":
            raise PlannerError("--out -: the workbook cannot go to standard output; give a folder or a path "
                               "ending in .xlsx")
        started = datetime.now().replace(second=0, microsecond=0)
        xlsx = workbook_path(Path(out) if out is not None else None, fleet, main_pricing, started)
        check_writable(xlsx, force)
        inputs = [(fleet, "fleet CSV" if fleet.suffix.lower() == ".csv" else "Kubernetes manifests"),
                  *((p, "price catalogue") for p in pricing),
                  *(((baseline, "baseline"),) if baseline is not None else ())]
        check_not_input(xlsx, "--out", inputs)
        if json_path is not None and not json_to_stdout:
            check_writable(json_path, force, "--json")
            check_not_input(json_path, "--json", inputs)
            check_distinct([xlsx, json_path])
        result = _run(fleet, main_pricing, options, errors, quiet)
        optimal = result
        changes = sens = scen = None
        if base is not None:
            changes = compare_to_baseline(result, base, max_moves)
            result = changes.result  # churn-limited plans with --max-moves
        if sensitivity:
            from planner.sensitivity import run_sensitivity

            sens = _with_status(errors, quiet, "sensitivity", lambda cb: run_sensitivity(optimal, progress=cb))
        if len(pricing) > 1:
            scen = _with_status(errors, quiet, "scenarios", lambda cb: run_scenarios(
                fleet, pricing, options, fx=rates, first=optimal, progress=cb))
        from planner.report.workbook import write_workbook

        final = result
        targets = [(xlsx, lambda tmp: write_workbook(final, tmp, changes=changes, sensitivity=sens,
                                                     scenarios=scen))]
        data = json.dumps(result_dict(result), indent=2) if json_path is not None else ""
        if json_path is not None and not json_to_stdout:
            targets.append((json_path, lambda tmp: tmp.write_text(data, encoding="utf-8")))
        write_outputs(targets)  # all or nothing: no workbook without its JSON
        outputs = [path for path, _ in targets]
        extra_lines = [*(summary_lines(changes) if changes else []), *(sens.sentences() if sens else []),
                       *(scen.lines() if scen else [])]
    except (PlannerError, OSError) as err:
        errors.print(f"[bold red]error:[/] {escape(_describe(err))}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        errors.print("interrupted: nothing written")
        raise typer.Exit(code=130) from None
    if json_to_stdout:
        sys.stdout.write(data + "\n")
        sys.stdout.flush()
    render_summary(result, outputs, console)
    for line in extra_lines:
        console.print(line, markup=False, highlight=False)


def _describe(err: PlannerError | OSError) -> str:
    """The error line: a planner error as it is; an operating-system one with the file it names
    (a path too long for the file system, a symbolic link that loops)."""
    if isinstance(err, PlannerError):
        return str(err)
    where = f"{err.filename}: " if err.filename is not None else ""
    return f"{where}{err.strerror or err}; expected a file path this system can open"


def _with_status(errors: Console, quiet: bool, what: str, work):  # type: ignore[no-untyped-def]
    """Run ``work(progress)`` showing '<what>: done/total label' on stderr."""
    if quiet or not errors.is_terminal:
        return work(None)
    with errors.status(f"{what}...") as status:
        started = time.monotonic()

        def progress(done: int, total: int, label: str) -> None:
            status.update(f"{what}: {done}/{total} {escape(label)} ({time.monotonic() - started:.0f} s)")
        return work(progress)


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
    to: Annotated[Path, typer.Option("--to", help="Fleet CSV to write (- : standard output).",
                                     show_default=False)],
    replicas: Annotated[str, typer.Option(help="Replicas from spec, or an HPA's min or max.")] = "spec",
    team_label: Annotated[Optional[str], typer.Option("--team-label", help="Label naming the team.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing CSV.")] = False,
) -> None:
    """Write a fleet CSV from Kubernetes manifests, to review and edit before planning."""
    from planner.kube import fleet_csv_text, load_kubernetes_fleet, write_fleet_csv

    errors = Console(stderr=True)
    to_stdout = str(to) == "-"
    try:
        if replicas not in ("spec", "min", "max"):
            raise PlannerError(f"--replicas {replicas!r}: expected spec, min or max")
        if not to_stdout:
            check_writable(to, force, "--to")
            check_not_input(to, "--to", [(manifests, "Kubernetes manifests")])
        fleet = load_kubernetes_fleet(manifests, replicas=replicas, team_label=team_label)  # type: ignore[arg-type]
        if to_stdout:  # the CSV alone on standard output; notes go to standard error
            sys.stdout.write(fleet_csv_text(fleet))
            sys.stdout.flush()
        else:
            write_fleet_csv(fleet, to)
    except (PlannerError, OSError) as err:
        errors.print(f"[bold red]error:[/] {escape(_describe(err))}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    console = Console(stderr=to_stdout)
    for note in fleet.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if fleet.daemonset_pods or fleet.daemonset_os:
        console.print("[yellow]DaemonSet per-node overhead is not kept in the CSV: plan the manifests directly "
                      "to include it[/]")
    where = "the CSV to standard output" if to_stdout else escape(str(to))
    console.print(f"wrote [bold]{where}[/]: {counted(len(fleet.services), 'service')}, "
                  f"{counted(fleet.total_replicas, 'replica')}")


def _terminate(signum: int, frame: object) -> None:
    """Treat SIGTERM (timeout, kill) like Ctrl-C: stop, clean up, write nothing."""
    raise KeyboardInterrupt


# Options that take one value. Click keeps the last of repeated ones and drops the others
# without a word (`--baseline old.xlsx ... --baseline new.xlsx`), so a repeat is refused.
PLAN_SINGLE_VALUE_OPTIONS = frozenset({
    "--out", "--json", "--solver", "--time-limit", "--gap", "--growth", "--spare-hosts", "--commitment",
    "--replicas", "--team-label", "--baseline", "--max-moves"})
CONVERT_SINGLE_VALUE_OPTIONS = frozenset({"--to", "--replicas", "--team-label"})


def repeated_option(args: list[str], names: frozenset[str]) -> str | None:
    """Return an error for the first single-value option in ``args`` given more than once, or None."""
    given: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, equals, value = token.partition("=")
        if name in names:
            if not equals:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1  # the value, not an option
            given.setdefault(name, []).append(value)
        i += 1
    for name, values in given.items():
        if len(values) > 1:
            return f"{name} given {len(values)} times ({', '.join(repr(v) for v in values)}): give it once"
    return None


def main() -> None:
    """Console-script entry point: `plan FLEET ...`, or `plan convert MANIFESTS --to fleet.csv`."""
    signal.signal(signal.SIGTERM, _terminate)
    if len(sys.argv) > 1 and sys.argv[1] == "--version":
        print(f"planner {__version__}")
        return
    converting = len(sys.argv) > 1 and sys.argv[1] == "convert"
    args = sys.argv[2:] if converting else sys.argv[1:]
    problem = repeated_option(args, CONVERT_SINGLE_VALUE_OPTIONS if converting else PLAN_SINGLE_VALUE_OPTIONS)
    if problem is not None:
        Console(stderr=True).print(f"[bold red]error:[/] {escape(problem)}", markup=True, highlight=False,
                                   soft_wrap=True)
        sys.exit(2)
    if converting:
        convert_app(args=args, prog_name="plan convert")
        return
    app()
