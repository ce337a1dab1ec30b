"""Creating quiet, seeded highspy instances with a consistent thread count.

HiGHS keeps one global thread scheduler per process: a run asking for a
different ``threads`` value than the scheduler was started with fails with
status "Not Set". `use_threads` resets the scheduler when the count changes.
`deferred_signals` keeps Ctrl-C and SIGTERM working while HiGHS calls back into Python.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import highspy

_current_threads: int | None = None
_banner_silenced = False


def silence_banner() -> None:
    """Construct the process's first Highs object with C-level stdout sent to /dev/null.

    highspy prints its "Running HiGHS ..." banner to file descriptor 1 once per
    process, at the first ``highspy.Highs()``. Doing that construction here, with
    fd 1 redirected, keeps the banner out of every later run (ours and PuLP's).
    """
    global _banner_silenced
    if _banner_silenced:
        return
    _banner_silenced = True
    try:
        sys.stdout.flush()
    except (AttributeError, ValueError):
        pass
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded interpreters): nothing to protect
        highspy.Highs()
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
    finally:
        os.close(saved)
        try:
            sys.stdout.flush()
        except (AttributeError, ValueError):
            pass


def use_threads(threads: int) -> None:
    """Make the next HiGHS runs in this process use ``threads`` threads."""
    global _current_threads
    threads = max(1, int(threads))
    silence_banner()
    if _current_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _current_threads = threads


def current_threads() -> int:
    """Return the thread count engine HiGHS instances must use."""
    return _current_threads or 1


def new_highs(time_limit: float, seed: int = 0) -> highspy.Highs:
    """Return a quiet, seeded HiGHS instance using the current thread count."""
    silence_banner()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.05, float(time_limit)))
    highs.setOptionValue("threads", current_threads())
    highs.setOptionValue("random_seed", int(seed))
    return highs


@contextmanager
def deferred_signals() -> Iterator[Callable[[], bool]]:
    """While HiGHS runs a Python callback, let Ctrl-C and SIGTERM only set a flag; re-raise them after.

    A Python signal handler that raises (KeyboardInterrupt) inside a HiGHS callback is
    swallowed by the C++ side: the run goes on and the signal is lost. Inside this block
    the signals are noted instead; the callback polls the function yielded here and stops
    HiGHS, and on leaving the block the first signal is raised again for the usual
    handlers. Outside the main thread (where handlers cannot be set) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    received: list[int] = []
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not None:  # None: a handler set outside Python, left alone
            previous[signum] = handler
            signal.signal(signum, lambda number, _frame: received.append(number))
    try:
        yield lambda: bool(received)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signal.raise_signal(received[0])
