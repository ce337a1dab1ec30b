"""The Excel workbook finance opens. With ``workbook_style``, the only modules that import openpyxl.

Sheets: Summary, Services (showback), a Hosts and a Placements sheet per strategy, Prices,
Assumptions, and a hidden ``_plan_data`` sheet carrying the plans as JSON
(``read_plan_data`` reads it back).

Every cost cell is an Excel formula that starts from the Prices sheet: a host's cost line
is ``=Prices!$B$<row>*<factor>`` (factor = the line's ``per_amount``: quantity x hours per month,
1/amortisation months, licence units, set where the line is priced, so it holds for a price of 0;
perpetual licences with support and energy with PUE also reference the figure's row), a
host's total sums its lines, a plan's total sums its hosts and plan-level lines, and the
Summary (totals, cost by category, delta) references those cells. Editing a price on the
Prices sheet re-prices the same placement; a new optimal placement needs ``plan`` again.

Text from the inputs (service, team, host names, paths) is always written as text: a
service called ``=HYPERLINK(...)`` stays a string, never a formula.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import DataBarRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from planner import __version__
from planner.catalogue.schema import Catalogue, Price, VmOverheads
from planner.pipeline import PlanningResult
from planner.plans import Plan, PlannedHost
from planner.price_refs import resolve
from planner.report import counted
from planner.report import showback as sb
from planner.report.why import CATEGORY_LABELS, delta_explanation
from planner.report.json_out import result_dict
from planner.report.workbook_style import (
    PCT,
    Styles,
    autowidth,
    formula,
    header_row,
    put,
    total_row,
)
from planner.strategies import (
    CATEGORIES,
    CONTAINER_DENSITY,
    GUEST_OS,
    HOST_OS,
    HYPERVISOR,
    PLATFORM,
    VM_PER_SERVICE,
    LicenceLine,
)

# The Summary's "Cheaper strategy" when both plans cost the same to the cent.
TIE_TEXT = "neither (same cost)"
PLAN_DATA_SHEET = "_plan_data"
CHUNK = 30_000
SHORT = {VM_PER_SERVICE: "VM", CONTAINER_DENSITY: "Containers"}
EDITION_CATEGORIES = (HYPERVISOR, GUEST_OS, HOST_OS, PLATFORM)
SUMMARY_VALUE_WIDTH = 30
WRAPPED_METRICS = ("Why a gap remains", "Host types")  # Summary rows of text, wrapped
ON_DEMAND_LABEL = "On-demand equivalent (same placement)"  # Summary row under --commitment
TABLE_HEADER_ROW = 3  # title in row 1, a one-line note in row 2, the table header in row 3
PRICE_EDIT_NOTE = ("Editing a price (column B of the Prices sheet) recalculates every host, plan total, category "
                   "and the delta for the same placement. A new optimal placement for new prices needs a re-run "
                   "of `plan`.")


# --- helpers -----------------------------------------------------------------------


def _lit(x: float) -> str:
    """Return a float as an Excel number literal: the shortest within 1e-15 relative (365, not
    364.99999999999994), never in exponent form."""
    x = float(x)
    text = repr(x)
    for digits in range(6, 17):
        candidate = f"{x:.{digits}g}"
        if abs(float(candidate) - x) <= 1e-15 * abs(x):
            text = candidate
            break
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _sheet_ref(title: str) -> str:
    """Return a sheet name as used in a formula, quoted when needed."""
    if title.replace("_", "").isalnum():
        return title
    return "'" + title.replace("'", "''") + "'"


def _xl_text(text: str) -> str:
    """Return a string as an Excel string literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


def _label(strategy: str) -> str:
    return SHORT.get(strategy, strategy)


def _sheet_name(prefix: str, strategy: str) -> str:
    return f"{prefix} {_label(strategy)}"[:31]


