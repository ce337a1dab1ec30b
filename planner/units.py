"""Parse and format CPU and memory sizes written the way Kubernetes writes them.

CPU is returned in cores, memory in GiB (2**30 bytes), both as floats. Values are
parsed through ``Decimal`` so "250m" is exactly 0.25 and "512Mi" exactly 0.5.

CPU (``parse_cpu``), when the column header does not name the unit:
    ``2``, ``0.5``, ``1.5`` (cores) or ``250m`` (millicores); ``500u``
    (microcores) and ``1n`` (nanocores) as Kubernetes also accepts them.

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

Every size must be finite, > 0 and realistic: CPU from 1n to ``MAX_CPU_CORES``
(100000 cores), memory from one byte to ``MAX_MEMORY_GIB`` (4 PiB) per replica;
a value that rounds to zero is "too small". Only ASCII digits count as digits
(``int``/``Decimal`` would take Arabic-Indic or fullwidth ones). Errors are
``UnitError`` with ``found`` (what was read, quoted and shortened when long) and
``expected`` (what would have been accepted), so a caller can put file, row and
column in front of them.

Nothing here knows about files, rows or columns.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = [
    "MAX_CPU_CORES", "MAX_MEMORY_GIB", "UnitError", "format_cpu", "format_memory", "non_ascii_digit", "parse_cpu",
    "parse_memory_gib", "quote_excerpt",
]


class UnitError(ValueError):
    """A size that could not be read: what was found and what was expected."""

    def __init__(self, found: str, expected: str) -> None:
        """Keep ``found`` and ``expected`` apart so callers can prefix file, row and column."""
        self.found = found
        self.expected = expected
        super().__init__(f"{found}; expected {expected}")


# A plain unsigned decimal: "2", "0.5", "2.", ".5". No sign, exponent, spaces or commas.
_DECIMAL = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_BARE_RE = re.compile(rf"^{_DECIMAL}$")
_CPU_RE = re.compile(rf"^(?P<num>{_DECIMAL})(?P<suffix>[mun]?)$")
_MEMORY_RE = re.compile(
    rf"^(?P<num>{_DECIMAL})"
    r"(?:(?P<exp>[eE][+-]?[0-9]+)|(?P<suffix>[KMGTPE]iB?|[kKMGTPE]))?$"
)
# Looks like a number followed by something: used to tell "unknown unit" from garbage.
_NUMBER_THEN_REST_RE = re.compile(rf"^(?P<num>{_DECIMAL})(?P<rest>.*)$", re.DOTALL)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SI = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BYTES_PER_GIB = Decimal(2**30)
_CPU_SUFFIX = {"": Decimal(1), "m": Decimal(10**3), "u": Decimal(10**6), "n": Decimal(10**9)}

# Realistic bounds for one replica. Above the maximum is a typo (or an attack), not a
# workload; below the minimum rounds to nothing (Kubernetes' finest CPU unit is 1n,
# its finest memory unit one byte).
MAX_CPU_CORES = 100_000
MIN_CPU_CORES = Decimal("1e-9")  # 1n
MAX_MEMORY_GIB = 4 * 2**20  # 4 PiB
MIN_MEMORY_BYTES = Decimal(1)
# Decimal exponents beyond this are rejected before any arithmetic (no Overflow, no
# InvalidOperation, no million-digit intermediate): far outside both bounds anyway.
_MAX_MAGNITUDE = 40

_CPU_EXPECTED = "cores (0.5, 2) or millicores (250m)"
_MEMORY_EXPECTED = "a size with a unit such as 512Mi, 2Gi, 1G or 1536M"
_CPU_TOO_LARGE = f"a realistic size: at most {MAX_CPU_CORES} cores per replica"
_MEMORY_TOO_LARGE = f"a realistic size: at most {MAX_MEMORY_GIB // 2**20}Pi ({MAX_MEMORY_GIB} GiB) per replica"
_CPU_UNITS = {"cores": Decimal(1), "millicores": Decimal(1000)}
_MEMORY_UNITS = {"mib": Decimal(1024), "gib": Decimal(1)}


def parse_cpu(text: str, unit: str | None = None) -> float:
    """Return the CPU size ``text`` in cores.

    ``unit`` is "cores" or "millicores" when the column header names it; then
    ``text`` must be a bare number. Without it, ``n`` (nanocores) and ``u``
    (microcores) are accepted too, as Kubernetes does.
    """
    expected = _CPU_EXPECTED if unit is None else _bare_expected(unit)
    value = _clean(text, "CPU size", expected)
    if unit is not None:
        per_core = _unit_factor(unit, _CPU_UNITS)
        number = _checked_bare(value, expected)
    else:
        match = _CPU_RE.match(value)
        if not match:
            _reject_signed_or_special(value, _CPU_EXPECTED)
            raise UnitError(f"{_q(value)} is not a CPU size", _CPU_EXPECTED)
        number = Decimal(match["num"])
        _require_positive(number, value, _CPU_EXPECTED)
        per_core = _CPU_SUFFIX[match["suffix"]]
    _check_magnitude(number.adjusted() - per_core.adjusted(), value, "CPU", _CPU_TOO_LARGE, expected)
    cores = number / per_core
    if cores > MAX_CPU_CORES:
        raise UnitError(f"{_q(value)} is too large", _CPU_TOO_LARGE)
    if cores < MIN_CPU_CORES:
        raise UnitError(f"{_q(value)} is too small to be a CPU size (less than 1n, a billionth of a core)",
                        f"a size of at least 1n: {expected}")
    return _to_float(cores, value)


def parse_memory_gib(text: str, unit: str | None = None) -> float:
    """Return the memory size ``text`` in GiB.

    ``unit`` is "mib" or "gib" when the column header names it; then ``text``
    must be a bare number. Without ``unit`` a bare number is ambiguous and rejected.
    """
    expected = _MEMORY_EXPECTED if unit is None else _bare_expected(unit)
    value = _clean(text, "memory size", expected)
    if unit is not None:
        per_gib = _unit_factor(unit, _MEMORY_UNITS)
        number = _checked_bare(value, expected)
        _check_magnitude(number.adjusted() - per_gib.adjusted() + 9, value, "memory", _MEMORY_TOO_LARGE, expected)
        gib = number / per_gib
    else:
        match = _MEMORY_RE.match(value)
        if not match:
            _reject_signed_or_special(value, _MEMORY_EXPECTED)
            raise _memory_unit_error(value)
        number = Decimal(match["num"])
        if match["exp"] is None and match["suffix"] is None:
            raise UnitError(
                f"{_q(value)} has no unit (bytes? MiB? GiB?)",
                "a size with a unit: write 512Mi or 2Gi, or name the column memory_mib / memory_gib",
            )
        _require_positive(number, value, _MEMORY_EXPECTED)
        if match["exp"] is not None:
            digits = match["exp"][1:].lstrip("+-").lstrip("0") or "0"
            negative = match["exp"][1] == "-"
            if len(digits) > 6:  # 1e999999999: no need (nor way) to compute it
                _check_magnitude(-(10**7) if negative else 10**7, value, "memory", _MEMORY_TOO_LARGE, expected)
            exponent = -int(digits) if negative else int(digits)
            _check_magnitude(number.adjusted() + exponent, value, "memory", _MEMORY_TOO_LARGE, expected)
            gib = number.scaleb(exponent) / _BYTES_PER_GIB
        else:
            suffix = match["suffix"].removesuffix("B")
            factor = Decimal(_BINARY[suffix] if suffix in _BINARY else _DECIMAL_SI[suffix])
            _check_magnitude(number.adjusted() + factor.adjusted(), value, "memory", _MEMORY_TOO_LARGE, expected)
            gib = number * factor / _BYTES_PER_GIB
    if gib > MAX_MEMORY_GIB:
        raise UnitError(f"{_q(value)} is too large", _MEMORY_TOO_LARGE)
    if gib * _BYTES_PER_GIB < MIN_MEMORY_BYTES:  # e.g. "1e-30": positive on paper, nothing in practice
        raise UnitError(f"{_q(value)} is too small to be a memory size (less than one byte)", expected)
    return _to_float(gib, value)


def non_ascii_digit(text: str) -> str | None:
    """Return the first digit of ``text`` that is not 0-9 (Arabic-Indic, fullwidth, ...), or None.

    Python's ``int``, ``float``, ``Decimal`` and regex ``\\d`` accept every Unicode
    digit; input files must use ASCII digits, so callers check with this first.
    """
    return next((c for c in text if c.isdigit() and c not in "0123456789"), None)


def format_cpu(cores: float) -> str:
    """Return ``cores`` as Kubernetes would write it: "2", "1500m", "250m"."""
    millicores = round(cores * 1000, 6)
    if float(millicores).is_integer():
        whole = int(millicores)
        return str(whole // 1000) if whole % 1000 == 0 else f"{whole}m"
    if millicores < 1 and round(millicores, 3) != millicores:  # below a microcore's precision: nanocores
        return f"{round(cores * 1e9)}n"
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
            raise UnitError(f"{_q(value)} carries a unit ({_q(rest['rest'])})", expected)
        raise UnitError(f"{_q(value)} is not a number", expected)
    number = Decimal(value)
    _require_positive(number, value, expected)
    return number


def _require_positive(number: Decimal, value: str, expected: str) -> None:
    if number == 0:
        raise UnitError(f"{_q(value)} is zero", f"a size > 0: {expected}")


def _reject_signed_or_special(value: str, expected: str) -> None:
    """Raise a specific error for non-ASCII digits, negative numbers, nan and infinity."""
    odd = non_ascii_digit(value)
    if odd is not None:
        raise UnitError(f"{_q(value)} has a digit that is not 0-9 ({odd!r}, U+{ord(odd):04X})",
                        f"ASCII digits 0-9: {expected}")
    if value.startswith("-"):
        raise UnitError(f"{_q(value)} is negative", f"a size > 0: {expected}")
    if value.lower().lstrip("+") in {"nan", "inf", "infinity"}:
        raise UnitError(f"{_q(value)} is not a finite number", expected)
    if value.startswith("+"):
        raise UnitError(f"{_q(value)} has a sign", f"no sign: {expected}")
    if re.match(r"^[0-9]+,[0-9]+", value):
        point = value.replace(",", ".", 1)
        raise UnitError(f"{_q(value)} uses a decimal comma", f"a decimal point ({point}): {expected}")


def _memory_unit_error(value: str) -> UnitError:
    match = _NUMBER_THEN_REST_RE.match(value)
    if not match or not match["rest"]:
        return UnitError(f"{_q(value)} is not a memory size", _MEMORY_EXPECTED)
    num, rest = match["num"], match["rest"]
    if rest[0] in ".,":  # "1.5.2Gi": the number itself is malformed
        return UnitError(f"{_q(value)} is not a memory size", _MEMORY_EXPECTED)
    if rest.strip() != rest or " " in rest:
        squeezed = rest.strip()
        if _MEMORY_RE.match(num + squeezed):
            return UnitError(f"{_q(value)} has a space before the unit", f"no space: {num}{squeezed}")
        return UnitError(f"{_q(value)} is not a memory size", _MEMORY_EXPECTED)
    if rest == "m":
        return UnitError(
            f"{_q(value)} uses 'm' (Kubernetes reads it as milli-bytes)",
            f"{num}Mi (mebibytes) or {num}M (megabytes)",
        )
    if rest.upper() in {"KB", "MB", "GB", "TB", "PB", "EB"}:
        letter = rest[0].upper().replace("K", "k")
        return UnitError(
            f"{_q(value)} uses {_q(rest)}, which people use for both 10^n and 2^n bytes",
            f"{num}{letter}i (binary, as Kubernetes manifests usually say) or {num}{letter} (decimal)",
        )
    for suffix in (*_BINARY, *(f"{s}B" for s in _BINARY)):
        if rest.lower() == suffix.lower():
            canonical = suffix.removesuffix("B")
            return UnitError(f"{_q(value)} has an unknown unit {_q(rest)} (units are case-sensitive)", f"{num}{canonical}")
    return UnitError(
        f"{_q(value)} has an unknown unit {_q(rest)}",
        "one of Ki Mi Gi Ti (binary) or k M G T (decimal), e.g. 512Mi or 2Gi",
    )


def _check_magnitude(magnitude: int, value: str, what: str, too_large: str, expected: str) -> None:
    """Reject a value whose power of ten (``Decimal.adjusted``, unit applied) is absurd, before computing it."""
    if magnitude > _MAX_MAGNITUDE:
        raise UnitError(f"{_q(value)} is too large", too_large)
    if magnitude < -_MAX_MAGNITUDE:
        raise UnitError(f"{_q(value)} is too small to be a {what} size (it rounds to zero)", expected)


def quote_excerpt(text: str) -> str:
    """Return ``text`` quoted for a message, shortened when it is long (a message echoes, never floods)."""
    if len(text) <= 40:
        return repr(text)
    return f"{text[:20]!r}...{text[-8:]!r} ({len(text)} characters)"


_q = quote_excerpt


def _to_float(number: Decimal, value: str) -> float:
    result = float(number)
    if not math.isfinite(result):
        raise UnitError(f"{_q(value)} is too large", "a realistic size")
    return result


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
