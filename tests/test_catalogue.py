"""Catalogue loading: the shipped catalogues load, and every malformed catalogue gives one
InputError naming the file, the line and the key of each problem."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from planner.catalogue import Catalogue, load_catalogue, price_as_of, price_is_unverified, sourced_figures
from planner.errors import InputError, PlannerError

ROOT = Path(__file__).resolve().parents[1]
PRICING = ROOT / "pricing"
DATA = Path(__file__).resolve().parent / "data" / "pricing"
TINY_CLOUD = DATA / "tiny-cloud.yaml"
TINY_ONPREM = DATA / "tiny-onprem.yaml"


def load_error(path: Path) -> str:
    """Return the rendered InputError for ``path`` (and check it is a user-facing error)."""
    with pytest.raises(InputError) as info:
        load_catalogue(path)
    assert isinstance(info.value, PlannerError)
    message = str(info.value)
    assert str(path) in message
    assert "Traceback" not in message
    return message


def variant(tmp_path: Path, base: Path, old: str, new: str, name: str = "bad.yaml") -> Path:
    """Write ``base`` with one exact substitution to ``tmp_path/name``."""
    text = base.read_text()
    assert old in text, f"fixture text {old!r} not found in {base.name}"
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    """Return the 1-based line of the first occurrence of ``needle`` in ``path``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# --------------------------------------------------------------------------- shipped catalogues


@pytest.mark.parametrize("name", ["aws.yaml", "onprem.yaml"])
def test_shipped_catalogues_load(name: str) -> None:
    catalogue = load_catalogue(PRICING / name)
    assert isinstance(catalogue, Catalogue)
    newest = max(price_as_of(catalogue, price) for _, price in sourced_figures(catalogue))
    assert catalogue.as_of == newest, "top-level as_of should be the newest price date"


def test_aws_catalogue_contents() -> None:
    """Spot-check figures against pricing-facts.md §1.1, §1.2 and §1.4."""
    catalogue = load_catalogue(PRICING / "aws.yaml")
    assert catalogue.name == "AWS us-east-1 on-demand"
    assert catalogue.is_cloud
    types = {t.name: t for t in catalogue.instance_types}
    assert types["m7i.xlarge"].price.amount == pytest.approx(0.2016)
    assert (types["m7i.xlarge"].vcpu, types["m7i.xlarge"].memory_gib, types["m7i.xlarge"].max_pods) == (4, 16, 58)
    assert types["r7i.large"].price.amount == pytest.approx(0.1323)
    assert types["m7g.xlarge"].arch == "arm64"
    assert types["t3.nano"].burstable and types["t4g.micro"].burstable
    assert not types["m7i.large"].burstable
    for family in ("t3", "t3a", "t4g"):
        sizes = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")
        assert {f"{family}.{size}" for size in sizes} <= set(types)
    for family in ("m7i", "c7i", "r7i"):
        assert {f"{family}.{size}" for size in ("large", "xlarge", "2xlarge", "4xlarge", "48xlarge")} <= set(types)
    for family in ("m7g", "c7g", "r7g"):
        assert {f"{family}.{size}" for size in ("medium", "large", "16xlarge")} <= set(types)
    windows = catalogue.os_pricing["windows"]
    assert (windows.per, windows.price.amount, windows.arch, windows.exclude_burstable) == ("vcpu", 0.046, ["x86_64"], True)
    assert not price_is_unverified(catalogue, windows.price)
    assert price_is_unverified(catalogue, catalogue.os_pricing["rhel"].price)
    eks = next(lic for lic in catalogue.licences if lic.name == "eks")
    assert (eks.role, eks.unit, eks.price.amount, eks.price.per) == ("fee", "cluster", 0.10, "hour")
    assert catalogue.strategies.container_density.fees == ["eks"]
    assert catalogue.overheads.container.node_reservation.formula == "eks"


