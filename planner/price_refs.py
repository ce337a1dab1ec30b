"""Name every catalogue price a plan uses, and look it up again: the Prices sheet and the
"unverified prices used" warning both start here.

A reference is a dotted path into the catalogue by entry *name*, e.g.
``instance_types.m7i.large.price`` is written ``instance_types.<name>.price`` with the
name kept whole (names may contain dots), so references are split from both ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from planner.catalogue.schema import Catalogue, Figure, Price


@dataclass(frozen=True)
class UsedPrice:
    """A catalogue price (or figure) as shown to finance."""

    ref: str
    item: str
    amount: float
    unit: str
    source: str
    source_title: str
    as_of: dt.date
    unverified: bool


def resolve(catalogue: Catalogue, ref: str) -> Price | Figure:
    """Return the Price or Figure a reference points at."""
    head, _, rest = ref.partition(".")
    if head == "facility":
        value = getattr(catalogue.facility, rest)
    elif head == "os_pricing":
        os_name = rest.rsplit(".", 1)[0]
        value = catalogue.os_pricing[os_name].price
    elif head == "licences":
        name, _, field = rest.rpartition(".")
        lic = next(lic for lic in catalogue.licences if lic.name == name)
        value = lic.price if field == "price" else lic.support_percent_per_year
    elif head == "instance_types":
        if ".os_prices." in rest:
            name, _, os_name = rest.partition(".os_prices.")
            value = next(i for i in catalogue.instance_types if i.name == name).os_prices[os_name]
        else:
            name = rest.rsplit(".", 1)[0]
            value = next(i for i in catalogue.instance_types if i.name == name).price
    elif head == "commitments":
        term, index, _ = rest.split(".", 2)
        value = catalogue.commitments[term][int(index)].discount_percent  # type: ignore[index]
    elif head == "host_models":
        name, _, field = rest.rpartition(".")
        value = getattr(next(h for h in catalogue.host_models if h.name == name), field)
    else:
        raise KeyError(ref)
    if value is None:
        raise KeyError(ref)
    return value


# What one licence unit is, singular and plural, as finance reads it.
COUNTING_UNITS = {"physical_core": ("physical core", "physical cores"), "socket": ("socket", "sockets"),
                  "socket_pair": ("socket pair", "socket pairs"), "host": ("host", "hosts"), "vm": ("VM", "VMs"),
                  "vcpu": ("vCPU", "vCPUs"), "cluster": ("cluster", "clusters")}


def describe(catalogue: Catalogue, ref: str) -> UsedPrice:
    """Return the finance view of one referenced price: its unit says what one amount buys and how
    often it is paid (``USD per physical core per year``, ``USD per kW per month``)."""
    value = resolve(catalogue, ref)
    source = catalogue.sources[value.source]
    item = ref.split(".", 1)[1].rsplit(".", 1)[0] if "." in ref else ref
    if isinstance(value, Price):
        per = {"hour": "per hour", "month": "per month", "year": "per year", "once": "(one-off purchase)",
               "kwh": "per kWh"}[value.per]
        what = _what_one_amount_buys(catalogue, ref, value)
        unit = f"{catalogue.currency} per {what} {per}" if what else f"{catalogue.currency} {per}"
        amount = value.amount
    elif ref.startswith("commitments."):
        term, index, _ = ref[len("commitments."):].split(".", 2)
        commitment = catalogue.commitments[term][int(index)]  # type: ignore[index]
        names = f": {', '.join(commitment.names)}" if commitment.names else ""
        item = f"{term} commitment, {commitment.applies_to}{names}"
        unit, amount = "% off the on-demand price", value.value
    elif ref.endswith(".support_percent_per_year"):
        unit, amount = "% of the licence price per year (support)", value.value
    else:
        unit, amount = "figure", value.value
    return UsedPrice(ref, item, amount, unit, value.source, source.title, value.as_of or source.as_of,
                     bool(value.unverified or source.unverified))


def _what_one_amount_buys(catalogue: Catalogue, ref: str, price: Price) -> str:
    """Return what one price amount buys ('' for a plain amount per period, e.g. electricity per kWh)."""
    if ref.startswith("licences.") and ref.endswith(".price"):
        lic = next((x for x in catalogue.licences if f"licences.{x.name}.price" == ref), None)
        if lic is not None:
            one, many = COUNTING_UNITS.get(lic.unit, (lic.unit, lic.unit))
            return one if price.units == 1 else f"{price.units:g} {many}"
    if ref.startswith("os_pricing.") and ref.endswith(".price"):
        rule = catalogue.os_pricing.get(ref[len("os_pricing."):-len(".price")])
        return "" if rule is None else ("vCPU" if rule.per == "vcpu" else "instance")
    if ref.startswith("instance_types."):
        return "instance"
    if ref == "facility.colocation_per_kw":
        return "kW"
    if ref.startswith("host_models."):
        return "server"
    return "" if price.units == 1 else f"{price.units:g} units"


def refs_used(lines_refs: set[str], catalogue: Catalogue) -> list[UsedPrice]:
    """Return the used prices (plus the figures they depend on), sorted by reference."""
    refs = set(lines_refs)
    for ref in list(refs):
        if ref.startswith("licences."):
            name = ref[len("licences."):].rsplit(".", 1)[0]
            lic = next(lic for lic in catalogue.licences if lic.name == name)
            if lic.support_percent_per_year is not None:
                refs.add(f"licences.{name}.support_percent_per_year")
        if ref == "facility.electricity_per_kwh":
            refs.add("facility.pue")
    return [describe(catalogue, r) for r in sorted(refs)]
