"""Where reports go, and writing them atomically (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from planner.errors import PlannerError

DEFAULT_DIR = Path("reports")


def workbook_path(out: Path | None, fleet: Path, pricing: Path, now: dt.datetime) -> Path:
    """Return the workbook path: ``--out`` as a .xlsx path, or a folder to hold the default name.

    Default name: ``<fleet>__<catalogue>__<YYYY-MM-DD_HHMM>.xlsx``.
    """
    name = f"{fleet.stem}__{pricing.stem}__{now:%Y-%m-%d_%H%M}.xlsx"
    if out is None:
        return DEFAULT_DIR / name
    if out.suffix.lower() == ".xlsx":
        return out
    if out.suffix and not out.is_dir():
        raise PlannerError(f"--out {out}: expected a folder or a path ending in .xlsx")
    return out / name


def check_writable(path: Path, force: bool) -> None:
    """Fail before any work when the target exists (without --force) or its folder can't be made."""
    if path.exists() and not force:
        raise PlannerError(f"{path} already exists; pass --force to overwrite it, or choose another --out")
    if path.exists() and path.is_dir():
        raise PlannerError(f"{path} is a folder; expected a file path")
    ancestor = path.parent  # fail before solving, not after; create nothing yet
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise PlannerError(f"cannot write {path}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise PlannerError(f"cannot write {path}: no permission to write in {ancestor}")


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PlannerError(f"cannot create folder {path.parent}: {err.strerror}") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
    except OSError as err:
        raise PlannerError(f"cannot write in {path.parent}: {err.strerror}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, path)
        except OSError as err:
            raise PlannerError(f"cannot write {path}: {err.strerror}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(tmp)`` and move the result to ``path``; nothing is left behind on failure."""
    with atomic_target(path) as tmp:
        write(tmp)
