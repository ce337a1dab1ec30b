"""Load a fleet CSV (one row per service) into a ``Fleet``.

The file format, in short (the README has the long version):

- Required columns: ``service``, ``cpu``, ``memory``, ``replicas``. Optional:
  ``os`` (default linux), ``team``, ``max_per_host`` (default 1), ``arch``
  (x86_64, arm64 or any; amd64 and aarch64 are accepted as aliases).
- Header names are case-insensitive; surrounding spaces are stripped. A header
  may name the unit, and then values are bare numbers: ``cpu_cores``,
  ``cpu_millicores``, ``memory_mib``, ``memory_gib``. Plain ``cpu`` takes
  cores or millicores (``0.5``, ``250m``); plain ``memory`` needs a unit
  (``512Mi``, ``2Gi``, ``1G``). See ``planner.units``.
- Kubernetes limits: ``cpu_limit`` / ``cpu_limit_cores`` / ``cpu_limit_millicores``
  and ``memory_limit`` / ``memory_limit_mib`` / ``memory_limit_gib``. A service
  with a limit but no request is planned at its limit (and a note says so); a
  request above its limit is an error, as Kubernetes rejects it.
- Other columns are ignored and listed in a note.
- UTF-8 with or without BOM, LF or CRLF, quoted fields. Blank rows are skipped.
- Whole numbers: ``replicas`` and ``max_per_host`` accept ``3`` and ``3.0``
  (spreadsheets write the latter) but not ``3.5``, and at most 1,000,000
  (``MAX_REPLICAS``, ``MAX_MAX_PER_HOST``). Numbers are ASCII digits only;
  sizes are bounded by ``planner.units`` (CPU, memory).

Every problem in the file is reported at once, in file order, one line each:
``{path}, row {n}, {column}: {found}; expected {expected}``. Row numbers are
1-based physical lines of the file (the header is normally row 1), so they
match what an editor shows. Values are read as text and only stripped of
surrounding whitespace, never coerced.

Nothing here knows about catalogues or which OS names are valid.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from planner.errors import InputError
from planner.units import (
    UnitError,
    format_cpu,
    format_memory,
    non_ascii_digit,
    parse_cpu,
    parse_memory_gib,
    quote_excerpt,
)

__all__ = ["MAX_FLEET_REPLICAS", "MAX_MAX_PER_HOST", "MAX_REPLICAS", "Fleet", "Service", "grow", "load_fleet",
           "parse_growth"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Service:
    """One service of the fleet: the size of one replica and how many there are."""

    name: str
    vcpu: float  # cores requested per replica (the limit when no request)
    memory_gib: float  # GiB requested per replica (the limit when no request)
    replicas: int
    os: str = "linux"
    team: str | None = None
    max_per_host: int = 1  # most replicas of this service on one host
    arch: str = "any"  # x86_64, arm64 or any
    row: int = 0  # 1-based line of the CSV (header is row 1)
    sized_from_limit: tuple[str, ...] = ()  # "cpu" / "memory" when planned at the limit
    # Requests a namespace's LimitRange set (manifests only), e.g. ("cpu from LimitRange shop/limits",):
    # ``plan convert`` writes them in its note column. Not compared, like ``origin``.
    request_defaults: tuple[str, ...] = field(default=(), compare=False)
    growth: float | None = None  # expected growth of this service's requests (0.3 = +30 %); None = the run's --growth
    # Where the service was read when not a CSV row (a manifest's file and line): messages name it
    # instead of ``row N``. Not compared: the same service read from elsewhere is the same service.
    origin: str = field(default="", compare=False)

    @property
    def where(self) -> str:
        """``row N`` of the fleet CSV, or the manifest file and line the service came from."""
        return self.origin or f"row {self.row}"


@dataclass(frozen=True)
class Fleet:
    """The services of one fleet file, in file order, and notes about how it was read."""

    path: Path
    name: str
    services: tuple[Service, ...]
    notes: tuple[str, ...] = ()
    # Per-node overhead from Kubernetes DaemonSets (one pod of each on every node):
    # taken off every container-density node's allocatable capacity and pod slots.
    daemonset_vcpu: float = 0.0
    daemonset_memory_gib: float = 0.0
    daemonset_pods: int = 0
    # DaemonSets pinned to nodes of one OS and/or CPU architecture, on top of the above:
    # (nodes, vCPU, GiB, pods) per node of those only. ``nodes`` is "linux" or "windows"
    # (kubernetes.io/os), "linux/arm64" (and arch), or "any/x86_64" (kubernetes.io/arch only).
    daemonset_os: tuple[tuple[str, float, float, int], ...] = ()

    def daemonset_on(self, node_os: str, node_arch: str = "x86_64") -> tuple[float, float, int]:
        """Return the DaemonSet overhead (vCPU, GiB, pods) on one node of ``node_os`` (windows, or any
        Linux) and ``node_arch`` (x86_64 or arm64)."""
        vcpu, memory_gib, pods = self.daemonset_vcpu, self.daemonset_memory_gib, self.daemonset_pods
        for nodes, v, m, n in self.daemonset_os:
            if daemonset_runs_on(nodes, node_os, node_arch):
                vcpu, memory_gib, pods = vcpu + v, memory_gib + m, pods + n
        return vcpu, memory_gib, pods

    @property
    def total_replicas(self) -> int:
        """Return the number of replicas over all services."""
        return sum(s.replicas for s in self.services)


def daemonset_runs_on(nodes: str, node_os: str, node_arch: str) -> bool:
    """Return True when DaemonSets pinned to ``nodes`` ("linux", "windows/x86_64", "any/arm64") run on
    a node of ``node_os`` and ``node_arch`` (any OS but windows is a Linux node)."""
    os_part, _, arch_part = nodes.partition("/")
    if os_part != "any" and (os_part == "windows") != (node_os == "windows"):
        return False
    return not arch_part or arch_part == node_arch


# Size columns: quantity -> {header: unit passed to planner.units (None = unit in the value)}.
_SIZE_COLUMNS: dict[str, dict[str, str | None]] = {
    "cpu": {"cpu": None, "cpu_cores": "cores", "cpu_millicores": "millicores"},
    "memory": {"memory": None, "memory_mib": "mib", "memory_gib": "gib"},
    "cpu_limit": {"cpu_limit": None, "cpu_limit_cores": "cores", "cpu_limit_millicores": "millicores"},
    "memory_limit": {"memory_limit": None, "memory_limit_mib": "mib", "memory_limit_gib": "gib"},
}
_PLAIN_COLUMNS = ("service", "replicas", "os", "team", "max_per_host", "arch", "growth")
_KNOWN = {*_PLAIN_COLUMNS, *(h for group in _SIZE_COLUMNS.values() for h in group)}
# Headers people write for a required column; only used to suggest the right name.
_HINTS = {
    "service": ("name", "service_name", "app", "application", "deployment", "workload"),
    "replicas": ("replica", "count", "instances", "pods", "num_replicas"),
    "cpu": ("vcpu", "vcpus", "cpus", "cores", "cpu_request", "requests_cpu", "cpu_m", "millicores"),
    "memory": ("mem", "ram", "memory_request", "requests_memory", "mem_mib", "memory_mb", "memory_gb"),
}
_ARCH = {"any": "any", "x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}
# ASCII digits only: Python's int() and regex \d also take Arabic-Indic and fullwidth digits.
_WHOLE_RE = re.compile(r"^[0-9]+(?:\.0*)?$")
# Realistic bounds: far above any real service, far below what overflows the engine's int64 arrays.
MAX_REPLICAS = 1_000_000
MAX_MAX_PER_HOST = 1_000_000
# Replicas in one fleet. Kubernetes supports at most 150,000 pods per cluster; a plan holds
# every replica in memory (and on a workbook row): 200,000 replicas took 104 s and 2.8 GB.
MAX_FLEET_REPLICAS = 200_000
# 200,000 rows (the most a fleet plans) of 1 KiB, with room to spare; read no more than this.
MAX_FILE_BYTES = 256 * 2**20
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file (an .xls workbook?)"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
_NOT_TEXT = "expected a comma-separated text file saved as UTF-8"


class _Bad(Exception):
    """A value that failed a check: what was found and what was expected."""

    def __init__(self, found: str, expected: str) -> None:
        super().__init__(found)
        self.found, self.expected = found, expected


class GrowthError(_Bad):
    """A growth value that is not a percentage (the column's and ``--growth``'s)."""


def load_fleet(path: Path) -> Fleet:
    """Read the fleet CSV at ``path``; raise ``InputError`` listing every problem in it."""
    path = Path(path)
    records = _read_records(path)
    problems: list[tuple[int, int, str]] = []  # (row, column index, message) for sorting
    header_row, header = records[0]
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if len(header) == 1 and separator in header[0]:
            raise InputError(f"{path}, row {header_row}: the header is separated by {name} ({header[0]!r}); "
                             "expected commas: export the sheet as CSV (comma-separated)")
    columns, notes = _map_header(path, header_row, header, problems)
    services: list[Service] = []
    first_row_of: dict[str, int] = {}
    unsized: list[tuple[str, int, list[str]]] = []
    from_limit: list[str] = []
    for row, fields in records[1:]:
        if len(fields) != len(header):
            problems.append((row, -1, f"{path}, row {row}: {len(fields)} fields; expected {len(header)}, "
                             "as many as the header row (an unquoted comma inside a value?)"))
            continue
        service = _read_row(path, row, fields, header, columns, problems, unsized)
        name = fields[columns["service"]].strip() if "service" in columns else ""
        if name:
            if name in first_row_of:
                problems.append((row, columns["service"], f"{path}, row {row}, {header[columns['service']]}: "
                                 f"{name!r} already used in row {first_row_of[name]}; expected unique service names"))
            else:
                first_row_of[name] = row
        if service is not None:
            services.append(service)
            if service.sized_from_limit:
                from_limit.append(f"{service.name} ({', '.join(service.sized_from_limit)})")
    if unsized:
        problems.append((unsized[0][1], len(header), _unsized_message(path, unsized)))
    if len(records) == 1 and not problems:
        problems.append((header_row, -1, f"{path}: no services (the file has a header row but no rows); "
                         "expected one row per service"))
    if problems:
        problems.sort(key=lambda p: (p[0], p[1]))
        count = len(problems)
        raise InputError([p[2] for p in problems], header=f"{path}: {count} problems" if count > 1 else None)
    if from_limit:
        notes.append(f"planned at limit (no request): {', '.join(from_limit)}")
    return Fleet(path=path, name=path.stem, services=tuple(services), notes=tuple(notes))


def _read_records(path: Path) -> list[tuple[int, list[str]]]:
    """Return the non-blank CSV records of ``path`` with their 1-based first line."""
    try:
        with path.open("rb") as handle:  # bounded: /dev/zero or a runaway export must not fill memory
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path}: it is a directory; expected a fleet CSV file") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; expected a fleet CSV of at most "
                         f"{MAX_FILE_BYTES // 2**20} MiB (a fleet plans at most 200,000 replicas)")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{path}: not a UTF-8 text CSV (it looks like {what}); {_NOT_TEXT}")
    if b"\x00" in data:
        raise InputError(f"{path}: not a UTF-8 text CSV (it contains NUL bytes: a binary file?); {_NOT_TEXT}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"{path}: not a UTF-8 text CSV (byte 0x{data[err.start]:02x} on line {line} is not "
                         f"UTF-8; saved as Latin-1/Windows-1252?); {_NOT_TEXT}") from None
    if not text.strip():
        raise InputError(f"{path}: empty file; expected a header row such as service,cpu,memory,replicas "
                         "and one row per service")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for fields in reader:
            start, line = line + 1, reader.line_num
            if any(f.strip() for f in fields):
                records.append((start, fields))
                if len(records) > MAX_FLEET_REPLICAS + 1:  # each row is at least one replica: stop reading
                    raise InputError(f"{path}: more than {MAX_FLEET_REPLICAS:,} rows (services of one replica or "
                                     f"more); expected at most {MAX_FLEET_REPLICAS:,} replicas in all (Kubernetes "
                                     "runs at most 150,000 pods per cluster): plan each cluster or team on its own")
    except csv.Error as err:
        raise InputError(f"{path}, row {line + 1}: malformed CSV ({err}); expected fields separated by commas, "
                         'a value with commas or quotes "quoted like this"') from None
    return records


def _map_header(
    path: Path, row: int, header: list[str], problems: list[tuple[int, int, str]]
) -> tuple[dict[str, int], list[str]]:
    """Return {column or quantity name: index} for the known columns, and notes on the rest."""
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    seen: dict[str, int] = {}
    unknown: list[int] = []
    for index, name in enumerate(names):
        if not name:  # unnamed (spreadsheets export trailing empty columns): noted, never a duplicate
            unknown.append(index)
            continue
        if name in seen:
            problems.append((row, index, f"{path}, row {row}, {header[index].strip()}: column appears twice "
                             f"(columns {seen[name] + 1} and {index + 1}); expected each column once"))
            continue
        seen[name] = index
        if name not in _KNOWN:
            unknown.append(index)
    for quantity, group in _SIZE_COLUMNS.items():
        present = [names[i] for i in sorted(seen.values()) if names[i] in group]
        if len(present) > 1:
            problems.append((row, seen[present[1]], f"{path}, row {row}, {' and '.join(present)}: two columns for "
                             f"{quantity.replace('_', ' ')}; expected one of {', '.join(group)}"))
        if present:
            columns[quantity] = seen[present[0]]
    for name in _PLAIN_COLUMNS:
        if name in seen:
            columns[name] = seen[name]
    unknown_names = [names[i] for i in unknown if names[i]]
    for required in ("service", "cpu", "memory", "replicas"):
        if required in columns or f"{required}_limit" in columns:
            continue
        accepted = list(_SIZE_COLUMNS.get(required, {required: None}))
        if required in _SIZE_COLUMNS:
            accepted += list(_SIZE_COLUMNS[f"{required}_limit"])
        guess = _guess(unknown_names, accepted, _HINTS.get(required, ()))
        hint = f"; did you mean {guess[1]!r} instead of {guess[0]!r}?" if guess else ""
        found = ", ".join(h.strip() for h in header if h.strip())
        problems.append((row, len(header), f"{path}, row {row}, header: no {required!r} column (columns are: "
                         f"{found}); expected {', '.join(accepted[:2])} or {accepted[2]}{hint}"
                         if len(accepted) > 1 else
                         f"{path}, row {row}, header: no {required!r} column (columns are: {found}); "
                         f"expected a column named {required}{hint}"))
    notes: list[str] = []
    if unknown:
        described = []
        for i in unknown:
            if not names[i]:
                described.append(f"(unnamed column {i + 1})")
                continue
            close = difflib.get_close_matches(names[i], sorted(_KNOWN), n=1, cutoff=0.75)
            described.append(f"{header[i].strip()} (did you mean {close[0]}?)" if close else header[i].strip())
        notes.append(f"ignored columns: {', '.join(described)}")
    return columns, notes


def _guess(unknown: list[str], accepted: list[str], hints: tuple[str, ...]) -> tuple[str, str] | None:
    """Return (unknown header, accepted name) when an unknown header looks like a misspelt one."""
    for name in unknown:
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.75)
        if close:
            return name, close[0]
        if name in hints:
            return name, accepted[0]
    return None


def _read_row(
    path: Path,
    row: int,
    fields: list[str],
    header: list[str],
    columns: dict[str, int],
    problems: list[tuple[int, int, str]],
    unsized: list[tuple[str, int, list[str]]],
) -> Service | None:
    """Return the row's ``Service``, or None after adding its problems to ``problems``."""
    before = len(problems)

    def check(key: str, parse: Callable[[str], _T], default: _T | None = None) -> _T | None:
        if key not in columns:
            return default
        index = columns[key]
        try:
            return parse(fields[index].strip())
        except (_Bad, UnitError) as bad:
            problems.append((row, index, f"{path}, row {row}, {header[index].strip()}: {bad.found}; "
                             f"expected {bad.expected}"))
            return None

    def size(key: str) -> float | None:
        if key not in columns or not fields[columns[key]].strip():
            return None
        name = header[columns[key]].strip().lower()
        unit = _SIZE_COLUMNS[key][name]
        parse = parse_cpu if key.startswith("cpu") else parse_memory_gib
        return check(key, lambda text: parse(text, unit))

    name = check("service", _service_name, "")
    replicas = check("replicas", lambda t: _whole(t, "replicas", required=True))
    max_per_host = check("max_per_host", lambda t: _whole(t, "max_per_host", required=False), 1)
    arch = check("arch", _arch, "any")
    growth = check("growth", parse_growth, None) if "growth" in columns and fields[columns["growth"]].strip() else None
    os_name = check("os", _os_name, "") or ""
    team = check("team", _team_name, "") or ""
    sized: dict[str, float] = {}
    from_limit: list[str] = []
    missing: list[str] = []
    for quantity in ("cpu", "memory"):
        request_text = fields[columns[quantity]].strip() if quantity in columns else ""
        limit_key = f"{quantity}_limit"
        limit_text = fields[columns[limit_key]].strip() if limit_key in columns else ""
        request, limit = size(quantity), size(limit_key)
        if quantity not in columns and limit_key not in columns:
            continue  # the header problem already says so
        if not request_text and not limit_text:
            missing.append(quantity)
        elif request is not None and limit is not None and request > limit:
            fmt = format_cpu if quantity == "cpu" else format_memory
            index = columns[quantity]
            problems.append((row, index, f"{path}, row {row}, {header[index].strip()}: request {fmt(request)} is "
                             f"above its limit {fmt(limit)} ({header[columns[limit_key]].strip()}); expected a "
                             "request <= limit (Kubernetes rejects such a pod)"))
        elif request is not None:
            sized[quantity] = request
        elif limit is not None and not request_text:
            sized[quantity] = limit
            from_limit.append(quantity)
    if missing:
        unsized.append((name or "(no name)", row, missing))
    if len(problems) > before or missing or "cpu" not in sized or "memory" not in sized:
        return None
    if name is None or replicas is None or max_per_host is None or arch is None:
        return None  # unreachable: each None came with a problem above
    return Service(
        name=name,
        vcpu=sized["cpu"],
        memory_gib=sized["memory"],
        replicas=replicas,
        os=os_name or "linux",
        team=team or None,
        max_per_host=max_per_host,
        arch=arch,
        row=row,
        sized_from_limit=tuple(from_limit),
        growth=growth,
    )