def test_onprem_catalogue_contents() -> None:
    """Spot-check licence rules against pricing-facts.md §3 and the placeholders' flags."""
    catalogue = load_catalogue(PRICING / "onprem.yaml")
    assert not catalogue.is_cloud
    assert catalogue.facility is not None and catalogue.facility.colocation_per_kw is not None
    assert catalogue.facility.colocation_per_kw.amount == 196
    licences = {lic.name: lic for lic in catalogue.licences}
    vvf = licences["vvf"]
    assert (vvf.unit, vvf.price.amount, vvf.price.per, vvf.min_per_socket) == ("physical_core", 135, "year", 16)
    standard = licences["ws2025-standard"]
    assert (standard.price.amount, standard.price.units, standard.payment) == (1176, 16, "perpetual")
    assert (standard.min_per_socket, standard.min_per_host, standard.pack_size, standard.vms_per_licence) == (8, 16, 2, 2)
    assert licences["ws2025-datacenter"].vms_per_licence is None
    assert licences["ws2025-datacenter"].price.amount == 6771
    assert price_is_unverified(catalogue, licences["openshift"].price)
    for host in catalogue.host_models:
        assert host.sockets == 2
        assert price_is_unverified(catalogue, host.purchase)
        assert host.purchase.per == "once"
    assert catalogue.strategies.vm_per_service.hypervisor == ["vvf"]
    assert catalogue.strategies.container_density.container_platform == ["openshift"]


@pytest.mark.parametrize("name", ["tiny-cloud.yaml", "tiny-onprem.yaml"])
def test_tiny_fixtures_load(name: str) -> None:
    catalogue = load_catalogue(DATA / name)
    assert catalogue.as_of == dt.date(2026, 1, 1)
    assert not any(price_is_unverified(catalogue, p) for _, p in sourced_figures(catalogue))


def test_price_helpers_use_the_source_date_and_flags(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        TINY_CLOUD,
        "  test:\n    title: Made-up round numbers for tests\n    as_of: 2026-01-01\n",
        "  test:\n    title: Made-up round numbers for tests\n    as_of: 2026-01-01\n"
        "  guess:\n    title: A guess\n    as_of: 2025-06-30\n    unverified: true\n",
    )
    path.write_text(
        path.read_text()
        .replace("amount: 0.20, per: hour, source: test}", "amount: 0.20, per: hour, source: guess}")
        .replace(
            "amount: 0.50, per: hour, source: test}",
            "amount: 0.50, per: hour, source: test, as_of: 2025-12-01, unverified: true}",
        )
    )
    catalogue = load_catalogue(path)
    small, medium, large, _ = catalogue.instance_types
    assert price_as_of(catalogue, small.price) == dt.date(2026, 1, 1)
    assert price_as_of(catalogue, medium.price) == dt.date(2025, 6, 30)
    assert price_as_of(catalogue, large.price) == dt.date(2025, 12, 1)
    assert [price_is_unverified(catalogue, t.price) for t in (small, medium, large)] == [False, True, True]
    paths = [p for p, _ in sourced_figures(catalogue)]
    assert "instance_types[1].price" in paths and "os_pricing.windows.price" in paths


def test_dates_may_be_quoted_strings(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "as_of: 2026-01-01\ndescription", "as_of: '2026-01-01'\ndescription")
    assert load_catalogue(path).as_of == dt.date(2026, 1, 1)


# --------------------------------------------------------------------------- files and YAML


def test_missing_file(tmp_path: Path) -> None:
    message = load_error(tmp_path / "nope.yaml")
    assert "no such file" in message


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in load_error(tmp_path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary" in load_error(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\ncurrency: EUR\n".encode("latin-1"))
    message = load_error(path)
    assert "line 1" in message and "UTF-8" in message


def test_empty_file() -> None:
    assert "empty" in load_error(DATA / "bad-empty.yaml")


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- name: a\n- name: b\n")
    message = load_error(path)
    assert "line 1" in message and "top level must be a mapping" in message


def test_yaml_syntax_error_gives_line_and_column() -> None:
    path = DATA / "bad-syntax.yaml"
    message = load_error(path)
    assert re.search(r"line 8, column \d+: YAML syntax error", message), message


