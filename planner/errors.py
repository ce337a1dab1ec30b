"""User-facing errors: anything raised as a PlannerError is printed without a traceback and exits 2."""

from __future__ import annotations


class PlannerError(Exception):
    """A problem the user can fix. The CLI prints it and exits with status 2."""


# Problems shown at most (all are kept in ``InputError.problems``): a CSV exported with the
# wrong unit on every one of 200,000 rows should not print 200,000 lines.
SHOWN_PROBLEMS = 100


class InputError(PlannerError):
    """One or more problems in an input file, all reported at once (the first SHOWN_PROBLEMS shown).

    Each problem is one line: ``file, row 7, memory: must be > 0 (got -2)``.
    """

    def __init__(self, problems: list[str] | str, header: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.header = header
        super().__init__(self.render())

    def render(self) -> str:
        """Return the message as shown to the user."""
        if len(self.problems) == 1 and not self.header:
            return self.problems[0]
        # without a header the list would start on the "error:" line: "error:   - first problem"
        lines = [self.header or f"{len(self.problems):,} problems:"]
        lines += [f"  - {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - SHOWN_PROBLEMS:,} more problems of the same files, "
                         f"not shown (the first {SHOWN_PROBLEMS} are above)")
        return "\n".join(lines)


class InfeasibleError(PlannerError):
    """Services that fit no host, or a model with no feasible plan."""
