"""The Excel workbook finance opens. The only module that imports openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from planner.pipeline import PlanningResult
from planner.strategies import CATEGORIES


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> Cell:
    """Write a value; strings always stay text (a service called '=HYPERLINK(..)' is not a formula)."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if fmt:
        cell.number_format = fmt
    return cell


def _rows(ws: Worksheet, header: list[str], rows: list[list[Any]], fmts: dict[int, str] | None = None) -> None:
    for c, h in enumerate(header, 1):
        _put(ws, 1, c, h)
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row, 1):
            _put(ws, r, c, v, (fmts or {}).get(c))
    ws.freeze_panes = "A2"


def write_workbook(result: PlanningResult, path: Path) -> None:
    """Write the plans of ``result`` to ``path`` (.xlsx)."""
    cur = result.catalogue.currency
    money = f'#,##0.00 "{cur}"'
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    rows: list[list[Any]] = [
        ["Fleet", str(result.fleet.path)],
        ["Services", len(result.fleet.services)],
        ["Replicas", result.fleet.total_replicas],
        ["Catalogue", f"{result.catalogue.name} ({result.catalogue_path})"],
        ["Currency", cur],
        ["Prices as of", result.catalogue.as_of.isoformat()],
        [],
        ["Strategy", "Monthly cost", "Annual cost", "Hosts", "Status", "Lower bound", "Gap"],
    ]
    for p in result.plans:
        rows.append([p.strategy, p.total_cost, p.total_cost * 12, len(p.hosts), p.status, p.lower_bound, p.gap])
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            _put(ws, r, c, v, {2: money, 3: money, 6: money, 7: "0.00%"}.get(c) if r > 8 else None)
    r = len(rows) + 2
    if result.delta:
        _put(ws, r, 1, "Cheaper")
        _put(ws, r, 2, result.delta.cheaper)
        _put(ws, r + 1, 1, "Saving per month")
        _put(ws, r + 1, 2, result.delta.absolute, money)
        _put(ws, r + 2, 1, "Saving %")
        _put(ws, r + 2, 2, result.delta.percent / 100, "0.0%")
        r += 4
    _put(ws, r, 1, "Cost by category")
    for c, p in enumerate(result.plans, 2):
        _put(ws, r, c, p.strategy)
    for i, cat in enumerate(CATEGORIES, 1):
        _put(ws, r + i, 1, cat)
        for c, p in enumerate(result.plans, 2):
            _put(ws, r + i, c, p.cost_breakdown[cat], money)
    for p in result.plans:
        hs = wb.create_sheet(f"Hosts {p.strategy}"[:31])
        _rows(hs, ["Host", "Type", "Cost", "vCPU used", "vCPU allocatable", "GiB used", "GiB allocatable", "Items"],
              [[h.id, h.type, h.cost, h.used_vcpu, h.vcpu, h.used_memory_gib, h.memory_gib, h.items] for h in p.hosts],
              {3: money})
        ps = wb.create_sheet(f"Placements {p.strategy}"[:31])
        _rows(ps, ["Service", "Replica", "Host", "vCPU", "Memory GiB"],
              [[x.service, x.replica, x.host, x.vcpu, x.memory_gib] for x in p.placements])
    pr = wb.create_sheet("Prices")
    _rows(pr, ["Price", "Amount", "Unit", "Source", "As of", "Unverified"],
          [[u.ref, u.amount, u.unit, u.source_title, u.as_of.isoformat(), "yes" if u.unverified else ""]
           for u in result.prices_used])
    wb.save(path)