# Documents the libyaml-based reader must read exactly as the pure-Python one (data, the line of
# every key, or the same error): number forms, anchors and merges, tags, dates, line breaks.
_READER_CASES = [
    "a: 1:30\nb: 010\nc: 0x10\nd: 0b11\ne: .inf\nf: 1_000\ni: 1e3\nj: 1.0e+3\nk: yes\nl: ~\n",
    "a: 2026-02-29\n", "a: 2026-07-20T13:44:30Z\nb: 2026-01-01\n",
    "a: &x {p: 1}\nb: *x\nc:\n  <<: *x\n  q: 2\n", "a: &a [*a]\n", "a: *undefined\n",
    "a: 1\na: 2\n", "[a, b]: 1\n", "- 1\n- 2\n", "", "a: !custom 3\n", "a: !!python/object:os.system x\n",
    "a: [1, 2\n", "a: 'x\n", "a: 1\n b: 2\n", "a: \x07\n", "a: \x00\n", "\ufeffa: 1\n", "a: @x\n",
    "---\na: 1\n---\nb: 2\n", "%YAML 1.1\n---\na: 1\n", "a: " + "9" * 5000 + "\n",
    "a: 1\r\nb: 2\r\nc: [1,\r\n 2]\r\n", "a: 1\rb: 2\r", "a: 1\x85b: 2\n", "a: x\u2028y\nb: 2\n",
    "a: |\n  text\n  more\nb: >-\n  folded\n  line\n", "? complex\n: 2\n", "a: \"\\u00e9\\x41\"\n",
]


@pytest.mark.parametrize("text", _READER_CASES)
def test_the_fast_yaml_reader_reads_as_the_pure_python_one(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.catalogue import load

    def outcome() -> tuple[str, object]:
        try:
            return "read", load._parse_yaml(text, Path("x.yaml"))
        except InputError as err:
            return "refused", str(err)

    fast = outcome()
    monkeypatch.setattr(load, "_CatalogueFastLoader", load._CatalogueLoader)
    assert repr(fast) == repr(outcome())


def test_a_control_character_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bell.yaml"
    path.write_text("name: x\ncurrency: USD\ndescription: ring\x07\n")
    message = load_error(path)
    assert "line 3: character U+0007 (a control character) is not allowed in YAML" in message, message


def test_python_tag_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f"name: !!python/object/apply:os.system ['touch {marker}']\ncurrency: USD\n"
        "as_of: 2026-01-01\nsources: {}\n"
    )
    message = load_error(path)
    assert "line 1" in message and "!!python/object/apply:os.system" in message and "not allowed" in message
    assert not marker.exists()


def test_python_tag_fixture_is_refused() -> None:
    message = load_error(DATA / "bad-python-tag.yaml")
    assert "line 2, name: tag '!!python/object/apply:os.system' is not allowed" in message


def test_keys_yaml_reads_as_null_bool_or_number_are_refused(tmp_path: Path) -> None:
    """null:, no: and 1: as keys were located as os_pricing.None, sources.False, ..."""
    path = tmp_path / "keys.yaml"
    path.write_text("name: x\ncurrency: USD\nas_of: 2026-01-01\nsources:\n  no: {title: t, as_of: 2026-01-01}\n"
                    "os_pricing:\n  null: {per: vcpu, price: {amount: 1, per: hour, source: s}}\n")
    message = load_error(path)
    assert "line 5, sources: key 'no' is read as bool, not a name; expected a name (quote it: 'no')" in message
    assert "line 7, os_pricing: key 'null' is read as null, not a name" in message


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "currency: USD\n", "currency: USD\ncurrency: EUR\n")
    message = load_error(path)
    assert f"line {line_of(path, 'currency: EUR')}, currency: duplicate key 'currency'" in message


# --------------------------------------------------------------------------- model errors


