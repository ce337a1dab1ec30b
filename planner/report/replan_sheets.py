"""Workbook sheets for re-planning: Changes (vs a baseline), Sensitivity (break-even, tornado), Scenarios.

Each writer adds one sheet to an openpyxl workbook; ``write_workbook`` calls them when the
run has a baseline, ``--sensitivity`` or several ``--pricing`` catalogues. Values are
written as numbers (not formulas): they come from re-solves that a spreadsheet cannot redo.
"""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.replan import Changes
from planner.report.workbook_style import Styles, autowidth, header_row, put
from planner.scenarios import Scenarios
from planner.sensitivity import Sensitivity

CHANGES_SHEET = "Changes"
SENSITIVITY_SHEET = "Sensitivity"
SCENARIOS_SHEET = "Scenarios"
HEADER = 3  # title row 1, note row 2, first table header row 3
PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_date(text: object) -> object:
    """Return a plain ``YYYY-MM-DD`` date as a date (an Excel date cell); anything else as given."""
    if isinstance(text, str) and PLAIN_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _title(ws: Worksheet, st: Styles, title: str, note: str) -> None:
    put(ws, 1, 1, title, st.title)
    put(ws, 2, 1, note, st.note)


def _section(ws: Worksheet, st: Styles, row: int, title: str) -> int:
    put(ws, row, 1, title, st.subtitle)
    return row + 1


def _waterfall(ws: Worksheet, st: Styles, row: int, col: int, label: str,
               steps: list[tuple[str, float]], start: float, end: float) -> tuple[int, BarChart]:
    """Write a waterfall helper table at (row, col) and return the next free row and a stacked bar chart."""
    header_titles = ["step", "base", "increase", "decrease", "total"]
    for k, t in enumerate(header_titles):
        put(ws, row, col + k, t, st.header)
    r = row + 1
    put(ws, r, col, "baseline", st.label)
    for k, v in enumerate([0.0, 0.0, 0.0, start]):
        put(ws, r, col + 1 + k, v, st.money)
    running = start
    for name, e in steps:
        r += 1
        put(ws, r, col, name, st.label)
        for k, v in enumerate([min(running, running + e), max(e, 0.0), max(-e, 0.0), 0.0]):
            put(ws, r, col + 1 + k, v, st.money)
        running += e
    r += 1
    put(ws, r, col, "this run", st.label)
    for k, v in enumerate([0.0, 0.0, 0.0, end]):
        put(ws, r, col + 1 + k, v, st.money)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = f"{label}: baseline to this run"
    chart.y_axis.title = "per month"
    data = Reference(ws, min_col=col + 1, max_col=col + 4, min_row=row, max_row=r)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=col, min_row=row + 1, max_row=r))
    base = chart.series[0]
    base.graphicalProperties = GraphicalProperties(noFill=True)
    base.graphicalProperties.line.noFill = True
    for series, colour in zip(chart.series[1:], ("C00000", "70AD47", "1F4E78")):
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
    chart.legend.position = "b"
    chart.height, chart.width = 7.5, 16
    return r + 2, chart