def _host_mix(plan: Plan) -> str:
    counts = Counter(h.type for h in plan.hosts)
    return ", ".join(f"{n} × {t}" for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _limiting(host: PlannedHost) -> str:
    if host.spare:
        return "none (spare)"
    shares = [("cpu", host.cpu_utilisation), ("memory", host.memory_utilisation)]
    if host.max_items > 1:
        shares.append(("slots", host.items / host.max_items))
    return max(shares, key=lambda kv: kv[1])[0]  # first wins a tie


def _utilisation(plan: Plan) -> tuple[float, float, float, float]:
    """Return (average CPU, peak CPU, average memory, peak memory) utilisation of a plan's hosts."""
    if not plan.hosts:
        return 0.0, 0.0, 0.0, 0.0
    alloc_cpu = math.fsum(h.vcpu for h in plan.hosts)
    alloc_mem = math.fsum(h.memory_gib for h in plan.hosts)
    avg_cpu = math.fsum(h.used_vcpu for h in plan.hosts) / alloc_cpu if alloc_cpu else 0.0
    avg_mem = math.fsum(h.used_memory_gib for h in plan.hosts) / alloc_mem if alloc_mem else 0.0
    return (avg_cpu, max(h.cpu_utilisation for h in plan.hosts),
            avg_mem, max(h.memory_utilisation for h in plan.hosts))


class _Pricer:
    """Turn cost lines into formulas on the Prices sheet's amounts (column B)."""

    def __init__(self, result: PlanningResult, rows: dict[str, int]) -> None:
        self.catalogue = result.catalogue
        self.rows = rows
        self.licences = {lic.name: lic for lic in result.catalogue.licences}

    def _cell(self, ref: str) -> str:
        return f"Prices!$B${self.rows[ref]}"

    def _amount(self, ref: str) -> float:
        value = resolve(self.catalogue, ref)
        return value.amount if isinstance(value, Price) else value.value

    def term(self, line: LicenceLine) -> str | None:
        """Return the formula term of one line, or None when its price is not on the Prices sheet.

        The multiplier is the line's own ``per_amount`` (quantity x 730 h, 1/amortisation months,
        licence units), never inferred from the amount: a price of 0 is a live reference like any
        other. A line under a commitment is its on-demand term times ``(1-discount/100)`` on the
        discount's own row (a 0 % discount too), so editing the discount re-prices it as well.
        """
        if line.ref not in self.rows:
            return None
        if line.per_amount is None:  # a line built without its multiplier (not by planner): its amount as is
            return _lit(line.monthly)
        if line.discount_ref in self.rows:
            base = self.term(replace(line, monthly=line.on_demand_monthly, discount=0.0, discount_ref="",
                                     undiscounted=None))
            return None if base is None else f"{base}*(1-{self._cell(line.discount_ref)}/100)"
        factor = line.per_amount
        close = lambda v: abs(v - factor) <= 1e-9 * max(1.0, abs(factor))  # noqa: E731
        if line.ref.startswith("licences.") and line.ref.endswith(".price"):
            lic = self.licences.get(line.ref[len("licences."):-len(".price")])
            support_ref = f"{line.ref[:-len('.price')]}.support_percent_per_year"
            if (lic is not None and lic.payment == "perpetual" and lic.amortisation_months
                    and lic.support_percent_per_year is not None and support_ref in self.rows):
                per_unit = line.units / lic.price.units
                c1, c2 = per_unit / lic.amortisation_months, per_unit / 100.0 / 12.0
                if close(c1 + c2 * lic.support_percent_per_year.value):
                    return f"{self._cell(line.ref)}*({_lit(c1)}+{_lit(c2)}*{self._cell(support_ref)})"
        if line.ref == "facility.electricity_per_kwh" and "facility.pue" in self.rows:
            pue = self._amount("facility.pue")  # at least 1 (the catalogue loader)
            return f"{self._cell(line.ref)}*{_lit(factor / pue)}*{self._cell('facility.pue')}"
        return f"{self._cell(line.ref)}*{_lit(factor)}"

    def formula(self, lines: list[LicenceLine]) -> str | None:
        """Return ``=term+term`` for lines of one cell, or None when none has a price on the Prices sheet."""
        terms = [t for t in (self.term(ln) for ln in lines) if t is not None]
        return "=" + "+".join(terms) if terms else None

    def on_demand(self, lines: list[LicenceLine]) -> str | None:
        """Return ``=term+term`` for what lines cost without their commitment discounts, one term per price
        (a plan's lines summed by reference: short for any number of hosts)."""
        merged: dict[str, LicenceLine] = {}
        for ln in lines:
            line = replace(ln, monthly=ln.on_demand_monthly, discount=0.0, discount_ref="", undiscounted=None)
            prev = merged.get(ln.ref)
            if prev is not None:  # the multipliers (and the units a support term counts) add up
                line = replace(prev, units=prev.units + line.units, monthly=prev.monthly + line.monthly,
                               per_amount=None if prev.per_amount is None or line.per_amount is None
                               else prev.per_amount + line.per_amount)
            merged[ln.ref] = line
        return self.formula(list(merged.values()))


# --- sheets ------------------------------------------------------------------------


class _PlanCells:
    """Where a plan's live totals are: the Hosts sheet's plan-total row, by category."""

    def __init__(self, sheet: str, total_row: int, total_col: int, cat_cols: dict[str, int]) -> None:
        self.sheet, self.row, self.total_col, self.cat_cols = sheet, total_row, total_col, cat_cols

    def total(self) -> str:
        return f"{_sheet_ref(self.sheet)}!${get_column_letter(self.total_col)}${self.row}"

    def category(self, cat: str) -> str | None:
        col = self.cat_cols.get(cat)
        return None if col is None else f"{_sheet_ref(self.sheet)}!${get_column_letter(col)}${self.row}"


def _hosts_sheet(wb: Workbook, st: Styles, result: PlanningResult, plan: Plan, pricer: _Pricer) -> _PlanCells:
    name = _sheet_name("Hosts", plan.strategy)
    ws = wb.create_sheet(name)
    vm = plan.strategy == VM_PER_SERVICE
    all_lines = [*plan.plan_lines, *(ln for h in plan.hosts for ln in h.lines)]
    cats = [c for c in CATEGORIES if any(ln.category == c for ln in all_lines)]
    put(ws, 1, 1, f"Hosts — {plan.strategy}: {counted(len(plan.hosts), 'host')}, monthly cost in "
                  f"{result.catalogue.currency}", st.title)
    put(ws, 2, 1, "Cost cells are formulas on the Prices sheet. Utilisation is used / allocatable "
                  "(after overheads and the utilisation target).", st.note)
    head = ["Host", "Type", "Model", "Pool", *(CATEGORY_LABELS.get(c, c) for c in cats), "Total",
            "CPU used (vCPU)", "CPU allocatable (vCPU)", "CPU utilisation",
            "Memory used (GiB)", "Memory allocatable (GiB)", "Memory utilisation",
            "Limiting resource", "VMs" if vm else "Pods", "Services", "Licence editions"]
    h = TABLE_HEADER_ROW
    header_row(ws, h, head, st)
    first_cat = 5
    cat_cols = {c: first_cat + i for i, c in enumerate(cats)}
    total_col = first_cat + len(cats)
    last_cat_letter = get_column_letter(total_col - 1)
    first_cat_letter = get_column_letter(first_cat)
    r = h
    for r, host in enumerate(plan.hosts, h + 1):
        put(ws, r, 1, host.id)
        put(ws, r, 2, host.type)
        put(ws, r, 3, host.model)
        put(ws, r, 4, host.pool or "")
        by_cat: dict[str, list[LicenceLine]] = defaultdict(list)
        for ln in host.lines:
            by_cat[ln.category].append(ln)
        for cat, col in cat_cols.items():
            if by_cat.get(cat):
                f = pricer.formula(by_cat[cat])
                put(ws, r, col, f if f is not None else 0, st.money, is_formula=f is not None)
        formula(ws, r, total_col, f"=SUM({first_cat_letter}{r}:{last_cat_letter}{r})" if cats else "=0",
                st.money, bold=True)
        c = total_col + 1
        for value, fmt in ((host.used_vcpu, st.num), (host.vcpu, st.num), (host.cpu_utilisation, PCT),
                           (host.used_memory_gib, st.num), (host.memory_gib, st.num),
                           (host.memory_utilisation, PCT)):
            put(ws, r, c, value, fmt)
            c += 1
        put(ws, r, c, _limiting(host))
        put(ws, r, c + 1, host.items)
        put(ws, r, c + 2, "spare: kept empty to take over a failed host" if host.spare else
            ", ".join(f"{s} ×{n}" if n > 1 else s for s, n in host.services))
        editions = dict.fromkeys(ln.name for ln in host.lines if ln.category in EDITION_CATEGORIES)
        put(ws, r, c + 3, ", ".join(editions))
    last_host_row = max(r, h + 1)
    ws.auto_filter.ref = f"A{h}:{get_column_letter(len(head))}{last_host_row}"
    ws.freeze_panes = ws.cell(row=h + 1, column=2)
    util_cols = (total_col + 3, total_col + 6)
    for col in util_cols:
        letter = get_column_letter(col)
        ws.conditional_formatting.add(f"{letter}{h + 1}:{letter}{last_host_row}", DataBarRule(
            start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5", showValue=True))

    # totals: all hosts, plan-level lines, plan total (what the Summary references)
    r = last_host_row + 2
    hosts_row = r
    put(ws, r, 1, "All hosts", st.bold)
    put(ws, r, 2, counted(len(plan.hosts), "host"))
    for col in [*cat_cols.values(), total_col]:
        L = get_column_letter(col)
        formula(ws, r, col, f"=SUM({L}{h + 1}:{L}{last_host_row})", st.money)
    for ln in plan.plan_lines:
        r += 1
        put(ws, r, 1, "Plan-level line")
        put(ws, r, 2, ln.name)
        put(ws, r, 3, f"{ln.product} ({ln.units:g} unit{'' if ln.units == 1 else 's'})")
        f = pricer.formula([ln])
        put(ws, r, cat_cols[ln.category], f if f is not None else 0, st.money, is_formula=f is not None)
        formula(ws, r, total_col, f"=SUM({first_cat_letter}{r}:{last_cat_letter}{r})", st.money)
    r += 1
    put(ws, r, 1, "Plan total", st.bold)
    put(ws, r, 2, plan.strategy)
    for col in [*cat_cols.values(), total_col]:
        L = get_column_letter(col)
        formula(ws, r, col, f"=SUM({L}{hosts_row}:{L}{r - 1})", st.money)
    total_row(ws, r, 1, total_col, st)
    autowidth(ws, {1: 26, 2: 22, 3: 16, 4: 9, **{col: 13 for col in cat_cols.values()}, total_col: 13,
                   total_col + 7: 11, total_col + 8: 7, total_col + 9: 40, total_col + 10: 30},
              header_row=h)
    return _PlanCells(name, r, total_col, cat_cols)


def _placements_sheet(wb: Workbook, st: Styles, plan: Plan) -> None:
    ws = wb.create_sheet(_sheet_name("Placements", plan.strategy))
    vm = plan.strategy == VM_PER_SERVICE
    put(ws, 1, 1, f"Placements — {plan.strategy}: {counted(len(plan.placements), 'replica')} on "
                  f"{counted(len(plan.hosts), 'host')}",
        st.title)
    put(ws, 2, 1, ("Each replica runs in its own VM: the VM size, and what it takes from its host including "
                   "hypervisor overhead." if vm else
                   "Each replica is a pod: its request, and what it takes from its node including per-pod overhead."),
        st.note)
    size = "VM" if vm else "Pod request"
    head = ["Service", "Replica", "Host", f"{size} (vCPU)", f"{size} memory (GiB)",
            "From host (vCPU)", "From host memory (GiB)"]
    header_row(ws, TABLE_HEADER_ROW, head, st)
    r = TABLE_HEADER_ROW
    for r, p in enumerate(plan.placements, TABLE_HEADER_ROW + 1):
        put(ws, r, 1, p.service)
        put(ws, r, 2, p.replica)
        put(ws, r, 3, p.host)
        put(ws, r, 4, p.vcpu, st.num)
        put(ws, r, 5, p.memory_gib, st.num)
        put(ws, r, 6, p.host_vcpu, st.num)
        put(ws, r, 7, p.host_memory_gib, st.num)
    ws.auto_filter.ref = f"A{TABLE_HEADER_ROW}:G{max(r, TABLE_HEADER_ROW + 1)}"
    ws.freeze_panes = ws.cell(row=TABLE_HEADER_ROW + 1, column=2)
    autowidth(ws, {2: 9}, header_row=TABLE_HEADER_ROW)


def _services_sheet(wb: Workbook, st: Styles, result: PlanningResult,
                    cells: list[_PlanCells]) -> dict[str, dict[str, float]]:
    ws = wb.create_sheet("Services")
    plans, models = result.plans, result.models
    amounts = {p.strategy: sb.showback(p, m) for p, m in zip(plans, models, strict=True)}
    services = result.fleet.services
    has_team = any(s.team for s in services)
    cur = result.catalogue.currency
    put(ws, 1, 1, f"Showback — monthly cost per service, {cur}", st.title)
    put(ws, 2, 1, "Each host's cost is split over its replicas by their dominant share of the host; plan-level "
                  "lines in proportion to that. The rule is written out below the tables.", st.note)
    head = ["Service", *(["Team"] if has_team else []), "OS", "Replicas", "vCPU per replica",
            "Memory per replica (GiB)", *(p.strategy for p in plans)]
    two = len(plans) == 2
    if two:
        head.append(f"Δ {plans[1].strategy} − {plans[0].strategy}")
    h = TABLE_HEADER_ROW
    header_row(ws, h, head, st)
    money_col = 6 + (1 if has_team else 0)
    rep_col = money_col - 3
    r = h
    for r, s in enumerate(services, h + 1):
        c = 1
        put(ws, r, c, s.name)
        if has_team:
            c += 1
            put(ws, r, c, s.team or "")
        put(ws, r, c + 1, s.os)
        put(ws, r, c + 2, s.replicas)
        put(ws, r, c + 3, s.vcpu, st.num)
        put(ws, r, c + 4, s.memory_gib, st.num)
        for i, p in enumerate(plans):
            put(ws, r, money_col + i, amounts[p.strategy].get(s.name, 0.0), st.money)
        if two:
            a, b = get_column_letter(money_col), get_column_letter(money_col + 1)
            formula(ws, r, money_col + 2, f"={b}{r}-{a}{r}", st.money_delta)
    last = max(r, h + 1)
    ws.auto_filter.ref = f"A{h}:{get_column_letter(len(head))}{last}"
    ws.freeze_panes = ws.cell(row=h + 1, column=2)
    r = last + 1
    put(ws, r, 1, "Total", st.bold)
    L = get_column_letter(rep_col)
    formula(ws, r, rep_col, f"=SUM({L}{h + 1}:{L}{last})", None)
    for col in range(money_col, len(head) + 1):
        L = get_column_letter(col)
        formula(ws, r, col, f"=SUM({L}{h + 1}:{L}{last})", st.money_delta if col == money_col + 2 else st.money)
    total_row(ws, r, 1, len(head), st)
    r += 1
    put(ws, r, 1, "Plan total now (Hosts sheets)", st.note)
    for i, pc in enumerate(cells):
        formula(ws, r, money_col + i, f"={pc.total()}", st.money)
    if two:
        a, b = get_column_letter(money_col), get_column_letter(money_col + 1)
        formula(ws, r, money_col + 2, f"={b}{r}-{a}{r}", st.money_delta)
    put(ws, r + 1, 1, "Showback is split at the catalogue prices of the run; after editing a price, the plan "
                      "totals above move but the split does not (re-run `plan`).", st.note)
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=len(head))
    r += 3
    if has_team:
        teams = {s.name: s.team for s in services}
        per_team = {p.strategy: sb.by_team(amounts[p.strategy], teams) for p in plans}
        team_names = list(dict.fromkeys(t for p in plans for t in per_team[p.strategy]))
        put(ws, r, 1, "By team", st.subtitle)
        r += 1
        team_head = ["Team", *(p.strategy for p in plans)]
        if two:
            team_head.append(f"Δ {plans[1].strategy} − {plans[0].strategy}")
        header_row(ws, r, team_head, st)
        top = r + 1
        for team in team_names:
            r += 1
            put(ws, r, 1, team)
            for i, p in enumerate(plans):
                put(ws, r, 2 + i, per_team[p.strategy].get(team, 0.0), st.money)
            if two:
                formula(ws, r, 4, f"=C{r}-B{r}", st.money_delta)
        r += 1
        put(ws, r, 1, "Total", st.bold)
        for col in range(2, len(team_head) + 1):
            L = get_column_letter(col)
            formula(ws, r, col, f"=SUM({L}{top}:{L}{r - 1})", st.money_delta if col == 4 else st.money)
        total_row(ws, r, 1, len(team_head), st)
        r += 2
    put(ws, r, 1, "How costs are split", st.subtitle)
    for line in (
        "1. Each replica's weight on its host is its dominant share of the host's allocatable capacity: "
        "max(vCPU it takes / allocatable vCPU, memory it takes / allocatable memory, 1 / max VMs or pods "
        "per host where a host holds more than one).",
        "2. Each host's monthly cost is split over its replicas in proportion to their weights, so idle "
        "capacity is paid by the replicas on that host.",
        "3. Plan-level lines (cluster fees, per-VM licences) are spread over services in proportion to the "
        "host cost allocated to each (per replica when hosts cost nothing).",
        "4. Amounts are rounded to the cent with largest-remainder rounding: services add up exactly to the "
        "plan total rounded to the cent (so a Δ of the rounded totals may differ by a cent from the Summary's).",
    ):
        r += 1
        put(ws, r, 1, line, wrap=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(head))
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(line) / 110))
    autowidth(ws, {1: 24, rep_col: 10, **{money_col + i: 18 for i in range(len(plans) + 1)}}, header_row=h,
              max_row=last)
    return amounts