def test_unknown_keys_top_level_and_nested_with_suggestions() -> None:
    path = DATA / "bad-unknown-keys.yaml"
    message = load_error(path)
    assert f"line {line_of(path, 'curency')}, curency: unknown key 'curency'; did you mean 'currency'?" in message
    assert (
        f"line {line_of(path, 'memroy_gib')}, instance_types[2].memroy_gib: "
        "unknown key 'memroy_gib'; did you mean 'memory_gib'?"
    ) in message
    # the misspelling is one problem, not also "missing key 'memory_gib'"
    assert "missing key" not in message


def test_unknown_key_in_aliased_strategy(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "    fees: [cluster-fee]", "    fess: [cluster-fee]")
    message = load_error(path)
    assert "strategies.container-density.fess: unknown key 'fess'; did you mean 'fees'?" in message
    path = variant(tmp_path, TINY_CLOUD, "  vm-per-service: {}", "  vm-per-servce: {}")
    assert "strategies.vm-per-servce: unknown key 'vm-per-servce'; did you mean 'vm-per-service'?" in load_error(path)


def test_unknown_key_without_close_match_lists_valid_keys(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "  windows:\n    per: vcpu\n", "  windows:\n    zzz: 1\n    per: vcpu\n")
    message = load_error(path)
    assert "os_pricing.windows.zzz: unknown key 'zzz'; valid keys here: per, price, arch, exclude_burstable" in message


def test_missing_key(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "max_pods: 20, price:", "max_pods: 20, cost:")
    message = load_error(path)
    line = line_of(path, "name: medium")
    assert f"line {line}, instance_types[1]: missing key 'price'" in message
    assert f"line {line}, instance_types[1].cost: unknown key 'cost'" in message


def test_negative_price(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "amount: 0.20, per: hour", "amount: -0.20, per: hour")
    message = load_error(path)
    assert f"line {line_of(path, '-0.20')}, instance_types[1].price.amount: got -0.2; expected a number >= 0" in message


def test_negative_vcpu(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "name: large, vcpu: 8", "name: large, vcpu: -2")
    assert f"line {line_of(path, 'vcpu: -2')}, instance_types[2].vcpu: got -2; expected a number > 0" in load_error(path)


def test_wrong_type(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "name: large, vcpu: 8", "name: large, vcpu: eight")
    assert "instance_types[2].vcpu: got 'eight'; expected a number" in load_error(path)
    path = variant(tmp_path, TINY_CLOUD, "    clusters: 1", "    clusters: 1.5")
    assert "strategies.container-density.clusters: got 1.5; expected a whole number" in load_error(path)
    path = variant(tmp_path, TINY_CLOUD, "instance_types:\n", "instance_types: 3\nx_instance_types:\n")
    assert "instance_types: got 3; expected a list" in load_error(path)


def test_bad_per(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "amount: 0.20, per: hour", "amount: 0.20, per: hourly")
    message = load_error(path)
    assert f"line {line_of(path, 'hourly')}, instance_types[1].price.per: got 'hourly'; expected one of" in message
    assert "did you mean 'hour'?" in message


@pytest.mark.parametrize("code", ["XYZ", "UDS", "EUD"])
def test_currency_must_be_an_iso_4217_code(tmp_path: Path, code: str) -> None:
    """A typo or an invented code would label every figure in the workbook wrongly."""
    path = variant(tmp_path, TINY_CLOUD, "currency: USD", f"currency: {code}")
    message = load_error(path)
    assert f"line {line_of(path, 'currency:')}, currency: got '{code}'; expected an ISO 4217 currency code" in message


@pytest.mark.parametrize("code", ["EUR", "GBP", "JPY", "CHF", "INR", "XCG"])
def test_real_currencies_load(tmp_path: Path, code: str) -> None:
    path = variant(tmp_path, TINY_CLOUD, "currency: USD", f"currency: {code}")
    assert load_catalogue(path).currency == code


