"""Tests for planner.fleet: reading fleet CSVs and reporting every problem at once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.fleet import Fleet, Service, load_fleet

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "fleets"
SHIPPED = sorted((ROOT / "fleets").glob("*.csv"))


def problems_of(path: Path) -> list[str]:
    """Load ``path`` expecting failure; return the problem lines."""
    with pytest.raises(InputError) as info:
        load_fleet(path)
    return info.value.problems


def write(tmp_path: Path, text: str | bytes, name: str = "fleet.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


# --- shipped fleets -----------------------------------------------------------


def test_every_shipped_fleet_is_there() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"online-boutique", "bank-of-anthos", "sock-shop", "mixed-windows", "retail-platform"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_fleet_loads(path: Path) -> None:
    fleet = load_fleet(path)
    assert fleet.name == path.stem
    assert fleet.services
    assert all(s.vcpu > 0 and s.memory_gib > 0 and s.replicas >= 1 for s in fleet.services)
    assert len({s.name for s in fleet.services}) == len(fleet.services)


def test_online_boutique_reads_requests_in_header_units() -> None:
    """frontend: 100 millicores, 64 MiB; 12 services, one replica each."""
    fleet = load_fleet(ROOT / "fleets" / "online-boutique.csv")
    frontend = fleet.services[0]
    assert (frontend.name, frontend.vcpu, frontend.memory_gib, frontend.row) == ("frontend", 0.1, 0.0625, 2)
    assert fleet.total_replicas == 12
    assert fleet.notes == ("ignored columns: source",)


def test_shipped_sock_shop_sizes_the_six_unsized_services_and_says_so() -> None:
    fleet = load_fleet(ROOT / "fleets" / "sock-shop.csv")
    by_name = {s.name: s for s in fleet.services}
    assert (by_name["carts-db"].vcpu, by_name["carts-db"].memory_gib) == (0.25, 0.5)
    assert (by_name["session-db"].vcpu, by_name["session-db"].memory_gib) == (0.1, 0.125)
    assert fleet.notes == ("ignored columns: source, note",)
    notes = (ROOT / "fleets" / "sock-shop.csv").read_text().count("manifest declares no resources")
    assert notes == 6


def test_mixed_windows_fleet_has_windows_rhel_teams_and_spread() -> None:
    fleet = load_fleet(ROOT / "fleets" / "mixed-windows.csv")
    oses = [s.os for s in fleet.services]
    assert 15 <= len(fleet.services) <= 25
    assert oses.count("windows") >= 4
    assert oses.count("rhel") >= 2
    assert all(s.team for s in fleet.services)
    assert {s.max_per_host for s in fleet.services} == {1, 2}


def test_retail_platform_matches_its_generator(tmp_path: Path) -> None:
    """The shipped file is what benchmarks/fleetgen.py writes for 260 replicas, seed 6."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from fleetgen import generate_fleet, write_fleet_csv
    finally:
        sys.path.pop(0)
    rows = generate_fleet(260, 6)
    write_fleet_csv(rows, tmp_path / "regenerated.csv")
    shipped = ROOT / "fleets" / "retail-platform.csv"
    assert (tmp_path / "regenerated.csv").read_bytes() == shipped.read_bytes()
    fleet = load_fleet(shipped)
    assert fleet.total_replicas == 260
    assert 60 <= len(fleet.services) <= 80
    assert any(s.os == "windows" for s in fleet.services)
    assert any(s.max_per_host > 1 for s in fleet.services)


# --- the original Sock Shop: six services without resources ---------------------


def test_sock_shop_raw_names_all_six_unsized_services_in_one_message() -> None:
    path = DATA / "sock-shop-raw.csv"
    problems = problems_of(path)
    assert len(problems) == 1
    message = problems[0]
    assert message.startswith(f"{path}: 6 services declare neither a request nor a limit for cpu/memory")
    for name, row in [("carts-db", 3), ("catalogue-db", 5), ("orders-db", 8), ("rabbitmq", 11),
                      ("session-db", 12), ("user-db", 15)]:
        assert f"{name} (row {row})" in message
    assert "add cpu and memory requests" in message


# --- one malformed file, every problem at once -----------------------------------


MANY = DATA / "many-problems.csv"