def _prices_sheet(wb: Workbook, st: Styles, result: PlanningResult) -> dict[str, int]:
    ws = wb.create_sheet("Prices")
    put(ws, 1, 1, f"Prices used — {result.catalogue.name} ({result.catalogue.currency})", st.title)
    put(ws, 2, 1, "Edit an amount in column B (yellow) to re-price the same placement: every cost cell in this "
                  "workbook is a formula on these amounts. Unverified placeholders are highlighted.", st.note)
    head = ["Reference", "Amount", "Unit", "Item", "Source", "As of", "Unverified"]
    h = TABLE_HEADER_ROW
    header_row(ws, h, head, st)
    rows: dict[str, int] = {}
    r = h
    for r, u in enumerate(result.prices_used, h + 1):
        rows[u.ref] = r
        put(ws, r, 1, u.ref)
        put(ws, r, 2, u.amount, st.amount, style=st.input)
        put(ws, r, 3, u.unit)
        put(ws, r, 4, u.item)
        put(ws, r, 5, u.source_title)
        put(ws, r, 6, u.as_of, "yyyy-mm-dd")
        put(ws, r, 7, "UNVERIFIED" if u.unverified else "")
        if u.unverified:
            for c in (1, 3, 4, 5, 6, 7):
                st.flag(ws.cell(row=r, column=c))
    ws.auto_filter.ref = f"A{h}:G{max(r, h + 1)}"
    ws.freeze_panes = ws.cell(row=h + 1, column=2)
    autowidth(ws, {2: 14, 6: 11, 7: 12}, header_row=h)
    return rows