def test_bad_currency_and_date(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "currency: USD", "currency: dollars")
    assert "currency: got 'dollars'; expected a three-letter currency code" in load_error(path)
    path = variant(tmp_path, TINY_CLOUD, "as_of: 2026-01-01\ndescription", "as_of: 2026-06\ndescription")
    assert "line 5, as_of: got '2026-06'; expected a date written YYYY-MM-DD" in load_error(path)


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "amount: 0.20, per: hour", "amount: -1, per: weekly")
    text = path.read_text().replace("name: large, vcpu: 8", "name: large, vcpu: 0")
    path.write_text(text.replace("currency: USD", "currency: usd"))
    message = load_error(path)
    assert message.startswith(f"{path}: 4 problems")
    for key in ("currency", "instance_types[1].price.amount", "instance_types[1].price.per", "instance_types[2].vcpu"):
        assert f", {key}: " in message
    lines = [int(n) for n in re.findall(r", line (\d+),", message)]
    assert lines == sorted(lines), "problems are listed in file order"


def test_model_validator_message(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "  colocation_per_kw: {amount: 200, per: month, source: test}\n", "  {}\n")
    path.write_text(path.read_text().replace("facility:\n  {}\n", "facility: {}\n"))
    message = load_error(path)
    assert f"line {line_of(path, 'facility:')}, facility: give either electricity_per_kwh" in message


def test_subscription_priced_once_is_rejected(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "{amount: 120, per: year,", "{amount: 120, per: once,")
    assert "licences[0]: a subscription's price needs per: hour, month or year" in load_error(path)


# --------------------------------------------------------------------------- cross-references


def test_unknown_source(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "amount: 0.20, per: hour, source: test", "amount: 0.20, per: hour, source: tset")
    message = load_error(path)
    assert f"line {line_of(path, 'tset')}, instance_types[1].price.source: unknown source 'tset'; did you mean 'test'?" in message


def test_unknown_licence_in_strategy_with_suggestion(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "windows: [win-standard, win-datacenter]", "windows: [win-standard, win-datacentre]")
    message = load_error(path)
    assert (
        f"line {line_of(path, 'win-datacentre')}, strategies.vm-per-service.guest_os.windows[1]: "
        "unknown licence 'win-datacentre'; did you mean 'win-datacenter'?"
    ) in message


def test_wrong_role(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "hypervisor: [hypervisor]", "hypervisor: [win-standard]")
    message = load_error(path)
    assert (
        "strategies.vm-per-service.hypervisor[0]: licence 'win-standard' has role guest_os; "
        "strategies.vm-per-service.hypervisor needs a licence with role hypervisor"
    ) in message
    path = variant(tmp_path, TINY_ONPREM, "      linux: [ubuntu-pro-host]", "      linux: [ubuntu-pro]")
    assert "strategies.container-density.host_os.linux[0]: licence 'ubuntu-pro' has role guest_os" in load_error(path)


def test_licence_used_for_another_os(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "      linux: [ubuntu-pro]\n", "      linux: [ubuntu-pro, win-standard]\n")
    assert "guest_os.linux[1]: licence 'win-standard' serves windows, not 'linux'" in load_error(path)


def test_a_hypervisor_licence_per_vm_is_refused_not_billed_per_host(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "    role: hypervisor\n    unit: physical_core\n    price: {amount: 120",
                   "    role: hypervisor\n    unit: vm\n    price: {amount: 120")
    path.write_text(path.read_text().replace("    min_per_socket: 16\n", "", 1))
    assert (f"line {line_of(path, 'unit: vm')}, licences[0].unit: got 'vm'; a hypervisor licence is counted per host"
            in load_error(path))


def test_an_os_both_licence_included_and_licensed_by_the_strategy_is_refused(tmp_path: Path) -> None:
    # each Windows instance would pay the provider's uplift and the licence brought to it
    byol = ("  - name: ws-byol\n    product: Windows Server (own licence)\n    role: guest_os\n    unit: vm\n"
            "    price: {amount: 10, per: month, source: test}\n    os: [windows]\n")
    path = variant(tmp_path, TINY_CLOUD, "licences:\n", "licences:\n" + byol)
    path.write_text(path.read_text().replace("  vm-per-service: {}", "  vm-per-service:\n    guest_os: {windows: [ws-byol]}"))
    message = load_error(path)
    assert ("strategies.vm-per-service.guest_os.windows: windows is also licence-included (os_pricing.windows): "
            "3 instance type(s) such as") in message and "would pay for windows twice" in message