def write_changes_sheet(wb: Workbook, changes: Changes, currency: str) -> Worksheet:
    """Add the Changes sheet: effects per strategy with waterfalls, hosts by type, moves, churn table."""
    st = Styles(currency)
    ws = wb.create_sheet(CHANGES_SHEET)
    b = changes.baseline
    _title(ws, st, "Changes since the baseline",
           f"Monthly costs in {currency}. Baseline {b.path}: fleet {b.fleet_name}, priced with {b.catalogue_name} "
           f"(as of {b.catalogue_as_of}). "
           "price effect = baseline placement at the new prices - baseline; re-optimisation = optimal plan of the "
           "baseline fleet at the new prices - that; volume = this run's plan - that (services added, removed, "
           "resized); churn limit = the --max-moves plan - the optimal plan.")
    has_churn = any(s.churn for s in changes.strategies)
    titles = ["strategy", "baseline", "price effect", "re-optimisation effect", "volume effect"]
    titles += ["churn limit"] if has_churn else []
    titles += ["this run", "total change", "change %", "replicas moved"]
    header_row(ws, HEADER, titles, st)
    r = HEADER
    for s in changes.strategies:
        r += 1
        effects = [a for _, a in s.effects()]
        values: list[object] = [s.strategy, s.baseline_cost, *effects[:3]]
        values += [effects[3] if len(effects) > 3 else 0.0] if has_churn else []
        values += [s.final_cost, s.total_change, s.total_change / s.baseline_cost if s.baseline_cost else 0.0,
                   len(s.moves)]
        for c, v in enumerate(values, 1):
            fmt = st.label if c == 1 else "0.0%" if titles[c - 1] == "change %" else \
                "0" if titles[c - 1] == "replicas moved" else st.money_delta
            put(ws, r, c, "n/a" if v is None else v, fmt if v is not None else st.note)
    r += 2
    put(ws, r, 1, f"cheaper strategy: {changes.cheaper_before or 'neither (same cost)'} in the baseline, "
                  f"{changes.cheaper_after or 'neither (same cost)'} now"
        + (" - the cheaper strategy CHANGED" if changes.winner_changed else " (unchanged)"), st.bold)
    r += 1
    f = changes.fleet
    if f.unchanged:
        put(ws, r, 1, "fleet: unchanged", st.label)
    else:
        for label, names in (("services added", f.added), ("services removed", f.removed),
                             ("services resized", f.resized)):
            if names:
                put(ws, r, 1, f"{label}: {', '.join(names)}", st.label)
                r += 1
    r += 2
    # waterfalls, side by side below the table
    chart_row = r
    helper_col = 20  # helper tables live to the right, out of the way
    hr = HEADER
    for k, s in enumerate(changes.strategies):
        steps = [(name, a) for name, a in s.effects() if a is not None]
        hr, chart = _waterfall(ws, st, hr, helper_col, s.strategy, steps, s.baseline_cost, s.final_cost)
        ws.add_chart(chart, f"{'A' if k % 2 == 0 else 'I'}{chart_row + 16 * (k // 2)}")
    r = chart_row + 16 * ((len(changes.strategies) + 1) // 2) + 1
    r = _section(ws, st, r, "Hosts by type")
    header_row(ws, r, ["strategy", "host type", "baseline", "this run", "added", "removed"], st)
    for s in changes.strategies:
        for t in sorted(set(s.hosts_before) | set(s.hosts_after)):
            r += 1
            before, after = s.hosts_before.get(t, 0), s.hosts_after.get(t, 0)
            for c, v in enumerate([s.strategy, t, before, after, max(0, after - before), max(0, before - after)], 1):
                put(ws, r, c, v, st.label if c <= 2 else "0")
    r += 2
    r = _section(ws, st, r, "Replicas moved (replicas of a service are interchangeable: a move is one replica "
                 "fewer on a baseline host and one more elsewhere)")
    header_row(ws, r, ["strategy", "service", "from (baseline host)", "to (this run's host)"], st)
    any_move = False
    for s in changes.strategies:
        for m in s.moves:
            r += 1
            any_move = True
            for c, v in enumerate([s.strategy, m.service, m.from_host, m.to_host], 1):
                put(ws, r, c, v, st.label)
    if not any_move:
        r += 1
        put(ws, r, 1, "no replica moved", st.note)
    if has_churn:
        r += 2
        r = _section(ws, st, r, "Savings against moves (--max-moves): the best plan found with at most N replicas "
                     "moved from the baseline")
        header_row(ws, r, ["strategy", "at most N moves", "replicas moved", "cost per month",
                           "saving vs no move", "hosts", "how"], st)
        for s in changes.strategies:
            zero = s.churn[0].cost if s.churn else 0.0
            for row in s.churn:
                r += 1
                for c, v in enumerate([s.strategy, row.budget, row.moves, row.cost, zero - row.cost, row.hosts,
                                       row.method], 1):
                    put(ws, r, c, v, st.money if c in (4, 5) else "0" if c in (2, 3, 6) else st.label)
    notes = [*changes.notes, *(f"{s.strategy}: {n}" for s in changes.strategies for n in s.notes)]
    if notes:
        r += 2
        r = _section(ws, st, r, "Notes")
        for n in notes:
            put(ws, r, 1, n, st.note)
            r += 1
    autowidth(ws, {1: 22, 2: 14}, HEADER)
    return ws


def write_sensitivity_sheet(wb: Workbook, sensitivity: Sensitivity, currency: str) -> Worksheet:
    """Add the Sensitivity sheet: break-even per price group, tornado table and chart."""
    st = Styles(currency)
    ws = wb.create_sheet(SENSITIVITY_SHEET)
    sens = sensitivity
    _title(ws, st, f"Sensitivity: how far prices must move before {sens.loser} beats {sens.winner}",
           f"delta = {sens.loser} - {sens.winner} per month (positive: {sens.winner} cheaper). Every price of a "
           f"group is scaled together and both strategies re-solved ({sens.time_limit:g} s per solve). Break-even "
           "by regula falsi between re-solved points with different winners.")
    titles = ["price group", "prices", "delta today", "delta at -25 %", "delta at +25 %", "break-even (x today)",
              "break-even price", "today's price", "winner still cheaper at (x)", "winner flipped at (x)"]
    header_row(ws, HEADER, titles, st)
    r = HEADER
    for row in sens.rows:
        r += 1
        t = dict(row.tornado)
        lo, hi = min(t), max(t)
        values: list[object] = [row.group.label, ", ".join(row.group.refs), row.base_delta, t[lo], t[hi],
                                row.break_even, row.break_even_amount,
                                row.single_price[1] if row.single_price else None,
                                row.winner_side, row.flipped_side]
        fmts = [st.label, st.label, st.money_delta, st.money_delta, st.money_delta, "0.000", "#,##0.00####",
                "#,##0.00####", "0.0000", "0.0000"]
        for c, (v, fmt) in enumerate(zip(values, fmts, strict=True), 1):
            if v is None:
                put(ws, r, c, f"no flip in 0-{row.f_max:g}x" if c == 6 else "", st.note)
            else:
                put(ws, r, c, v, fmt)
    last = r
    r += 2
    r = _section(ws, st, r, "In words")
    for text in sens.sentences():
        put(ws, r, 1, text, st.label)
        r += 1
    # tornado: change of the delta at -25 % / +25 %, one bar pair per group
    r += 1
    tr = r
    for c, t in enumerate(["price group", "-25 %", "+25 %"], 1):
        put(ws, tr, c, t, st.header)
    for k, row in enumerate(sens.rows, 1):
        t = dict(row.tornado)
        put(ws, tr + k, 1, row.group.label, st.label)
        put(ws, tr + k, 2, t[min(t)] - row.base_delta, st.money_delta)
        put(ws, tr + k, 3, t[max(t)] - row.base_delta, st.money_delta)
    if sens.rows:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        chart.title = "Tornado: change of the delta with each price group at -25 % / +25 %"
        chart.x_axis.title = "price group"
        chart.y_axis.title = f"change of delta per month ({currency})"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=tr, max_row=tr + len(sens.rows)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=tr + 1, max_row=tr + len(sens.rows)))
        chart.height, chart.width = 8, 18
        ws.add_chart(chart, f"E{tr}")
    autowidth(ws, {1: 26, 2: 30}, HEADER, hi=45, max_row=last)
    return ws


