"""User-facing errors: anything raised as a PlannerError is printed without a traceback and exits 2."""

from __future__ import annotations


class PlannerError(Exception):
    """A problem the user can fix. The CLI prints it and exits with status 2."""


class InputError(PlannerError):
    """One or more problems in an input file, all reported at once.

    Each problem is one line: ``file, row 7, memory: must be > 0 (got -2)``.
    """

    def __init__(self, problems: list[str] | str, header: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.header = header
        super().__init__(self.render())

    def render(self) -> str:
        """Return the message as shown to the user."""
        lines = [self.header] if self.header else []
        if len(self.problems) == 1 and not self.header:
            return self.problems[0]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class InfeasibleError(PlannerError):
    """Services that fit no host, or a model with no feasible plan."""