def test_fee_must_be_per_cluster_or_host(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "    unit: cluster", "    unit: vm")
    assert f"line {line_of(path, 'unit: vm')}, licences[0].unit: got 'vm'; a fee is charged per cluster or per host" in load_error(path)
    from planner.catalogue import load_catalogue
    for unit in ("host", "vcpu"):  # README: a per-host fee may count the host's vCPUs
        path = variant(tmp_path, TINY_CLOUD, "    unit: cluster", f"    unit: {unit}")
        assert load_catalogue(path).licences[0].unit == unit


def test_duplicate_names(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "name: medium", "name: small")
    message = load_error(path)
    assert f"line {line_of(path, 'name: small, vcpu: 4')}, instance_types[1].name: duplicate name 'small'" in message
    path = variant(tmp_path, TINY_ONPREM, "  - name: win-datacenter", "  - name: win-standard")
    assert "licences[2].name: duplicate name 'win-standard' (already used at licences[1].name)" in load_error(path)


def test_both_instance_types_and_host_models(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        TINY_ONPREM,
        "facility:",
        "instance_types:\n  - {name: vm, vcpu: 1, memory_gib: 1, price: {amount: 1, per: hour, source: test}}\nfacility:",
    )
    message = load_error(path)
    assert (
        f"line {line_of(path, 'host_models:')}, host_models: "
        "give instance_types (a cloud catalogue) or host_models (on-prem), not both"
    ) in message


def test_neither_instance_types_nor_host_models(tmp_path: Path) -> None:
    text = TINY_CLOUD.read_text()
    path = tmp_path / "none.yaml"
    path.write_text(text[: text.index("instance_types:")])
    assert "no hosts: give instance_types (a cloud catalogue) or host_models (on-prem)" in load_error(path)


def test_host_models_need_a_facility(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_ONPREM, "facility:\n  colocation_per_kw: {amount: 200, per: month, source: test}\n", "")
    assert "host_models: host_models need a facility section" in load_error(path)


def test_unknown_host_in_strategy(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "    clusters: 1", "    clusters: 1\n    hosts: [smal, large]")
    assert "strategies.container-density.hosts[0]: unknown host 'smal'; did you mean 'small'?" in load_error(path)


def test_os_names_must_be_lower_case(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "  windows:\n    per: vcpu", "  Windows:\n    per: vcpu")
    message = load_error(path)
    assert f"line {line_of(path, 'Windows:')}, os_pricing.Windows: OS name 'Windows' must be a lower-case name" in message
    assert "did you mean 'windows'?" in message
    path = variant(tmp_path, TINY_CLOUD, "      windows: {vcpu: 0,", "      Windows Server: {vcpu: 0,")
    assert "overheads.vm.guest_os.Windows Server: OS name 'Windows Server'" in load_error(path)


def test_once_only_where_amortised(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "amount: 0.50, per: hour", "amount: 0.50, per: once")
    message = load_error(path)
    assert f"line {line_of(path, 'per: once')}, instance_types[2].price.per: got 'once'; a one-off price is only for" in message
    path = variant(tmp_path, TINY_ONPREM, "support: {amount: 50, per: month", "support: {amount: 50, per: once")
    assert "host_models[0].support.per: got 'once'" in load_error(path)


def test_future_dates(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "    as_of: 2026-01-01\ninstance_types", "    as_of: 2099-01-01\ninstance_types")
    message = load_error(path)
    assert "sources.test.as_of: date 2099-01-01 is in the future" in message
    with pytest.raises(InputError, match="as_of: date 2026-01-01 is in the future"):
        load_catalogue(TINY_CLOUD, today=dt.date(2025, 12, 31))


