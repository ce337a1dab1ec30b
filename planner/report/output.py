"""Where reports go, and writing them atomically (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable
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


# Longest file name most file systems take (bytes); pathconf gives the real figure where it can.
NAME_MAX = 255


def check_writable(path: Path, force: bool, option: str = "--out") -> None:
    """Fail before any work when the target exists (without --force) or its folder can't be made."""
    if path.is_dir():
        raise PlannerError(f"{option} {path}: is a folder; expected a file path")
    if path.exists() and not force:
        raise PlannerError(f"{path} already exists; pass --force to overwrite it, or choose another {option}")
    ancestor = path.parent  # fail before solving, not after; create nothing yet
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise PlannerError(f"cannot write {path}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise PlannerError(f"cannot write {path}: no permission to write in {ancestor}")
    try:
        name_max = os.pathconf(ancestor, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = NAME_MAX
    # The temporary file is named ".<stem>.<8 random>.<suffix>.tmp": it must fit too.
    sizes = [len(part.encode("utf-8", "surrogateescape")) for part in path.parent.parts]
    sizes.append(len(path.name.encode("utf-8", "surrogateescape")) + 14)
    if max(sizes) > name_max:
        raise PlannerError(f"cannot write {path}: a file or folder name in it is too long "
                           f"(file names at most {name_max - 14} bytes, folder names {name_max}); "
                           "choose a shorter --out")


def _resolved(path: Path) -> Path:
    """Return the absolute path with links followed; a link that loops is an error naming it."""
    try:
        return path.resolve()
    except RuntimeError:  # Python before 3.13 raises this for a symbolic link loop (3.13: OSError ELOOP)
        raise PlannerError(f"{path}: a symbolic link that loops; expected a file path this system can open") from None


def check_not_input(output: Path, option: str, inputs: list[tuple[Path, str]]) -> None:
    """Fail when an output would replace an input file (even with --force), or land in an input folder.

    ``inputs`` are (path, what it is). A folder input is a folder of Kubernetes manifests: a
    JSON or YAML output inside it would be read as a manifest by the next run.
    """
    target = _resolved(output)
    for path, what in inputs:
        source = _resolved(path)
        if target == source:
            raise PlannerError(f"{option} {output} is the {what} this run reads; planner never overwrites its "
                               f"inputs: choose another {option}")
        if source.is_dir() and source in target.parents and output.suffix.lower() in (".json", ".yaml", ".yml"):
            raise PlannerError(f"{option} {output} is inside {path}, the {what} this run reads (the next run "
                               f"would read it as a manifest): choose another {option}")


def check_distinct(paths: list[Path]) -> None:
    """Fail when two outputs are the same file, or one would be a folder holding another."""
    resolved = [_resolved(p) for p in paths]
    for i, a in enumerate(resolved):
        for j, b in enumerate(resolved):
            if i < j and a == b:
                raise PlannerError(f"{paths[i]} and {paths[j]} are the same file; expected different paths "
                                   "for the workbook and the JSON")
            if i != j and a in b.parents:
                raise PlannerError(f"{paths[i]} would have to be a folder (it holds {paths[j]}); "
                                   "expected a file path")


def _file_mode(path: Path) -> int:
    """Return the mode a new file gets from the umask, or the mode of the file it replaces."""
    if path.is_file():
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_outputs(targets: list[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write every target to a temporary file beside it, then rename them all into place.

    Nothing is renamed until every file is written, so a failure (or Ctrl-C) leaves no
    output, no temporary file and no folder this call created. New files get the usual
    umask mode (not mkstemp's 0600); a replaced file keeps its mode.
    """
    created: list[Path] = []
    temps: list[tuple[Path, Path]] = []
    done = False
    try:
        for path, write in targets:
            missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise PlannerError(f"cannot create folder {path.parent}: {err.strerror}") from None
            created += reversed(missing)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
            except OSError as err:
                raise PlannerError(f"cannot write in {path.parent}: {err.strerror}") from None
            os.close(fd)
            temps.append((Path(tmp), path))
            write(Path(tmp))
            os.chmod(tmp, _file_mode(path))
        for tmp, path in temps:
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise PlannerError(f"cannot write {path}: {err.strerror}") from None
        done = True
    finally:
        for tmp, _ in temps:
            if tmp.exists():
                tmp.unlink()
        if not done:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if still empty