@pytest.mark.parametrize(
    ("row", "column", "found"),
    [
        (3, "cpu", "'2 cores'"),
        (4, "memory", "'512' has no unit"),
        (5, "memory", "'12Qi' has an unknown unit"),
        (6, "cpu", "'-1' is negative"),
        (7, "cpu", "'0' is zero"),
        (7, "memory", "'0Mi' is zero"),
        (7, "replicas", "'2.5' is not a whole number"),
        (7, "max_per_host", "'0' is zero"),
        (8, "service", "empty service name"),
        (9, "service", "'web' already used in row 2"),
        (10, "cpu", "'nan' is not a finite number"),
        (10, "replicas", "'-2' is negative"),
        (10, "max_per_host", "'1.5' is not a whole number"),
        (10, "arch", "'sparc' is not a CPU architecture"),
        (11, "cpu", "'1.5.2'"),
        (11, "memory", "'2GB'"),
        (11, "replicas", "'0' is zero"),
        (11, "max_per_host", "'x' is not a number"),
    ],
)
def test_many_problems_each_names_file_row_column_and_value(row: int, column: str, found: str) -> None:
    prefix = f"{MANY}, row {row}, {column}: "
    matching = [p for p in problems_of(MANY) if p.startswith(prefix)]
    assert len(matching) == 1, problems_of(MANY)
    assert found in matching[0]
    assert "; expected " in matching[0]


def test_many_problems_are_all_reported_in_file_order() -> None:
    with pytest.raises(InputError) as info:
        load_fleet(MANY)
    problems = info.value.problems
    assert len(problems) == 18
    rows = [int(p.split(", row ")[1].split(",")[0]) for p in problems]
    assert rows == sorted(rows)
    assert str(info.value).startswith(f"{MANY}: 18 problems\n  - {MANY}, row 3, cpu:")


def test_missing_and_misspelt_required_columns_suggest_the_right_name(tmp_path: Path) -> None:
    path = write(tmp_path, "name,vcpu,memroy,count\nweb,1,1Gi,1\n")
    problems = problems_of(path)
    assert len(problems) == 4
    assert all(p.startswith(f"{path}, row 1, header: no ") for p in problems)
    assert "did you mean 'service' instead of 'name'?" in problems[0]
    assert "did you mean 'cpu' instead of 'vcpu'?" in problems[1]
    assert "did you mean 'memory' instead of 'memroy'?" in problems[2]
    assert "did you mean 'replicas' instead of 'count'?" in problems[3]


def test_misspelt_memory_fixture() -> None:
    path = DATA / "misspelt-header.csv"
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}, row 1, header: no 'memory' column")
    assert "memory, memory_mib or memory_gib" in problem
    assert "'memroy'" in problem


def test_two_columns_for_one_quantity_is_an_error() -> None:
    path = DATA / "two-cpu-columns.csv"
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}, row 1, cpu and cpu_millicores: two columns for cpu")


def test_repeated_column_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas,Replicas\nweb,1,1Gi,1,2\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}, row 1, Replicas: column appears twice (columns 4 and 5)")


def test_wrong_number_of_fields_names_the_rows() -> None:
    path = DATA / "bad-field-count.csv"
    problems = problems_of(path)
    assert problems[0].startswith(f"{path}, row 3: 5 fields; expected 4")
    assert problems[1].startswith(f"{path}, row 4: 3 fields; expected 4")


def test_header_only_file_has_no_services() -> None:
    path = DATA / "header-only.csv"
    assert problems_of(path) == [f"{path}: no services (the file has a header row but no rows); "
                                 "expected one row per service"]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", b"  \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, content)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: empty file; expected a header row")


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "a zip archive (an .xlsx workbook?)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        ("service,cpu\n".encode("utf-16"), "UTF-16 text"),
        (b"service,cpu\x00,memory\n", "NUL bytes"),
        ("service,cpu,memory,replicas\ncaf\u00e9,1,1Gi,1\n".encode("cp1252"), "byte 0xe9 on line 2"),
    ],
)
def test_non_text_files_are_not_a_utf8_text_csv(tmp_path: Path, content: bytes, found: str) -> None:
    path = write(tmp_path, content)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: not a UTF-8 text CSV")
    assert found in problem


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert problems_of(path) == [f"cannot read {path}: no such file"]


def test_directory_given(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"cannot read {tmp_path}: it is a directory")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas\n")
    path.chmod(0)
    assert problems_of(path) == [f"cannot read {path}: permission denied"]


def test_unterminated_quote_is_malformed_csv(tmp_path: Path) -> None:
    path = write(tmp_path, 'service,cpu,memory,replicas\n"web,1,1Gi,1\napi,1,1Gi,1\n')
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}, row ")
    assert "malformed CSV" in problem


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_semicolon_or_tab_separated_file(tmp_path: Path, separator: str, name: str) -> None:
    path = write(tmp_path, separator.join(["service", "cpu", "memory", "replicas"]) + "\nweb;1;1Gi;1\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}, row 1: the header is separated by {name}")
    assert "expected commas" in problem


