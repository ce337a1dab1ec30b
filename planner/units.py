"""Parse and format CPU and memory sizes written the way Kubernetes writes them.

CPU is returned in cores, memory in GiB (2**30 bytes), both as floats. Values are
parsed through ``Decimal`` so "250m" is exactly 0.25 and "512Mi" exactly 0.5.

CPU (``parse_cpu``), when the column header does not name the unit:
    ``2``, ``0.5``, ``1.5`` (cores) or ``250m`` (millicores).

Memory (``parse_memory_gib``), when the column header does not name the unit,
follows the Kubernetes quantity grammar:
    binary suffixes ``Ki Mi Gi Ti Pi Ei`` (1Gi = 2**30 bytes),
    decimal suffixes ``k M G T P E`` (1G = 10**9 bytes; ``K`` is accepted as ``k``),
    decimal exponents ``129e6`` / ``129E6`` (bytes).
  Also accepted: ``KiB MiB GiB TiB PiB EiB``, which can only mean the binary
  units. Rejected with a hint: ``MB``/``GB`` (people write them for both 10**9
  and 2**30, so we make the writer choose ``G`` or ``Gi``), ``m`` (Kubernetes
  reads ``512m`` as 0.512 *bytes*; nobody means that), and a bare number, which
  is ambiguous (bytes? MiB? GiB?).

When the header names the unit (``cpu_millicores``, ``cpu_cores``,
``memory_mib``, ``memory_gib``) pass ``unit=`` and the value must be a bare
decimal number.

Every size must be finite and > 0. Errors are ``UnitError`` with ``found`` (what
was read, quoted) and ``expected`` (what would have been accepted), so a caller
can put file, row and column in front of them.

Nothing here knows about files, rows or columns.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["UnitError", "format_cpu", "format_memory", "parse_cpu", "parse_memory_gib"]


class UnitError(ValueError):
    """A size that could not be read: what was found and what was expected."""

    def __init__(self, found: str, expected: str) -> None:
        """Keep ``found`` and ``expected`` apart so callers can prefix file, row and column."""
        self.found = found
        self.expected = expected
        super().__init__(f"{found}; expected {expected}")


# A plain unsigned decimal: "2", "0.5", "2.", ".5". No sign, exponent, spaces or commas.
_DECIMAL = r"(?:\d+(?:\.\d*)?|\.\d+)"
_BARE_RE = re.compile(rf"^{_DECIMAL}$")
_CPU_RE = re.compile(rf"^(?P<num>{_DECIMAL})(?P<suffix>m?)$")
_MEMORY_RE = re.compile(
    rf"^(?P<num>{_DECIMAL})"
    r"(?:(?P<exp>[eE][+-]?\d+)|(?P<suffix>[KMGTPE]iB?|[kKMGTPE]))?$"
)
# Looks like a number followed by something: used to tell "unknown unit" from garbage.
_NUMBER_THEN_REST_RE = re.compile(rf"^(?P<num>{_DECIMAL})(?P<rest>.*)$", re.DOTALL)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SI = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BYTES_PER_GIB = Decimal(2**30)

_CPU_EXPECTED = "cores (0.5, 2) or millicores (250m)"
_MEMORY_EXPECTED = "a size with a unit such as 512Mi, 2Gi, 1G or 1536M"
_CPU_UNITS = {"cores": Decimal(1), "millicores": Decimal(1000)}
_MEMORY_UNITS = {"mib": Decimal(1024), "gib": Decimal(1)}


def parse_cpu(text: str, unit: str | None = None) -> float:
    """Return the CPU size ``text`` in cores.

    ``unit`` is "cores" or "millicores" when the column header names it; then
    ``text`` must be a bare number.
    """
    value = _clean(text, "CPU size", _CPU_EXPECTED if unit is None else _bare_expected(unit))
    if unit is not None:
        per_core = _unit_factor(unit, _CPU_UNITS)
        return _to_float(_checked_bare(value, _bare_expected(unit)) / per_core, value)
    match = _CPU_RE.match(value)
    if not match:
        _reject_signed_or_special(value, _CPU_EXPECTED)
        raise UnitError(f"{value!r} is not a CPU size", _CPU_EXPECTED)
    number = Decimal(match["num"])
    _require_positive(number, value, _CPU_EXPECTED)
    if match["suffix"] == "m":
        number /= 1000
    return _to_float(number, value)


def parse_memory_gib(text: str, unit: str | None = None) -> float:
    """Return the memory size ``text`` in GiB.

    ``unit`` is "mib" or "gib" when the column header names it; then ``text``
    must be a bare number. Without ``unit`` a bare number is ambiguous and rejected.
    """
    value = _clean(text, "memory size", _MEMORY_EXPECTED if unit is None else _bare_expected(unit))
    if unit is not None:
        per_gib = _unit_factor(unit, _MEMORY_UNITS)
        return _to_float(_checked_bare(value, _bare_expected(unit)) / per_gib, value)
    match = _MEMORY_RE.match(value)
    if not match:
        _reject_signed_or_special(value, _MEMORY_EXPECTED)
        raise _memory_unit_error(value)
    number = Decimal(match["num"])
    if match["exp"] is None and match["suffix"] is None:
        raise UnitError(
            f"{value!r} has no unit (bytes? MiB? GiB?)",
            "a size with a unit: write 512Mi or 2Gi, or name the column memory_mib / memory_gib",
        )
    _require_positive(number, value, _MEMORY_EXPECTED)
    if match["exp"] is not None:
        size_bytes = number.scaleb(int(match["exp"][1:]))
    else:
        suffix = match["suffix"].removesuffix("B")
        size_bytes = number * (_BINARY[suffix] if suffix in _BINARY else _DECIMAL_SI[suffix])
    gib = _to_float(size_bytes / _BYTES_PER_GIB, value)
    if gib == 0.0:  # e.g. "1e-30": positive on paper, nothing in practice
        raise UnitError(f"{value!r} is too small to be a memory size", _MEMORY_EXPECTED)
    return gib


def format_cpu(cores: float) -> str:
    """Return ``cores`` as Kubernetes would write it: "2", "1500m", "250m"."""
    millicores = round(cores * 1000, 6)
    if float(millicores).is_integer():
        whole = int(millicores)
        return str(whole // 1000) if whole % 1000 == 0 else f"{whole}m"
    return f"{_trim(f'{millicores:.3f}')}m"


def format_memory(gib: float) -> str:
    """Return ``gib`` as Kubernetes would write it: "2Gi", "512Mi", "953.674Mi"."""
    mib = round(gib * 1024, 6)
    if float(mib).is_integer():
        whole = int(mib)
        return f"{whole // 1024}Gi" if whole % 1024 == 0 else f"{whole}Mi"
    kib = round(gib * 1024 * 1024, 6)
    if float(kib).is_integer():
        return f"{int(kib)}Ki"
    return f"{gib * 1024:.6g}Mi"


# --- helpers ---------------------------------------------------------------


def _clean(text: str, what: str, expected: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    value = text.strip()
    if not value:
        raise UnitError(f"empty (no {what} given)", expected)
    return value


def _bare_expected(unit: str) -> str:
    examples = {"cores": "0.5 or 2", "millicores": "250 or 1500", "mib": "512 or 1536", "gib": "0.5 or 2"}
    names = {"cores": "cores", "millicores": "millicores", "mib": "MiB", "gib": "GiB"}
    if unit not in examples:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(examples)}")
    return f"a bare number of {names[unit]} (the column header names the unit), e.g. {examples[unit]}"


def _unit_factor(unit: str, table: dict[str, Decimal]) -> Decimal:
    if unit not in table:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(table)}")
    return table[unit]


def _checked_bare(value: str, expected: str) -> Decimal:
    if not _BARE_RE.match(value):
        _reject_signed_or_special(value, expected)
        rest = _NUMBER_THEN_REST_RE.match(value)
        if rest and rest["rest"] and not rest["rest"][0].isspace() and rest["rest"][0] not in ".,":
            raise UnitError(f"{value!r} carries a unit ({rest['rest']!r})", expected)
        raise UnitError(f"{value!r} is not a number", expected)
    number = Decimal(value)
    _require_positive(number, value, expected)
    return number


def _require_positive(number: Decimal, value: str, expected: str) -> None:
    if number == 0:
        raise UnitError(f"{value!r} is zero", f"a size > 0: {expected}")


def _reject_signed_or_special(value: str, expected: str) -> None:
    """Raise a specific error for negative numbers, nan and infinity."""
    if value.startswith("-"):
        raise UnitError(f"{value!r} is negative", f"a size > 0: {expected}")
    if value.lower().lstrip("+") in {"nan", "inf", "infinity"}:
        raise UnitError(f"{value!r} is not a finite number", expected)
    if value.startswith("+"):
        raise UnitError(f"{value!r} has a sign", f"no sign: {expected}")
    if re.match(r"^\d+,\d+", value):
        point = value.replace(",", ".", 1)
        raise UnitError(f"{value!r} uses a decimal comma", f"a decimal point ({point}): {expected}")


def _memory_unit_error(value: str) -> UnitError:
    match = _NUMBER_THEN_REST_RE.match(value)
    if not match or not match["rest"]:
        return UnitError(f"{value!r} is not a memory size", _MEMORY_EXPECTED)
    num, rest = match["num"], match["rest"]
    if rest[0] in ".,":  # "1.5.2Gi": the number itself is malformed
        return UnitError(f"{value!r} is not a memory size", _MEMORY_EXPECTED)
    if rest.strip() != rest or " " in rest:
        squeezed = rest.strip()
        if _MEMORY_RE.match(num + squeezed):
            return UnitError(f"{value!r} has a space before the unit", f"no space: {num}{squeezed}")
        return UnitError(f"{value!r} is not a memory size", _MEMORY_EXPECTED)
    if rest == "m":
        return UnitError(
            f"{value!r} uses 'm' (Kubernetes reads it as milli-bytes)",
            f"{num}Mi (mebibytes) or {num}M (megabytes)",
        )
    if rest.upper() in {"KB", "MB", "GB", "TB", "PB", "EB"}:
        letter = rest[0].upper().replace("K", "k")
        return UnitError(
            f"{value!r} uses {rest!r}, which people use for both 10^n and 2^n bytes",
            f"{num}{letter}i (binary, as Kubernetes manifests usually say) or {num}{letter} (decimal)",
        )
    for suffix in (*_BINARY, *(f"{s}B" for s in _BINARY)):
        if rest.lower() == suffix.lower():
            canonical = suffix.removesuffix("B")
            return UnitError(f"{value!r} has an unknown unit {rest!r} (units are case-sensitive)", f"{num}{canonical}")
    return UnitError(
        f"{value!r} has an unknown unit {rest!r}",
        "one of Ki Mi Gi Ti (binary) or k M G T (decimal), e.g. 512Mi or 2Gi",
    )


def _to_float(number: Decimal, value: str) -> float:
    result = float(number)
    if not math.isfinite(result):
        raise UnitError(f"{value!r} is too large", "a realistic size")
    return result


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