def write_scenarios_sheet(wb: Workbook, scenarios: Scenarios, currency: str) -> Worksheet:
    """Add the Scenarios sheet: catalogue x strategy totals, delta to the cheapest, a chart."""
    st = Styles(currency)
    ws = wb.create_sheet(SCENARIOS_SHEET)
    name, strategy, cheapest = scenarios.cheapest
    _title(ws, st, "Scenarios: every strategy on every catalogue",
           f"Monthly totals in {scenarios.currency}. Cheapest: {strategy} on {name} "
           f"({scenarios.currency} {cheapest:,.2f} per month).")
    strategies = list(scenarios.strategies)
    titles = ["catalogue", "as of", "currency", f"rate ({scenarios.currency})", *strategies,
              *(f"{s}: delta to cheapest" for s in strategies), "cheaper strategy", "file"]
    header_row(ws, HEADER, titles, st)
    r = HEADER
    for sc in scenarios.scenarios:
        r += 1
        totals = [sc.total(s) for s in strategies]
        present = [t for t in totals if t is not None]
        best = min((p for p in sc.plans), key=lambda p: (p.total, p.strategy)).strategy if sc.plans else ""
        values: list[object] = [scenarios.label(sc), _as_date(sc.as_of), sc.currency, sc.rate, *totals,
                                *(None if t is None else t - cheapest for t in totals), best, sc.catalogue_path]
        for c, v in enumerate(values, 1):
            col_title = titles[c - 1]
            fmt = st.money if col_title in strategies else st.money_delta if "delta" in col_title else \
                "0.0000" if col_title.startswith("rate") else \
                "yyyy-mm-dd" if col_title == "as of" and isinstance(v, dt.date) else st.label
            put(ws, r, c, "" if v is None else v, fmt)
        del present
    last = r
    if scenarios.scenarios:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = f"Monthly total by catalogue and strategy ({scenarios.currency})"
        chart.add_data(Reference(ws, min_col=5, max_col=4 + len(strategies), min_row=HEADER, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=HEADER + 1, max_row=last))
        chart.height, chart.width = 8, 18
        ws.add_chart(chart, f"A{last + 3}")
    r = last + 20
    for n in scenarios.notes:
        put(ws, r, 1, n, st.note)
        r += 1
    autowidth(ws, {1: 24}, HEADER, max_row=last)
    return ws


__all__ = ["CHANGES_SHEET", "SCENARIOS_SHEET", "SENSITIVITY_SHEET", "write_changes_sheet",
           "write_scenarios_sheet", "write_sensitivity_sheet"]