def _burstable_rows(cat: Catalogue) -> list[tuple[str, Any] | str]:
    """Return the Assumptions rows on how burstable instance types were sized."""
    burstable = [t for t in cat.instance_types if t.burstable]
    with_baseline = [t for t in burstable if t.baseline_cpu_percent is not None]
    rows: list[tuple[str, Any] | str] = []
    if with_baseline:
        rows.append(("Burstable instances", "sized at their CPU credit baseline: vCPU × baseline % is offered to CPU "
                                            "requests (then reservations and the utilisation target as for any host)"))
        by_pct: dict[float, list[str]] = {}
        for t in with_baseline:
            by_pct.setdefault(t.baseline_cpu_percent or 0.0, []).append(t.name)
        rows.append(("Baseline CPU per vCPU", "; ".join(f"{pct:g} %: {', '.join(names)}"
                                                        for pct, names in sorted(by_pct.items()))))
    without = [t.name for t in burstable if t.baseline_cpu_percent is None]
    if without:
        rows.append(("Burstable instances without a baseline", "every vCPU treated as usable: " + ", ".join(without)))
    return rows


def _assumptions_sheet(wb: Workbook, st: Styles, result: PlanningResult) -> None:
    ws = wb.create_sheet("Assumptions")
    cat = result.catalogue
    ov = cat.overheads
    put(ws, 1, 1, "Assumptions — overheads, licence rules, solver", st.title)
    put(ws, 2, 1, "From the catalogue's overheads and licences; change them in the catalogue and re-run `plan`.",
        st.note)
    rows: list[tuple[str, Any] | str] = ["Overheads"]
    rows.append(("Target utilisation (share of allocatable capacity a plan may use)", ov.target_utilisation))
    rows += _burstable_rows(cat)
    for os_name, fp in sorted(ov.vm.guest_os.items()):
        rows.append((f"VM guest OS footprint: {os_name}", f"{fp.vcpu:g} vCPU, {fp.memory_gib:g} GiB per VM"))
    if cat.is_cloud:
        rows.append(("VM sizing (cloud)", "each VM is the cheapest instance type that holds its request plus the "
                                          "guest OS footprint"))
    else:
        rows += _onprem_vm_rows(ov.vm)
    nr = ov.container.node_reservation
    formula_text = {
        "eks": "EKS: CPU 6 % of core 1, 1 % of core 2, 0.5 % of cores 3-4, 0.25 % above; "
               "memory 11 MiB × max pods + 255 MiB",
        "gke": "GKE: CPU as EKS; memory 25 % of first 4 GiB, 20 % of next 4, 10 % of next 8, 6 % of next 112, "
               "2 % above",
        "aks": "AKS: CPU by core-count table; memory min(20 MB × max pods + 50 MB, 25 % of RAM)",
        "fixed": "fixed",
    }[nr.formula]
    rows.append(("Kubernetes node reservation", f"{formula_text}; plus {nr.cpu_millicores:g} m CPU, "
                                                f"{nr.memory_mib:g} MiB, eviction {nr.eviction_memory_mib:g} MiB"))
    for os_name, fp in sorted(ov.container.node_os.items()):
        rows.append((f"Node OS overhead: {os_name}", f"{fp.vcpu:g} vCPU, {fp.memory_gib:g} GiB per node"))
    rows.append(("Per-pod memory overhead (MiB)", ov.container.per_pod_memory_mib))
    rows.append(("Default max pods per node", ov.container.default_max_pods))
    rows.append(("Month", "730 hours; a year is 12 months"))
    rows.append("Run")
    rows.append(("Solver", result.options.solver))
    rows.append(("Time limit per strategy (s)", result.options.time_limit))
    rows.append(("Gap target", f"{result.options.gap:.3%}"))
    for p in result.plans:
        before = " (before spare hosts)" if p.spare_hosts else ""
        rows.append((f"{p.strategy}: method", f"{p.method}; first-fit-decreasing cost{before} {p.heuristic_cost:,.2f}"))
    rows.append(("Planner version", __version__))
    rows.append(("Run at", result.run_at))
    r = TABLE_HEADER_ROW
    for item in rows:
        if isinstance(item, str):
            r += 1 if r == TABLE_HEADER_ROW else 2
            put(ws, r, 1, item, st.subtitle)
            continue
        r += 1
        key, value = item
        put(ws, r, 1, key)
        fmt = "yyyy-mm-dd hh:mm" if key == "Run at" else ("0%" if key.startswith("Target utilisation") else None)
        put(ws, r, 2, value, fmt, align_left=True)
    # licence rules
    used = sorted({u.ref[len("licences."):-len(".price")] for u in result.prices_used
                   if u.ref.startswith("licences.") and u.ref.endswith(".price")})
    if used:
        r += 2
        put(ws, r, 1, "Licence rules applied", st.subtitle)
        r += 1
        head = ["Licence", "Product", "Role", "Unit", "Min per socket", "Min per host", "Pack size",
                "VMs per licence", "Payment", "Amortisation (months)", "Support % per year", "Serves OS"]
        header_row(ws, r, head, st)
        by_name = {lic.name: lic for lic in cat.licences}
        for name in used:
            lic = by_name.get(name)
            if lic is None:
                continue
            r += 1
            vals = [lic.name, lic.product, lic.role, lic.unit, lic.min_per_socket, lic.min_per_host, lic.pack_size,
                    lic.vms_per_licence if lic.vms_per_licence else "unlimited", lic.payment,
                    lic.amortisation_months or "", lic.support_percent_per_year.value
                    if lic.support_percent_per_year else "", ", ".join(lic.os)]
            for c, v in enumerate(vals, 1):
                put(ws, r, c, v)
    notes = [*result.notes, *dict.fromkeys(n for p in result.plans for n in p.notes)]
    if notes:
        r += 2
        put(ws, r, 1, "Notes", st.subtitle)
        for n in notes:
            r += 1
            put(ws, r, 1, n)
    autowidth(ws, {1: 58, 2: 40}, header_row=None)



