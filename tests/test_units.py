"""Tests for planner.units: Kubernetes CPU and memory quantities."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.units import UnitError, format_cpu, format_memory, parse_cpu, parse_memory_gib


@pytest.mark.parametrize(
    ("text", "cores"),
    [
        ("250m", 0.25),
        ("0.5", 0.5),
        ("2", 2.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1500m", 1.5),
        ("99m", 0.099),
        ("  2  ", 2.0),
        ("16", 16.0),
    ],
)
def test_parse_cpu_accepts_cores_and_millicores(text: str, cores: float) -> None:
    assert parse_cpu(text) == cores


@pytest.mark.parametrize(
    ("text", "unit", "cores"),
    [("250", "millicores", 0.25), ("1500", "millicores", 1.5), ("2", "cores", 2.0), ("0.25", "cores", 0.25)],
)
def test_parse_cpu_with_unit_from_header(text: str, unit: str, cores: float) -> None:
    assert parse_cpu(text, unit) == cores


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("2 cores", "'2 cores' is not a CPU size"),
        ("1.5.2", "'1.5.2' is not a CPU size"),
        ("-1", "'-1' is negative"),
        ("-250m", "'-250m' is negative"),
        ("0", "'0' is zero"),
        ("0m", "'0m' is zero"),
        ("nan", "'nan' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("", "empty"),
        ("   ", "empty"),
        ("1,5", "decimal comma"),
        ("2Gi", "'2Gi' is not a CPU size"),
        ("1e3", "'1e3' is not a CPU size"),
    ],
)
def test_parse_cpu_rejects_with_found_and_expected(text: str, found: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_cpu(text)
    assert found in info.value.found
    assert "millicores (250m)" in str(info.value)
    assert "; expected " in str(info.value)


@pytest.mark.parametrize("text", ["250m", "0.25cores", "2 ", "x"])
def test_parse_cpu_with_header_unit_rejects_anything_but_a_bare_number(text: str) -> None:
    if text == "2 ":  # surrounding whitespace is stripped, so this one is fine
        assert parse_cpu(text, "millicores") == 0.002
        return
    with pytest.raises(UnitError, match="bare number of millicores"):
        parse_cpu(text, "millicores")


def test_parse_cpu_unknown_unit_argument_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_cpu("2", "vcpus")


@pytest.mark.parametrize(
    ("text", "gib"),
    [
        ("512Mi", 0.5),
        ("2Gi", 2.0),
        ("1.5Gi", 1.5),
        ("1Ti", 1024.0),
        ("1048576Ki", 1.0),
        ("1G", 1e9 / 2**30),
        ("1536M", 1536e6 / 2**30),
        ("1000000k", 1e9 / 2**30),
        ("1000000K", 1e9 / 2**30),
        ("129e6", 129e6 / 2**30),
        ("129E6", 129e6 / 2**30),
        ("1073741824e0", 1.0),
        ("512MiB", 0.5),
        ("2GiB", 2.0),
        (" 64Mi ", 0.0625),
    ],
)
def test_parse_memory_accepts_kubernetes_quantities(text: str, gib: float) -> None:
    assert parse_memory_gib(text) == pytest.approx(gib, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "unit", "gib"), [("512", "mib", 0.5), ("1536", "mib", 1.5), ("2", "gib", 2.0), ("0.5", "gib", 0.5)]
)
def test_parse_memory_with_unit_from_header(text: str, unit: str, gib: float) -> None:
    assert parse_memory_gib(text, unit) == gib


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        ("512", "'512' has no unit", "write 512Mi or 2Gi, or name the column memory_mib / memory_gib"),
        ("12Qi", "unknown unit 'Qi'", "Ki Mi Gi Ti"),
        ("2GB", "'2GB' uses 'GB'", "2Gi"),
        ("512MB", "'512MB' uses 'MB'", "512M (decimal)"),
        ("2gi", "case-sensitive", "2Gi"),
        ("512m", "milli-bytes", "512Mi"),
        ("512 Mi", "space", "512Mi"),
        ("-2Gi", "'-2Gi' is negative", "> 0"),
        ("0Mi", "'0Mi' is zero", "> 0"),
        ("nan", "not a finite number", "512Mi"),
        ("infGi", "'infGi' is not a memory size", "512Mi"),
        ("", "empty", "512Mi"),
        ("1.5.2Gi", "not a memory size", "512Mi"),
        ("2 gigs", "not a memory size", "512Mi"),
        ("1e400", "too large", "realistic"),
    ],
)
def test_parse_memory_rejects_with_found_and_expected(text: str, found: str, expected: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_memory_gib(text)
    assert found in info.value.found
    assert expected in info.value.expected


@pytest.mark.parametrize(("text", "unit"), [("512Mi", "mib"), ("2Gi", "gib"), ("1e3", "mib"), ("-1", "gib")])
def test_parse_memory_with_header_unit_rejects_units_and_signs(text: str, unit: str) -> None:
    with pytest.raises(UnitError, match="bare number of"):
        parse_memory_gib(text, unit)


@pytest.mark.parametrize(
    ("cores", "text"), [(0.25, "250m"), (2.0, "2"), (1.5, "1500m"), (0.1, "100m"), (0.2505, "250.5m")]
)
def test_format_cpu(cores: float, text: str) -> None:
    assert format_cpu(cores) == text


@pytest.mark.parametrize(
    ("gib", "text"), [(0.5, "512Mi"), (2.0, "2Gi"), (1.5, "1536Mi"), (1e9 / 2**30, "953.674Mi"), (2**-20, "1Ki")]
)
def test_format_memory(gib: float, text: str) -> None:
    assert format_memory(gib) == text


@settings(deadline=None, max_examples=200)
@given(st.integers(min_value=1, max_value=256_000))
def test_cpu_round_trips_on_the_millicore_grid(millicores: int) -> None:
    cores = millicores / 1000
    assert parse_cpu(format_cpu(cores)) == cores
    assert parse_cpu(str(millicores), "millicores") == cores


@settings(deadline=None, max_examples=200)
@given(st.integers(min_value=1, max_value=4 * 1024 * 1024))
def test_memory_round_trips_on_the_mib_grid(mib: int) -> None:
    gib = mib / 1024
    assert parse_memory_gib(format_memory(gib)) == gib
    assert parse_memory_gib(str(mib), "mib") == gib


@settings(deadline=None, max_examples=100)
@given(st.text(max_size=12))
def test_parsers_raise_only_unit_error_on_any_text(text: str) -> None:
    """Garbage never escapes as anything but UnitError, and accepted values are finite and > 0."""
    for parse in (parse_cpu, parse_memory_gib):
        try:
            value = parse(text)
        except UnitError:
            continue
        assert math.isfinite(value)
        assert value > 0
