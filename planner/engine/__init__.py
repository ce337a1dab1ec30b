"""The packing engine: place item groups on host types at the lowest monthly cost.

Public API: `solve_packing`, `validate_packing`, `ffd_packing` and the problem
classes from `problem.py`. Nothing outside this package needs its other modules.
"""

from planner.engine.ffd import ffd_packing
from planner.engine.highs_setup import silence_banner
from planner.engine.problem import (
    HostLoad,
    HostType,
    ItemGroup,
    LicenceOption,
    Packing,
    PackingProblem,
    SolveOptions,
    host_cost,
    packing_cost,
)
from planner.engine.solve import solve_packing
from planner.engine.validate import validate_packing

silence_banner()  # highspy's start-up banner would go to stdout at the first Highs()

__all__ = [
    "HostLoad",
    "HostType",
    "ItemGroup",
    "LicenceOption",
    "Packing",
    "PackingProblem",
    "SolveOptions",
    "ffd_packing",
    "host_cost",
    "packing_cost",
    "solve_packing",
    "validate_packing",
]
