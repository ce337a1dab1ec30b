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


def describe(catalogue: Catalogue, ref: str) -> UsedPrice:
    """Return the finance view of one referenced price."""
    value = resolve(catalogue, ref)
    source = catalogue.sources[value.source]
    if isinstance(value, Price):
        per = {"hour": "hour", "month": "month", "year": "year", "once": "purchase", "kwh": "kWh"}[value.per]
        unit = f"{catalogue.currency} per {value.units} units per {per}" if value.units != 1 \
            else f"{catalogue.currency} per {per}"
        amount = value.amount
    elif ref.startswith("commitments."):
        unit, amount = "% discount", value.value
    else:
        unit, amount = "figure", value.value
    return UsedPrice(ref, ref.split(".", 1)[1].rsplit(".", 1)[0] if "." in ref else ref, amount, unit,
                     value.source, source.title, value.as_of or source.as_of,
                     bool(value.unverified or source.unverified))


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