def _onprem_vm_rows(vm: VmOverheads) -> list[tuple[str, Any] | str]:
    """Assumptions rows on how replicas become VMs on hypervisor hosts (on-prem catalogues)."""
    rows: list[tuple[str, Any] | str] = []
    if vm.sizes:
        rows.append(("VM sizes (menu)", ", ".join(f"{s.vcpu:g} vCPU/{s.memory_gib:g} GiB" for s in vm.sizes)))
    else:
        rows.append(("VM sizing steps", f"{vm.vcpu_step:g} vCPU, {vm.memory_step_gib:g} GiB; "
                                                  f"minimum {vm.min_vcpu:g} vCPU, {vm.min_memory_gib:g} GiB"))
    rows.append(("CPU overcommit (vCPU per hardware thread)", vm.cpu_overcommit))
    hm = vm.hypervisor_memory
    rows.append(("Hypervisor memory", f"{hm.per_host_gib:g} GiB per host + {hm.per_vm_mib:g} MiB per VM + "
                                      f"{hm.per_vm_vcpu_mib:g} MiB per VM vCPU + {hm.per_vm_memory_fraction:.1%} "
                                      "of VM memory"))
    rows.append(("Hypervisor reserved cores", vm.hypervisor_reserved_cores))
    rows.append(("Max VMs per host", vm.max_vms_per_host or "no limit"))
    return rows