def test_request_above_limit_is_rejected() -> None:
    path = DATA / "request-above-limit.csv"
    problems = problems_of(path)
    assert problems == [
        f"{path}, row 3, cpu_millicores: request 500m is above its limit 250m (cpu_limit_millicores); "
        "expected a request <= limit (Kubernetes rejects such a pod)",
        f"{path}, row 4, memory_mib: request 1Gi is above its limit 512Mi (memory_limit_mib); "
        "expected a request <= limit (Kubernetes rejects such a pod)",
    ]


def test_bad_limit_value_is_reported_in_its_column(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas,memory_limit\nweb,,1Gi,1,lots\n")
    problems = problems_of(path)
    assert f"{path}, row 2, memory_limit: 'lots' is not a memory size" in problems[0]
    assert "web (row 2: cpu)" in problems[1]  # and cpu has neither request nor limit
    assert "neither a request nor a limit for cpu:" in problems[1]


def test_empty_replicas_and_missing_request_without_limit_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas\nweb,1,,\n")
    problems = problems_of(path)
    assert problems[0] == f"{path}, row 2, replicas: empty; expected a whole number of replicas >= 1"
    assert problems[1].startswith(f"{path}: 1 service declares neither a request nor a limit for memory: "
                                  "web (row 2: memory)")


# --- accepted variations ---------------------------------------------------------


def test_limits_only_rows_are_planned_at_the_limit_with_a_note() -> None:
    fleet = load_fleet(DATA / "limits-only.csv")
    by_name = {s.name: s for s in fleet.services}
    assert (by_name["both"].vcpu, by_name["both"].memory_gib, by_name["both"].sized_from_limit) == (0.25, 0.25, ())
    assert (by_name["cpu-limit-only"].vcpu, by_name["cpu-limit-only"].sized_from_limit) == (1.0, ("cpu",))
    assert by_name["all-limits"].sized_from_limit == ("cpu", "memory")
    assert (by_name["all-limits"].vcpu, by_name["all-limits"].memory_gib) == (2.0, 4.0)
    assert fleet.notes == ("planned at limit (no request): cpu-limit-only (cpu), all-limits (cpu, memory)",)


def test_limit_columns_without_request_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu_limit_cores,memory_limit_gib,replicas\nweb,2,4,1\n")
    [web] = load_fleet(path).services
    assert (web.vcpu, web.memory_gib, web.sized_from_limit) == (2.0, 4.0, ("cpu", "memory"))


def test_header_names_are_case_insensitive_and_may_carry_units() -> None:
    fleet = load_fleet(DATA / "header-units.csv")
    analytics, etl = fleet.services
    assert analytics == Service("analytics", 1.5, 6.0, 2, os="windows", team="data", row=2)
    assert etl == Service("etl", 0.25, 0.5, 1, row=3)


def test_unit_column_rejects_value_with_unit_naming_the_column(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu_millicores,memory_mib,replicas\nweb,250m,512Mi,1\n")
    problems = problems_of(path)
    assert problems[0].startswith(f"{path}, row 2, cpu_millicores: '250m' carries a unit")
    assert problems[1].startswith(f"{path}, row 2, memory_mib: '512Mi' carries a unit")


def test_quoted_fields_with_commas_quotes_and_newlines() -> None:
    fleet = load_fleet(DATA / "quoted.csv")
    checkout, search = fleet.services
    assert (checkout.name, checkout.team) == ("checkout, eu", "Payments, EU")
    assert (search.name, search.row) == ("search", 3)


def test_bom_and_crlf(tmp_path: Path) -> None:
    text = "service,cpu,memory,replicas\r\nweb,250m,512Mi,3\r\napi,1,2Gi,1\r\n"
    path = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    fleet = load_fleet(path)
    assert [(s.name, s.vcpu, s.memory_gib, s.replicas) for s in fleet.services] == [
        ("web", 0.25, 0.5, 3), ("api", 1.0, 2.0, 1)]
    assert fleet.notes == ()


def test_bom_crlf_error_rows_are_physical_lines(tmp_path: Path) -> None:
    text = "service,cpu,memory,replicas\r\n\r\nweb,250m,512Mi,x\r\n"
    path = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert problems_of(path)[0].startswith(f"{path}, row 3, replicas: 'x'")


def test_blank_rows_are_skipped_and_rows_keep_their_line_numbers() -> None:
    fleet = load_fleet(DATA / "blank-rows.csv")
    assert [(s.name, s.row) for s in fleet.services] == [("web", 3), ("api", 5)]


def test_unknown_columns_are_listed_once_with_suggestions() -> None:
    fleet = load_fleet(DATA / "unknown-columns.csv")
    assert fleet.notes == ("ignored columns: source, owner, max_per_hots (did you mean max_per_host?)",)
    assert fleet.services[0].max_per_host == 1


def test_several_trailing_unnamed_columns_are_noted_not_duplicates(tmp_path: Path) -> None:
    """Spreadsheets export empty trailing columns: 'service,cpu,memory,replicas,,'."""
    path = write(tmp_path, "service,cpu,memory,replicas,,\na,250m,512Mi,2,,\n")
    fleet = load_fleet(path)
    assert [(s.name, s.replicas) for s in fleet.services] == [("a", 2)]
    assert fleet.notes == ("ignored columns: (unnamed column 5), (unnamed column 6)",)


def test_optional_columns_defaults_and_normalisation(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas,os,team,max_per_host,arch\n"
                           " web ,250m,512Mi, 3.0 , Windows ,  ,2,AMD64\n"
                           "api,1,1Gi,1,,shop,,aarch64\n"
                           "db,1,1Gi,1,rhel,data,1,\n")
    web, api, db = load_fleet(path).services
    assert web == Service("web", 0.25, 0.5, 3, os="windows", team=None, max_per_host=2, arch="x86_64", row=2)
    assert (api.os, api.team, api.max_per_host, api.arch) == ("linux", "shop", 1, "arm64")
    assert (db.os, db.arch) == ("rhel", "any")


def test_fleet_total_replicas_and_name(tmp_path: Path) -> None:
    path = write(tmp_path, "service,cpu,memory,replicas\na,1,1Gi,3\nb,1,1Gi,4\n", name="shop.csv")
    fleet = load_fleet(path)
    assert isinstance(fleet, Fleet)
    assert (fleet.name, fleet.total_replicas, fleet.path) == ("shop", 7, path)


def test_values_are_never_coerced(tmp_path: Path) -> None:
    """Leading zeros, 'NA' and 'null' stay text: a service called NA is fine, replicas '007' is 7."""
    path = write(tmp_path, "service,cpu,memory,replicas,team\nNA,1,1Gi,007,null\n")
    [service] = load_fleet(path).services
    assert (service.name, service.replicas, service.team) == ("NA", 7, "null")


def test_os_with_control_characters_or_a_huge_length_is_refused_naming_the_row(tmp_path: Path) -> None:
    """An invisible control character made 'lin\\x07ux' print as 'linux' in 'os 'linux' has no price ...
    expected one of linux, ...'; a 5,000-character OS was echoed whole."""
    path = write(tmp_path, "service,cpu,memory,replicas,os\na,1,1Gi,1,lin\x07ux\nb,1,1Gi,1," + "w" * 5000 + "\n")
    problems = problems_of(path)
    assert problems[0] == (f"{path}, row 2, os: 'lin\\x07ux' contains the control character U+0007; "
                           "expected an OS name of printable characters")
    assert problems[1].startswith(f"{path}, row 3, os: a name of 5,000 characters")
    assert "w" * 50 not in problems[1] and problems[1].endswith("expected an OS name of at most 253 characters")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_after_the_size_limit() -> None:
    """/dev/zero was read until memory ran out (MemoryError traceback under a memory limit)."""
    [problem] = problems_of(Path("/dev/zero"))
    assert problem == ("/dev/zero: larger than 256 MiB; expected a fleet CSV of at most 256 MiB "
                       "(a fleet plans at most 200,000 replicas)")


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.fleet

    text = "service,cpu,memory,replicas\na,1,1Gi,1\n"
    monkeypatch.setattr(planner.fleet, "MAX_FILE_BYTES", len(text.encode()))
    assert [s.name for s in load_fleet(write(tmp_path, text)).services] == ["a"]
    [problem] = problems_of(write(tmp_path, text + "b,1,1Gi,1\n"))
    assert problem.startswith(f"{tmp_path / 'fleet.csv'}: larger than ")


def test_thousands_of_bad_rows_show_the_first_hundred_and_a_count_of_the_rest(tmp_path: Path) -> None:
    # a unit wrong on every row of an export printed one line per row (5,000 lines)
    text = "service,cpu,memory,replicas\n" + "".join(f"s{i},1,2GB!,1\n" for i in range(5000))
    with pytest.raises(InputError) as info:
        load_fleet(write(tmp_path, text))
    assert len(info.value.problems) == 5000  # all kept
    shown = str(info.value).splitlines()
    assert len(shown) == 102 and "row 101, memory: '2GB!'" in shown[-2]
    assert shown[-1] == "  ... and 4,900 more problems of the same files, not shown (the first 100 are above)"