def parse_growth(text: str, bare_is_percent: bool = False) -> float:
    """Return a growth fraction from a percentage like ``30%`` (0.3) or ``-10%``.

    With ``bare_is_percent`` (``--growth``) a number without its sign is percent too (``30``),
    except a fraction such as 0.3: it may mean 30 %, so it is refused rather than read as 0.3 %.
    """
    bare = re.fullmatch(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*", text)
    if bare and float(bare.group(1)) == 0:
        return 0.0  # no growth needs no unit
    if bare and bare_is_percent:
        number = bare.group(1)
        if abs(float(number)) < 1:
            raise GrowthError(f"growth {quote_excerpt(text)}: a fraction without a % sign",
                              f"a percentage such as {float(number) * 100:g}% (for {float(number) * 100:g} %) or "
                              f"{number}% (for {number} %)")
        text = f"{number}%"
    match = re.fullmatch(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*%\s*", text)
    if not match:
        odd = non_ascii_digit(text)
        if odd is not None:
            raise GrowthError(f"growth {quote_excerpt(text)} has a digit that is not 0-9 ({odd!r}, U+{ord(odd):04X})",
                              "a percentage such as 30%, in ASCII digits 0-9")
        raise GrowthError(f"growth {quote_excerpt(text)}", "a percentage such as 30%"
                          + ("" if bare_is_percent else " (the % sign is required)"))
    value = float(match.group(1)) / 100.0
    if value <= -1 or value > 100:
        raise GrowthError(f"growth {quote_excerpt(text)}", "a percentage above -100% and at most 10000%")
    return value


def grow(fleet: Fleet, growth: float = 0.0) -> Fleet:
    """Return the fleet with each replica's requests grown by its ``growth`` column, else by ``growth``.

    Growth scales the CPU and memory request of every replica (1.3 x at 30 %), so the
    fleet's total requests grow by exactly that factor; replica counts are unchanged.
    """
    services = []
    for s in fleet.services:
        g = s.growth if s.growth is not None else growth
        services.append(replace(s, vcpu=s.vcpu * (1 + g), memory_gib=s.memory_gib * (1 + g)))
    return replace(fleet, services=tuple(services))


# Kubernetes object names are at most 253 characters; Excel cells hold at most 32,767.
MAX_NAME_LENGTH = 253


def _service_name(text: str) -> str:
    if not text:
        raise _Bad("empty service name", "a service name, unique in the file")
    _printable(text, "a service name")
    return text


def _team_name(text: str) -> str:
    if text:
        _printable(text, "a team name")
    return text


def _os_name(text: str) -> str:
    if text:
        _printable(text, "an OS name")
    return text.lower()


def _printable(text: str, what: str) -> None:
    """Refuse names the workbook could not show as given (control characters, huge lengths)."""
    if len(text) > MAX_NAME_LENGTH:
        raise _Bad(f"a name of {len(text):,} characters ({quote_excerpt(text)})",
                   f"{what} of at most {MAX_NAME_LENGTH} characters")
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise _Bad(f"{quote_excerpt(text)} contains the control character U+{ord(bad):04X}",
                   f"{what} of printable characters")


def _whole(text: str, column: str, *, required: bool) -> int:
    """Return ``text`` as a whole number from 1 to the column's maximum ("3" and "3.0", not "3.5")."""
    what = "a whole number of replicas >= 1" if column == "replicas" else "a whole number >= 1 (default 1)"
    shown = quote_excerpt(text)
    if not text:
        if required:
            raise _Bad("empty", what)
        return 1
    if not _WHOLE_RE.match(text):
        odd = non_ascii_digit(text)
        if odd is not None:
            raise _Bad(f"{shown} has a digit that is not 0-9 ({odd!r}, U+{ord(odd):04X})", f"{what}, in ASCII digits 0-9")
        if re.match(r"^-[0-9]", text):
            raise _Bad(f"{shown} is negative", what)
        if re.match(r"^[0-9]*\.[0-9]+$", text):
            raise _Bad(f"{shown} is not a whole number", what)
        raise _Bad(f"{shown} is not a number", what)
    maximum = MAX_REPLICAS if column == "replicas" else MAX_MAX_PER_HOST
    digits = text.split(".")[0].lstrip("0")
    if len(digits) > len(str(maximum)) or int(digits or "0") > maximum:  # no int() of a 5000-digit string
        noun = "replicas per service" if column == "replicas" else "replicas of a service per host"
        raise _Bad(f"{shown} is too large", f"at most {maximum:,} {noun}")
    value = int(digits or "0")
    if value < 1:
        raise _Bad(f"{shown} is zero", what + (" (remove a service that runs no replicas)" if required else ""))
    return value


def _arch(text: str) -> str:
    if not text:
        return "any"
    key = text.lower().replace("-", "_")
    if key not in _ARCH:
        raise _Bad(f"{text!r} is not a CPU architecture", "x86_64 (or amd64), arm64 (or aarch64), or any")
    return _ARCH[key]


def _unsized_message(path: Path, unsized: list[tuple[str, int, list[str]]]) -> str:
    """One message naming every service that has neither a request nor a limit."""
    both = all(len(m) == 2 for _, _, m in unsized)
    quantities = sorted({q for _, _, m in unsized for q in m}, key=["cpu", "memory"].index)
    listed = ", ".join(
        f"{name} (row {row})" if both else f"{name} (row {row}: {', '.join(m)})" for name, row, m in unsized
    )
    count = len(unsized)
    noun = "service declares" if count == 1 else "services declare"
    return (f"{path}: {count} {noun} neither a request nor a limit for {'/'.join(quantities)}: {listed}; "
            f"expected a request (or a limit) for each: add {' and '.join(quantities)} requests")
