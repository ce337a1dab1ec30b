"""Creating quiet, seeded highspy instances with a consistent thread count.

HiGHS keeps one global thread scheduler per process: a run asking for a
different ``threads`` value than the scheduler was started with fails with
status "Not Set". `use_threads` resets the scheduler when the count changes.
"""

from __future__ import annotations

import highspy

_current_threads: int | None = None


def use_threads(threads: int) -> None:
    """Make the next HiGHS runs in this process use ``threads`` threads."""
    global _current_threads
    threads = max(1, int(threads))
    if _current_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _current_threads = threads


def current_threads() -> int:
    """Return the thread count engine HiGHS instances must use."""
    return _current_threads or 1


def new_highs(time_limit: float, seed: int = 0) -> highspy.Highs:
    """Return a quiet, seeded HiGHS instance using the current thread count."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.05, float(time_limit)))
    highs.setOptionValue("threads", current_threads())
    highs.setOptionValue("random_seed", int(seed))
    return highs