def _summary_sheet(ws: Worksheet, st: Styles, result: PlanningResult, cells: list[_PlanCells],
                   pricer: _Pricer) -> None:
    cat = result.catalogue
    fleet = result.fleet
    plans = result.plans
    ws.sheet_view.showGridLines = False
    put(ws, 1, 1, f"Infrastructure cost plan — {fleet.name}", st.big)
    put(ws, 2, 1, f"Monthly costs in {cat.currency} (a month is 730 hours), priced with {cat.name}.", st.note)
    put(ws, 3, 1, PRICE_EDIT_NOTE, st.note)
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=4)
    ws.cell(row=3, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 30
    dates = [u.as_of for u in result.prices_used]
    unverified = result.unverified_prices
    r = 5
    put(ws, r, 1, "Inputs", st.subtitle)
    inputs: list[tuple[str, Any, str | None]] = [
        ("Fleet file", str(fleet.path), None),
        ("Services", len(fleet.services), None),
        ("Replicas", fleet.total_replicas, None),
        ("Catalogue", cat.name, None),
        ("Catalogue file", str(result.catalogue_path), None),
        ("Currency", cat.currency, None),
        ("Catalogue as of", cat.as_of, "yyyy-mm-dd"),
        ("Price dates used", f"{min(dates):%Y-%m-%d} to {max(dates):%Y-%m-%d}" if dates else "none", None),
        ("Unverified prices used",
         f"{len(unverified)} — highlighted on the Prices sheet" if unverified else "none", None),
        ("Growth planned for", result.options.growth, "0.0%"),
        ("Spare hosts (any N may fail)", result.options.spare_hosts, "0"),
        ("Price terms", result.options.commitment, None),
        ("Run at", result.run_at, "yyyy-mm-dd hh:mm"),
    ]
    for label, value, fmt in inputs:
        r += 1
        put(ws, r, 1, label, st.label)
        cell = put(ws, r, 2, value, fmt, align_left=True)
        if label.startswith("Unverified") and unverified:
            st.flag(cell)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location="Prices!A1", tooltip="Go to the Prices sheet")

    # per strategy
    r += 2
    put(ws, r, 1, "Plans", st.subtitle)
    r += 1
    header_row(ws, r, ["", *(p.strategy for p in plans)], st)
    monthly_row = r + 1
    metrics: list[tuple[str, list[Any], str | None]] = [
        ("Monthly cost", [f"={pc.total()}" for pc in cells], st.money),
        ("Annual cost", [f"={get_column_letter(2 + i)}{monthly_row}*12" for i in range(len(plans))], st.money),
        ("Hosts", [len(p.hosts) for p in plans], "0"),
    ]
    if result.options.spare_hosts:
        metrics.append(("of which spare hosts", [p.spare_hosts for p in plans], "0"))
    if result.options.commitment != "on-demand":
        on_demand = [pricer.on_demand([*p.plan_lines, *(ln for h in p.hosts for ln in h.lines)]) for p in plans]
        metrics.append((ON_DEMAND_LABEL, [0 if f is None else f for f in on_demand], st.money))
    utils = [_utilisation(p) for p in plans]
    for k, label in enumerate(("Average CPU utilisation", "Peak CPU utilisation",
                               "Average memory utilisation", "Peak memory utilisation")):
        metrics.append((label, [u[k] for u in utils], PCT))
    metrics += [
        ("Status", [p.status for p in plans], None),
        ("Lower bound (no plan costs less)", [p.lower_bound for p in plans], st.money),
        ("Proven gap", [p.gap for p in plans], "0.00%"),
        *([("Why a gap remains", [p.gap_reason or "-" for p in plans], None)]
          if any(p.gap_reason for p in plans) else []),
        ("Solve seconds", [p.solve_seconds for p in plans], "0.0"),
        ("Host types", [_host_mix(p) for p in plans], None),  # last: a tall row
    ]
    for label, values, fmt in metrics:
        r += 1
        put(ws, r, 1, label, st.label)
        for i, v in enumerate(values):
            is_f = isinstance(v, str) and v.startswith("=") and label in ("Monthly cost", "Annual cost",
                                                                          ON_DEMAND_LABEL)
            cell = put(ws, r, 2 + i, v, fmt, is_formula=is_f, wrap=label in WRAPPED_METRICS)
            if label == "Monthly cost":
                cell.font = st.bold_font
        if label in WRAPPED_METRICS:  # wrapped text: give the row the lines it needs
            lines = max(1, *(math.ceil(len(str(v)) / (SUMMARY_VALUE_WIDTH - 4)) for v in values))
            ws.row_dimensions[r].height = 15 * lines
            ws.cell(row=r, column=1).alignment = Alignment(vertical="top")
    # delta
    if len(plans) == 2:
        r += 2
        put(ws, r, 1, "Delta", st.subtitle)
        b, c = f"B{monthly_row}", f"C{monthly_row}"
        a_name, b_name = plans[0].strategy, plans[1].strategy
        # to the cent, as the terminal says it: a tie names neither (edited prices can make one)
        cheaper = (f"=IF(ROUND({b}-{c},2)=0,{_xl_text(TIE_TEXT)},"
                   f"IF({b}<{c},{_xl_text(a_name)},{_xl_text(b_name)}))")
        r += 1
        put(ws, r, 1, "Cheaper strategy", st.label)
        formula(ws, r, 2, cheaper, None, bold=True)
        r += 1
        saving_row = r
        put(ws, r, 1, "Saving per month", st.label)
        formula(ws, r, 2, f"=ABS({b}-{c})", st.money, bold=True)
        r += 1
        put(ws, r, 1, "Saving per year", st.label)
        formula(ws, r, 2, f"=B{saving_row}*12", st.money)
        r += 1
        put(ws, r, 1, "Saving, % of the dearer plan", st.label)
        formula(ws, r, 2, f"=IF(MAX({b},{c})>0,B{saving_row}/MAX({b},{c}),0)", PCT)
        why = delta_explanation(result)
        if why:  # in words, at the run's prices (the table below recalculates; this text does not)
            r += 1
            put(ws, r, 1, "Why, at the run's prices", st.label)
            put(ws, r, 2, why + ".", wrap=True)  # starts with a strategy name: kept as written
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(why) / (3 * SUMMARY_VALUE_WIDTH - 10)))
            ws.cell(row=r, column=1).alignment = Alignment(vertical="top")

    # why: cost by category
    r += 2
    put(ws, r, 1, "Why — monthly cost by category", st.subtitle)
    r += 1
    why_head = r
    head = ["Category", *(p.strategy for p in plans)]
    if len(plans) == 2:
        head.append(f"Δ {plans[1].strategy} − {plans[0].strategy}")
    header_row(ws, r, head, st)
    breakdowns = [p.cost_breakdown for p in plans]
    # every category a Hosts sheet has a column for, at a price of 0 too: editing that price moves the
    # plan total, so the table must hold the row that moves with it
    used = [c for c in CATEGORIES if any(abs(b.get(c, 0.0)) > 1e-12 for b in breakdowns)
            or any(pc.category(c) is not None for pc in cells)]
    for cat_name in used:
        r += 1
        put(ws, r, 1, CATEGORY_LABELS.get(cat_name, cat_name), st.label)
        for i, pc in enumerate(cells):
            ref = pc.category(cat_name)
            put(ws, r, 2 + i, f"={ref}" if ref else 0, st.money, is_formula=ref is not None)
        if len(plans) == 2:
            formula(ws, r, 4, f"=C{r}-B{r}", st.money_delta)
    first_cat_row, last_cat_row = why_head + 1, r
    r += 1
    put(ws, r, 1, "Total", st.bold)
    for col in range(2, len(head) + 1):
        L = get_column_letter(col)
        formula(ws, r, col, f"=SUM({L}{first_cat_row}:{L}{last_cat_row})" if used else "=0",
                st.money_delta if col == 4 else st.money)
    total_row(ws, r, 1, len(head), st)
    if used:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.title = "Monthly cost by category"
        chart.y_axis.title = cat.currency
        chart.y_axis.numFmt = "#,##0"
        chart.y_axis.majorGridlines = None
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.scaling.orientation = "maxMin"  # categories top to bottom, as in the table
        chart.x_axis.tickLblSkip = 1  # every category labelled
        chart.y_axis.crosses = "max"  # with maxMin categories, keeps the value axis at the bottom
        chart.legend.position = "b"
        data = Reference(ws, min_col=2, max_col=1 + len(plans), min_row=why_head, max_row=last_cat_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first_cat_row, max_row=last_cat_row))
        chart.width, chart.height = 18, 4.5 + 0.8 * len(used)
        ws.add_chart(chart, f"A{r + 2}")
        r += math.ceil(chart.height / 0.53) + 2
    notes = [*result.notes, *dict.fromkeys(n for p in plans for n in p.notes)]
    if notes:
        r += 2
        put(ws, r, 1, "Notes", st.subtitle)
    for n in notes:
        r += 1
        put(ws, r, 1, f"• {n}", wrap=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(n) / 110))
    ws.column_dimensions["A"].width = 32
    for i in range(len(plans) + 1):
        ws.column_dimensions[get_column_letter(2 + i)].width = SUMMARY_VALUE_WIDTH
    ws.freeze_panes = None


