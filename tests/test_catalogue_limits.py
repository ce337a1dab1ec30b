"""Catalogue limits: numbers must be finite and realistic, figures stay in their ranges, lists
that are given are not empty, YAML booleans and base-60 numbers are not numbers, a VM size
menu is binding, and alias bombs are refused. Every case is a shipped catalogue with one
edit, loaded by the loader the CLI uses, and must give one InputError (or, for a fleet that
fits no menu size, an InfeasibleError) naming the file, the key and the allowed range."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.catalogue import load_catalogue
from planner.cli import app
from planner.errors import InfeasibleError
from planner.fleet import load_fleet
from planner.pricing import monthly_amount
from planner.strategies import HARDWARE, INSTANCES, LicenceLine, build_container_model, build_vm_model
from tests.test_catalogue import line_of, load_error, variant

ROOT = Path(__file__).resolve().parents[1]
AWS = ROOT / "pricing" / "aws.yaml"
ONPREM = ROOT / "pricing" / "onprem.yaml"
MIXED = ROOT / "fleets" / "mixed-windows.csv"
BOUTIQUE = ROOT / "fleets" / "online-boutique.csv"

M7I = "{name: m7i.large, vcpu: 2, memory_gib: 8, max_pods: 29, price: {amount: 0.1008, per: hour, "
COLO = "colocation_per_kw: {amount: 196, per: month, source: encor-colo}"
OVERCOMMIT = "    cpu_overcommit: 4\n"
STEPS = "    vcpu_step: 1\n    memory_step_gib: 0.5\n    min_vcpu: 1\n    min_memory_gib: 1\n"


def with_menu(tmp_path: Path, sizes: str) -> Path:
    """The on-prem catalogue with a VM size menu in place of its sizing steps."""
    return variant(tmp_path, ONPREM, STEPS, f"    sizes: {sizes}\n")


def electricity(pue: str) -> str:
    return ("electricity_per_kwh: {amount: 0.12, per: kwh, source: encor-colo}\n"
            f"  pue: {{value: {pue}, source: uptime-pue}}")


# --------------------------------------------------------------------------- 1. finite, bounded numbers

CASES = [
    # (id, base, old, new, key path, expected text)
    ("vcpu-inf", AWS, M7I, M7I.replace("vcpu: 2", "vcpu: .inf"),
     "instance_types[{i}].vcpu", "got inf; expected a finite number > 0 and <= 100,000"),
    ("vcpu-huge", AWS, M7I, M7I.replace("vcpu: 2", "vcpu: 1000000"),
     "instance_types[{i}].vcpu", "got 1000000; expected a number > 0 and <= 100,000"),
    ("memory-inf", AWS, M7I, M7I.replace("memory_gib: 8", "memory_gib: .inf"),
     "instance_types[{i}].memory_gib", "got inf; expected a finite number > 0 and <= 1,048,576"),
    ("amount-inf", AWS, M7I, M7I.replace("price: {amount: 0.1008", "price: {amount: .inf"),
     "instance_types[{i}].price.amount", "got inf; expected a finite number >= 0 and <= 1,000,000,000,000"),
    ("amount-1e308", AWS, M7I, M7I.replace("price: {amount: 0.1008", "price: {amount: 1.0e+308"),
     "instance_types[{i}].price.amount", "expected a number >= 0 and <= 1,000,000,000,000"),
    ("amount-nan", AWS, M7I, M7I.replace("price: {amount: 0.1008", "price: {amount: .nan"),
     "instance_types[{i}].price.amount", "got nan; expected a finite number >= 0 and <= 1,000,000,000,000"),
    ("max-pods-huge", AWS, M7I, M7I.replace("max_pods: 29", "max_pods: 1000000000000000000000000000000"),
     "instance_types[{i}].max_pods", "expected a whole number >= 1 and <= 100,000"),
    ("overcommit-inf", ONPREM, OVERCOMMIT, "    cpu_overcommit: .inf\n",
     "overheads.vm.cpu_overcommit", "got inf; expected a finite number >= 1 and <= 100"),
    ("cores-huge", ONPREM, "cores_per_socket: 16", "cores_per_socket: 1000000000000000000000000000000",
     "host_models[0].cores_per_socket", "expected a whole number >= 1 and <= 4096"),
    ("min-per-host-huge", ONPREM, "min_per_host: 16", "min_per_host: 1000000000000000000000000000000",
     "min_per_host", "expected a whole number >= 0 and <= 100,000"),
    ("pue-inf", ONPREM, COLO, electricity(".inf"),
     "facility.pue.value", "got inf; expected a finite number >= 1 and <= 10"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_infinite_or_huge_numbers_are_refused_with_their_range(tmp_path: Path, case) -> None:
    _, base, old, new, key, expected = case
    path = variant(tmp_path, base, old, new)
    message = load_error(path)
    key = key.format(i=[t.name for t in load_catalogue(AWS).instance_types].index("m7i.large"))
    assert key in message, message
    assert expected in message, message
    assert f"line {line_of(path, new.splitlines()[-1].strip())}" in message, message


def test_realistic_large_figures_still_load(tmp_path: Path) -> None:
    big = M7I.replace("vcpu: 2", "vcpu: 100000").replace("memory_gib: 8", "memory_gib: 1048576") \
        .replace("max_pods: 29", "max_pods: 100000").replace("amount: 0.1008", "amount: 1000000000000")
    catalogue = load_catalogue(variant(tmp_path, AWS, M7I, big))
    m7i = next(t for t in catalogue.instance_types if t.name == "m7i.large")
    assert (m7i.vcpu, m7i.memory_gib, m7i.max_pods, m7i.price.amount) == (100000, 1048576, 100000, 1e12)


def test_sensitivity_can_scale_the_largest_price_tenfold(tmp_path: Path) -> None:
    from planner.sensitivity import scale_prices

    catalogue = load_catalogue(variant(tmp_path, AWS, M7I, M7I.replace("amount: 0.1008", "amount: 1000000000000")))
    scaled = scale_prices(catalogue, 10.0)
    assert max(t.price.amount for t in scaled.instance_types) == pytest.approx(1e13)


def test_infinite_vcpu_exits_2_through_the_cli_without_traceback(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, M7I, M7I.replace("vcpu: 2", "vcpu: .inf"))
    result = CliRunner().invoke(app, [str(BOUTIQUE), "--pricing", str(path), "--time-limit", "5",
                                      "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "vcpu: got inf; expected a finite number > 0 and <= 100,000" in result.output
    assert not (tmp_path / "x.xlsx").exists()


# --------------------------------------------------------------------------- 2. commitment discounts

DISCOUNT_1Y = "discount_percent: {value: 38.5, source: vantage-x2iedn-ri}"


@pytest.mark.parametrize("value", ["100", "150", "-5", ".inf"])
def test_discount_percent_must_be_below_100(tmp_path: Path, value: str) -> None:
    path = variant(tmp_path, AWS, DISCOUNT_1Y, DISCOUNT_1Y.replace("38.5", value))
    message = load_error(path)
    assert "commitments.1y[0].discount_percent.value" in message, message
    assert ">= 0 and < 100" in message, message
    assert f"line {line_of(path, 'value: ' + value)}" in message


def test_on_demand_equivalent_is_the_undiscounted_price(tmp_path: Path) -> None:
    catalogue = load_catalogue(variant(tmp_path, AWS, DISCOUNT_1Y, DISCOUNT_1Y.replace("38.5", "99.99")))
    fleet = load_fleet(BOUTIQUE)
    model = build_container_model(fleet, catalogue, "aws.yaml", "1y")
    for offer in model.offers:
        line = next(ln for ln in offer.fixed_lines if ln.category == INSTANCES)
        assert line.monthly == pytest.approx(monthly_amount(offer.base.price) * 0.0001)
        assert line.on_demand_monthly == pytest.approx(monthly_amount(offer.base.price), rel=1e-12)


def test_on_demand_equivalent_of_hardware_and_licences(tmp_path: Path) -> None:
    commitments = ("commitments:\n  3y:\n    - applies_to: hardware\n"
                   "      discount_percent: {value: 99.5, source: planning-placeholders}\n"
                   "    - applies_to: licences\n"
                   "      discount_percent: {value: 50, source: planning-placeholders}\n\nstrategies:\n")
    catalogue = load_catalogue(variant(tmp_path, ONPREM, "\nstrategies:\n", "\n" + commitments))
    model = build_vm_model(load_fleet(MIXED), catalogue, "onprem.yaml", "3y")
    on_demand = build_vm_model(load_fleet(MIXED), catalogue, "onprem.yaml")
    for offer in model.offers:
        plain = {(ln.category, ln.name): ln.monthly for ln in on_demand.offer(offer.name).fixed_lines}
        for line in offer.fixed_lines:
            assert line.on_demand_monthly == pytest.approx(plain[(line.category, line.name)])
        assert any(ln.category == HARDWARE and ln.discount == pytest.approx(0.995) for ln in offer.fixed_lines)


def test_licence_line_without_undiscounted_price_undoes_the_discount() -> None:
    line = LicenceLine(INSTANCES, "t", "instance", 1, 25.0, "r", 0.75, "c")
    assert line.on_demand_monthly == pytest.approx(100.0)
    assert LicenceLine(INSTANCES, "t", "instance", 1, 0.0, "r", 1.0, "c", 40.0).on_demand_monthly == 40.0


# --------------------------------------------------------------------------- 3. the VM size menu is binding


def test_vm_sizing_steps_next_to_a_size_menu_are_refused(tmp_path: Path) -> None:
    # The menu replaces the steps and minimums: a min_vcpu of 4 beside it would be silently ignored.
    path = variant(tmp_path, ONPREM, OVERCOMMIT, OVERCOMMIT + "    sizes: [{vcpu: 1, memory_gib: 1}]\n")
    message = load_error(path)
    for key in ("vcpu_step", "memory_step_gib", "min_vcpu", "min_memory_gib"):
        assert (f"overheads.vm.{key}: given with sizes, which replace the steps and minimums (a VM takes the "
                f"smallest menu size that holds it), so {key} would be ignored") in message, message


def test_onprem_vm_settings_in_a_cloud_catalogue_are_noted_as_unused(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, "  vm:\n", "  vm:\n    min_vcpu: 3\n    cpu_overcommit: 2\n")
    notes = build_vm_model(load_fleet(BOUTIQUE), load_catalogue(path), str(path)).notes
    assert any(n.startswith("not used on a cloud catalogue: overheads.vm min_vcpu, cpu_overcommit") for n in notes), notes
    assert not any("not used on a cloud" in n for n in build_vm_model(load_fleet(BOUTIQUE), load_catalogue(AWS),
                                                                       str(AWS)).notes)


def test_vm_that_fits_no_menu_size_is_unplaceable(tmp_path: Path) -> None:
    path = with_menu(tmp_path, "[{vcpu: 1, memory_gib: 1}]")
    catalogue = load_catalogue(path)
    with pytest.raises(InfeasibleError) as info:
        build_vm_model(load_fleet(MIXED), catalogue, str(path))
    message = str(info.value)
    assert "overheads.vm.sizes" in message
    assert "identity-api (row 3) needs a VM of 1 vCPU and 2.50 GiB" in message
    assert "the largest menu size is 1 vCPU / 1 GiB" in message


def test_vm_menu_misfit_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = with_menu(tmp_path, "[{vcpu: 8, memory_gib: 2}, {vcpu: 1, memory_gib: 4}]")
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(app, [str(MIXED), "--pricing", str(path), "--time-limit", "5", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "identity-api (row 3) needs a VM of 1 vCPU and 2.50 GiB" not in result.output  # fits 1 vCPU/4 GiB
    assert "search (row 8) needs a VM of 2 vCPU and 8.50 GiB" in result.output
    assert "the largest menu sizes are 8 vCPU / 2 GiB and 1 vCPU / 4 GiB" in result.output
    assert not out.exists()


def test_vm_menu_that_fits_every_service_is_used(tmp_path: Path) -> None:
    path = with_menu(tmp_path, "[{vcpu: 2, memory_gib: 4}, {vcpu: 4, memory_gib: 32}]")
    model = build_vm_model(load_fleet(MIXED), load_catalogue(path), str(path))
    assert {(s.size_vcpu, s.size_memory_gib) for s in model.shapes.values()} <= {(2, 4), (4, 32)}


def test_empty_vm_size_menu_is_refused(tmp_path: Path) -> None:
    path = with_menu(tmp_path, "[]")
    message = load_error(path)
    assert f"line {line_of(path, 'sizes: []')}, overheads.vm.sizes: got an empty list; expected at least one size" \
        in message
    assert "or omit the key" in message


# --------------------------------------------------------------------------- 4. ranges, booleans, base 60


@pytest.mark.parametrize("pue", ["0", "0.99", "11"])
def test_pue_must_be_at_least_1(tmp_path: Path, pue: str) -> None:
    path = variant(tmp_path, ONPREM, COLO, electricity(pue))
    message = load_error(path)
    assert f"facility.pue.value: got {pue}; expected a number >= 1 and <= 10" in message, message


def test_pue_of_1_58_loads(tmp_path: Path) -> None:
    catalogue = load_catalogue(variant(tmp_path, ONPREM, COLO, electricity("1.58")))
    assert catalogue.facility is not None and catalogue.facility.pue is not None
    assert catalogue.facility.pue.value == 1.58


def test_support_percent_is_a_percentage(tmp_path: Path) -> None:
    perpetual = ("    payment: perpetual\n    amortisation_months: 36\n"
                 "    support_percent_per_year: {value: 1000000, source: planning-placeholders}\n    pack_size: 2\n")
    path = variant(tmp_path, ONPREM, "      per: year\n      units: 2\n", "      per: once\n      units: 2\n")
    path = variant(tmp_path, path, "    pack_size: 2\n\nstrategies:", perpetual + "\nstrategies:", "bad2.yaml")
    message = load_error(path)
    assert "support_percent_per_year.value: got 1e+06; expected a number >= 0 and <= 100" in message, message


@pytest.mark.parametrize("field,old,new,expected", [
    ("price.amount", "price: {amount: 0.1008", "price: {amount: true", "got true; expected a number >= 0"),
    ("vcpu", "vcpu: 2", "vcpu: true", "got true; expected a number > 0 and <= 100,000"),
    ("max_pods", "max_pods: 29", "max_pods: yes", "got true; expected a whole number >= 1 and <= 100,000"),
])
def test_booleans_are_not_numbers(tmp_path: Path, field: str, old: str, new: str, expected: str) -> None:
    path = variant(tmp_path, AWS, M7I, M7I.replace(old, new))
    message = load_error(path)
    assert f".{field}: {expected}" in message, message


def test_base_60_numbers_are_text_not_numbers(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, M7I, M7I.replace("max_pods: 29", "max_pods: 1:30"))
    message = load_error(path)
    assert "max_pods: got '1:30'; expected a whole number >= 1 and <= 100,000" in message, message


def test_leading_zero_is_decimal_not_octal(tmp_path: Path) -> None:
    """YAML 1.1 reads 029 as octal (an error) and 010 as 8; a price sheet means 29 and 10."""
    path = variant(tmp_path, AWS, M7I, M7I.replace("max_pods: 29", "max_pods: 029"))
    catalogue = load_catalogue(path)
    assert 29 in {t.max_pods for t in catalogue.instance_types}


@pytest.mark.parametrize("written", ["0x1d", "0b11101"])
def test_hex_and_binary_are_text_not_numbers(tmp_path: Path, written: str) -> None:
    path = variant(tmp_path, AWS, M7I, M7I.replace("max_pods: 29", f"max_pods: {written}"))
    message = load_error(path)
    assert f"max_pods: got '{written}'; expected a whole number" in message, message


def test_base_60_looking_text_stays_text(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, "name: AWS us-east-1 on-demand", "name: 1:30")
    assert load_catalogue(path).name == "1:30"


def test_huge_min_per_host_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, ONPREM, "min_per_host: 16", "min_per_host: 1000000000000000000000000000000")
    message = load_error(path)
    assert "licences[" in message and "].min_per_host: got 1000000000000000000000000000000; " \
        "expected a whole number >= 0 and <= 100,000" in message, message


# --------------------------------------------------------------------------- 5. empty host lists


@pytest.mark.parametrize("strategy", ["container-density", "vm-per-service"])
def test_empty_strategy_hosts_are_refused(tmp_path: Path, strategy: str) -> None:
    old = {"container-density": "  container-density:\n    fees: [eks]",
           "vm-per-service": "  vm-per-service: {}"}[strategy]
    new = {"container-density": "  container-density:\n    hosts: []\n    fees: [eks]",
           "vm-per-service": "  vm-per-service: {hosts: []}"}[strategy]
    path = variant(tmp_path, AWS, old, new)
    message = load_error(path)
    assert f"strategies.{strategy}.hosts: got an empty list; expected at least one host model or instance " \
        "type name, or omit the key" in message, message


# --------------------------------------------------------------------------- 6. alias bombs


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = ["x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text(AWS.read_text() + "\n" + "\n".join(bomb) + "\n")
    start = time.monotonic()
    message = load_error(path)
    assert time.monotonic() - start < 5
    assert "aliases" in message and "more than 100,000 nodes" in message, message


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    shared = "price: &m7i-price {amount: 0.1008, per: hour, source: karpenter-2026-07-20}"
    text = AWS.read_text()
    text = text.replace("price: {amount: 0.1008, per: hour, source: karpenter-2026-07-20}", shared, 1)
    text = text.replace("max_pods: 58, price: {amount: 0.2016, per: hour, source: karpenter-2026-07-20}",
                        "max_pods: 58, price: *m7i-price", 1)
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    catalogue = load_catalogue(path)
    xl = next(t for t in catalogue.instance_types if t.name == "m7i.xlarge")
    assert xl.price.amount == 0.1008


def test_shipped_catalogues_still_load() -> None:
    assert load_catalogue(AWS).is_cloud
    assert not load_catalogue(ONPREM).is_cloud


# --- values that would be silently ignored or crash (adversarial pass, session 5) ---------------

@pytest.mark.parametrize("written", ["2026-13-01", "2026-02-29"])
def test_impossible_dates_are_refused_with_their_line(tmp_path: Path, written: str) -> None:
    path = variant(tmp_path, AWS, "as_of: 2026-07-20\n", f"as_of: {written}\n")
    message = load_error(path)
    assert f"line 9, as_of: got '{written}', which is not a date" in message, message
    assert "expected a real calendar date YYYY-MM-DD" in message


def test_a_fee_listed_twice_is_refused_not_charged_twice(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, "fees: [eks]", "fees: [eks, eks]")
    message = load_error(path)
    assert "strategies.container-density.fees: 'eks' is listed twice; expected each name once" in message, message


def test_units_on_an_instance_price_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, AWS, M7I, M7I.replace("price: {amount: 0.1008, per: hour,",
                                                   "price: {amount: 0.1008, per: hour, units: 4,"))
    message = load_error(path)
    assert ".price: units: 4 applies to licence and fee prices only" in message, message


def test_units_on_an_instance_types_os_price_is_refused(tmp_path: Path) -> None:
    """units: 4 on an os_prices uplift was accepted and silently ignored (the README says it is refused)."""
    uplift = "os_prices: {windows: {amount: 0.184, per: hour, source: karpenter-2026-07-20, units: 4}}, "
    path = variant(tmp_path, AWS, M7I, M7I.replace("max_pods: 29, ", "max_pods: 29, " + uplift))
    message = load_error(path)
    assert ".os_prices.windows: units: 4 applies to licence and fee prices only" in message, message


def test_units_on_colocation_and_pue_with_colocation_are_refused(tmp_path: Path) -> None:
    colo = "colocation_per_kw: {amount: 196, per: month, source: encor-colo}"
    message = load_error(variant(tmp_path, ONPREM, colo, colo.replace("per: month,", "per: month, units: 4,")))
    assert "facility.colocation_per_kw: units: 4 applies to licence and fee prices only" in message, message
    message = load_error(variant(tmp_path, ONPREM, colo, colo + "\n  pue: {value: 1.5, source: encor-colo}"))
    assert "facility: pue applies to electricity_per_kwh only" in message, message


def test_two_equally_specific_commitments_are_refused(tmp_path: Path) -> None:
    entry = "    - applies_to: instances\n      discount_percent: {value: 38.5, source: vantage-x2iedn-ri}\n"
    path = variant(tmp_path, AWS, entry, entry + entry.replace("38.5", "10"))
    message = load_error(path)
    assert "commitments.1y[1]: a second 1y discount for all instances (entry 1 gives one already)" in message, message


@pytest.mark.parametrize("key,value,why", [
    ("pack_size", 4, "unit cluster"),
    ("min_per_host", 4, "unit cluster"),
    ("min_per_socket", 16, "unit cluster"),
    ("vms_per_licence", 2, "role fee"),
])
def test_counting_rules_a_fee_never_applies_are_refused(tmp_path: Path, key: str, value: int, why: str) -> None:
    fee = "    unit: cluster\n"
    path = variant(tmp_path, AWS, fee, fee + f"    {key}: {value}\n")
    message = load_error(path)
    assert f"licences[0].{key}: {key} does not apply to {why}" in message, message


@pytest.mark.parametrize("base,anchor,role", [
    (AWS, "    unit: cluster\n", "fee"),
    (ONPREM, "    role: hypervisor\n", "hypervisor"),
])
def test_an_os_list_on_a_licence_that_serves_no_os_is_refused(tmp_path: Path, base: Path, anchor: str,
                                                              role: str) -> None:
    """os: [solaris] on the EKS fee was silently ignored (only guest_os and host_os licences serve an OS)."""
    path = variant(tmp_path, base, anchor, anchor + "    os: [solaris]\n")
    message = load_error(path)
    assert (f"line {line_of(path, 'os: [solaris]')}, licences[0].os: os does not apply to role {role}: only guest_os "
            "and host_os licences serve an OS; remove it (it would be ignored)") in message, message


@pytest.mark.parametrize("anchor,added,key", [
    ("      windows: [ws2025-standard-host, ws2025-datacenter-host]\n", "      rhel: [rhel-server-host]\n",
     "strategies.container-density.host_os.rhel"),
    ("    per_pod_memory_mib: 8\n", "    node_os: {rhel: {vcpu: 1}}\n", "overheads.container.node_os.rhel"),
])
def test_a_node_os_other_than_linux_or_windows_is_refused(tmp_path: Path, anchor: str, added: str,
                                                           key: str) -> None:
    """host_os.rhel and node_os.rhel were accepted and silently ignored: container nodes come in linux and
    windows pools only (RHEL pods run on linux nodes), so no node ever paid that licence or overhead."""
    path = variant(tmp_path, ONPREM, anchor, anchor + added)
    message = load_error(path)
    assert (f"line {line_of(path, added.strip())}, {key}: got 'rhel'; container nodes come in two OS pools, "
            "linux and windows (pods of any other OS, such as rhel, run on linux nodes): expected linux or "
            "windows") in message, message


@pytest.mark.parametrize("digits,found", [
    (5000, "got '1" + "0" * 56 + "...'; expected a finite number >= 0"),
    (400, "got 1" + "0" * 56 + "... (401 digits); expected a number >= 0"),
])
def test_integers_with_thousands_of_digits_are_refused_and_shown_shortened(tmp_path: Path, digits: int,
                                                                          found: str) -> None:
    """5,000 digits raised ValueError (Python's 4,300-digit limit) out of the YAML loader: a traceback;
    400 digits were echoed whole."""
    path = variant(tmp_path, AWS, M7I, M7I.replace("price: {amount: 0.1008", "price: {amount: 1" + "0" * digits))
    message = load_error(path)
    assert f"line {line_of(path, '{name: m7i.large,')}, instance_types[" in message
    assert f"].price.amount: {found}" in message
    assert "0" * 100 not in message


def test_a_hypervisor_licence_on_a_cloud_catalogue_is_refused(tmp_path: Path) -> None:
    """A hypervisor licence in vm-per-service on a cloud catalogue was charged once per instance:
    in the cloud each VM is an instance on the provider's hypervisor."""
    text = AWS.read_text()
    licence = ("  - name: hv\n    product: some hypervisor\n    role: hypervisor\n    unit: host\n"
               "    price: {amount: 1, per: month, source: eks-pricing}\n")
    assert "licences:\n" in text and "  vm-per-service: {}" in text
    text = text.replace("licences:\n", "licences:\n" + licence, 1)
    text = text.replace("  vm-per-service: {}", "  vm-per-service: {hypervisor: [hv]}", 1)
    path = tmp_path / "cloud-hv.yaml"
    path.write_text(text)
    message = load_error(path)
    assert (f"line {line_of(path, 'vm-per-service: {hypervisor')}, strategies.vm-per-service.hypervisor: "
            "got hv; on a cloud catalogue (instance_types) each VM is an instance") in message, message


def test_a_scalar_where_a_mapping_goes_names_the_keys_expected(tmp_path: Path) -> None:
    """'price: 0.1' (or 'support_percent_per_year: 20') said only 'expected a mapping of keys and values'."""
    path = variant(tmp_path, AWS, M7I + "source: karpenter-2026-07-20}}", "{name: m7i.large, vcpu: 2, memory_gib: 8, "
                   "max_pods: 29, price: 0.1008}")
    message = load_error(path)
    assert "].price: got 0.1008; expected a mapping of keys and values, e.g. {amount: ..., per: ..., source: ...}" \
        in message, message