def test_price_newer_than_catalogue_as_of(tmp_path: Path) -> None:
    path = variant(tmp_path, TINY_CLOUD, "0.20, per: hour, source: test", "0.20, per: hour, source: test, as_of: 2026-02-01")
    assert "instance_types[1].price: dated 2026-02-01, after the catalogue's as_of 2026-01-01" in load_error(path)


def test_reference_fixture_reports_every_problem() -> None:
    path = DATA / "bad-references.yaml"
    message = load_error(path)
    expected = [
        f"line {line_of(path, 'name: a, vcpu: 4')}, instance_types[1].name: duplicate name 'a'",
        f"line {line_of(path, 'source: tests')}, instance_types[1].price.source: unknown source 'tests'; did you mean 'test'?",
        f"line {line_of(path, 'name: eks')}, licences[0].unit: got 'vm'; a fee is charged per cluster or per host",
        f"line {line_of(path, 'windows: [win]')}, strategies.vm-per-service.guest_os.windows[0]: licence 'win' has role host_os",
        f"line {line_of(path, 'ekss')}, strategies.container-density.fees[0]: unknown licence 'ekss'; did you mean 'eks'?",
    ]
    for line in expected:
        assert line in message, f"{line!r} not in:\n{message}"
    assert message.startswith(f"{path}: {len(expected)} problems")


def test_commitment_names_must_exist(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        TINY_CLOUD,
        "strategies:",
        "commitments:\n  1y:\n    - applies_to: instances\n      names: [small, arm, smal]\n"
        "      discount_percent: {value: 30, source: test}\n  2y: []\nstrategies:",
    )
    message = load_error(path)
    assert "commitments.2y: got '2y'; expected one of '1y' or '3y'" in message
    path.write_text(path.read_text().replace("  2y: []\n", ""))
    message = load_error(path)
    assert (
        f"line {line_of(path, 'smal]')}, commitments.1y[0].names[2]: unknown instances name 'smal'; "
        "did you mean 'small'?"
    ) in message


@pytest.mark.parametrize(
    ("old", "new", "key", "found"),
    [
        ("name: Tiny cloud (test fixture)", 'name: "Tiny\\x07cloud"', "name", "'Tiny\\x07cloud' contains the control "
         "character U+0007; expected a catalogue name of printable characters"),
        ("{name: small,", '{name: "sm\\x00all",', "instance_types[0].name", "'sm\\x00all' contains the control "
         "character U+0000; expected a name of printable characters"),
        ("{name: small,", "{name: " + "s" * 300 + ",", "instance_types[0].name", "a name of 300 characters ("),
        ("  - name: cluster-fee", '  - name: "cluster\\nfee"', "licences[0].name",
         "'cluster\\nfee' contains the control character U+000A; expected a name of printable characters"),
        ("  test:\n    title", '  "te\\tst":\n    title', "sources.te\tst", "'te\\tst' contains the control character "
         "U+0009; expected a source key of printable characters"),
    ],
)
def test_names_with_control_characters_or_huge_lengths_are_refused(tmp_path: Path, old: str, new: str, key: str,
                                                                   found: str) -> None:
    """The workbook replaced control characters with U+FFFD (the name silently changed) and a 5,000-character
    instance type name was printed whole in the terminal note."""
    path = variant(tmp_path, TINY_CLOUD, old, new)
    message = load_error(path)
    line = line_of(path, new.splitlines()[0].strip()[:12])
    assert f"{path}, line {line}, {key}: {found}" in message
    assert "s" * 60 not in message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_after_the_size_limit() -> None:
    """/dev/zero was read until memory ran out (MemoryError traceback under a memory limit)."""
    assert load_error(Path("/dev/zero")) == ("/dev/zero: larger than 64 MiB; expected a price catalogue YAML "
                                             "file of at most 64 MiB")


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.catalogue.load

    monkeypatch.setattr(planner.catalogue.load, "MAX_FILE_BYTES", TINY_CLOUD.stat().st_size - 1)
    path = variant(tmp_path, TINY_CLOUD, "currency: USD", "currency: USD")
    assert load_error(path).startswith(f"{path}: larger than ")