def _plan_data_sheet(wb: Workbook, result: PlanningResult) -> None:
    ws = wb.create_sheet(PLAN_DATA_SHEET)
    text = json.dumps(result_dict(result), sort_keys=False)
    for i in range(0, max(1, len(text)), CHUNK):
        put(ws, i // CHUNK + 1, 1, text[i:i + CHUNK])
    ws.sheet_state = "hidden"


def _print_setup(ws: Worksheet) -> None:
    """Print (and export to PDF) landscape, header rows repeated; narrow sheets one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if not ws.title.startswith("Hosts "):  # the wide host tables print across pages instead of shrinking
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if ws.title != "Summary" and ws.title != PLAN_DATA_SHEET:
        ws.print_title_rows = f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}"


# --- entry points ------------------------------------------------------------------


def write_workbook(result: PlanningResult, path: Path, changes: Any = None, sensitivity: Any = None,
                   scenarios: Any = None) -> None:
    """Write the plans of ``result`` to ``path`` (.xlsx), with the re-plan sheets when given."""
    st = Styles(result.catalogue.currency)
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    price_rows = _prices_sheet(wb, st, result)
    pricer = _Pricer(result, price_rows)
    cells = []
    for plan in result.plans:
        cells.append(_hosts_sheet(wb, st, result, plan, pricer))
        _placements_sheet(wb, st, plan)
    _services_sheet(wb, st, result, cells)
    _assumptions_sheet(wb, st, result)
    _summary_sheet(summary, st, result, cells, pricer)
    _plan_data_sheet(wb, result)
    from planner.report.replan_sheets import (
        CHANGES_SHEET,
        SCENARIOS_SHEET,
        SENSITIVITY_SHEET,
        write_changes_sheet,
        write_scenarios_sheet,
        write_sensitivity_sheet,
    )

    extra = []
    if changes is not None:
        write_changes_sheet(wb, changes, result.catalogue.currency)
        extra.append(CHANGES_SHEET)
    if sensitivity is not None:
        write_sensitivity_sheet(wb, sensitivity, result.catalogue.currency)
        extra.append(SENSITIVITY_SHEET)
    if scenarios is not None:
        write_scenarios_sheet(wb, scenarios, scenarios.currency)
        extra.append(SCENARIOS_SHEET)
    if changes is not None and getattr(changes, "max_moves", None) is not None:
        for name in (SENSITIVITY_SHEET, SCENARIOS_SHEET):  # solved without the churn limit: say so
            if name in wb.sheetnames:
                note = wb[name].cell(row=2, column=1)
                note.value = (f"{note.value} These are optimal plans, not limited by --max-moves "
                              f"{changes.max_moves}: the Summary shows the move-limited plans.")
    # sheet order: Summary, re-plan sheets, Services, Hosts/Placements per strategy, Prices, Assumptions, _plan_data
    order = ["Summary", *extra, "Services", *(n for p in result.plans for n in (_sheet_name("Hosts", p.strategy),
                                                                          _sheet_name("Placements", p.strategy))),
             "Prices", "Assumptions", PLAN_DATA_SHEET]
    wb._sheets = [wb[name] for name in order]  # noqa: SLF001 - openpyxl has no public reorder
    wb.active = 0
    for ws in wb.worksheets:
        _print_setup(ws)
    wb.calculation.fullCalcOnLoad = True  # no cached values: have Excel compute on open
    wb.properties.creator = f"planner {__version__}"
    wb.properties.title = f"{result.fleet.name}: vm-per-service vs container-density"
    wb.save(path)


def read_plan_data(path: Path) -> dict[str, Any]:
    """Return the plan data (``result_dict``) stored in a workbook's hidden ``_plan_data`` sheet.

    Read from an open file, so a workbook under another name (plan.json) still reads.
    """
    return read_plan_workbook(path, check_edits=False)[0]


def read_plan_workbook(path: Path, check_edits: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Return a workbook's plan data and where its visible Placements sheets differ from it (one read).

    A baseline is read from the hidden plan data; a replica moved, added or removed on a visible
    sheet would be silently ignored, so the caller refuses such a workbook. Rows may be sorted or
    filtered in any order (they are matched by service and replica); a sheet deleted is not an edit.
    """
    with open(path, "rb") as handle:
        wb = load_workbook(handle, read_only=True)
        try:
            if PLAN_DATA_SHEET not in wb.sheetnames:
                raise ValueError(f"{path}: no {PLAN_DATA_SHEET} sheet; expected a workbook written by planner")
            ws = wb[PLAN_DATA_SHEET]
            text = "".join(str(row[0]) for row in ws.iter_rows(min_col=1, max_col=1, values_only=True)
                           if row and row[0] is not None)
            data: dict[str, Any] = json.loads(text)
            edits = _placement_edits(wb, data) if check_edits and isinstance(data, dict) else []
        finally:
            wb.close()
    return data, edits


def _placement_edits(wb: Workbook, data: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for plan in data.get("plans") or ():
        if not isinstance(plan, dict) or not isinstance(plan.get("placements"), list):
            continue
        name = _sheet_name("Placements", str(plan.get("strategy")))
        if name not in wb.sheetnames:
            continue
        written = {(x.get("service"), x.get("replica")): x.get("host") for x in plan["placements"]
                   if isinstance(x, dict)}
        seen: set[tuple[Any, Any]] = set()
        rows = wb[name].iter_rows(min_row=TABLE_HEADER_ROW + 1, max_col=3, values_only=True)
        for r, row in enumerate(rows, TABLE_HEADER_ROW + 1):
            service, replica, host = (tuple(row) + (None, None, None))[:3]
            if service is None and replica is None and host is None:
                continue
            if isinstance(replica, float) and replica.is_integer():
                replica = int(replica)
            key = (service, replica)
            if key not in written or key in seen:
                found.append(f"sheet {name!r} row {r}: {service!r} replica {replica!r} "
                             + ("is listed twice" if key in seen else "is not in the plan planner wrote"))
            elif host != written[key]:
                found.append(f"sheet {name!r} row {r}: {service!r} replica {replica} on host {host!r}; "
                             f"planner wrote {written[key]!r}")
            seen.add(key)
        missing = [k for k in written if k not in seen]
        if missing:
            found.append(f"sheet {name!r}: {missing[0][0]!r} replica {missing[0][1]} "
                         + (f"and {len(missing) - 1} more " if len(missing) > 1 else "") + "no longer listed")
    return found


__all__ = ["CATEGORY_LABELS", "read_plan_data", "read_plan_workbook", "write_workbook"]
