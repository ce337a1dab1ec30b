"""The price catalogue as pydantic models: what a catalogue YAML may say, and nothing else.

Every model forbids unknown keys (a misspelt key is an error naming the key and the
closest valid one; see ``planner.catalogue.load``). Every money figure is a ``Price``
that names its source; periods are normalised to a month of 730 hours by
``planner.pricing``. This module holds no arithmetic beyond small derived properties.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticKnownError

from planner.catalogue.currencies import check_currency

Period = Literal["hour", "month", "year", "once", "kwh"]  # kwh: electricity only
LicenceUnit = Literal[
    "physical_core", "socket", "socket_pair", "host", "vm", "vcpu", "cluster"
]
LicenceRole = Literal["hypervisor", "guest_os", "host_os", "container_platform", "fee"]
Arch = Literal["x86_64", "arm64"]

# Upper bounds of counts and sizes: far above any real machine or price, low enough that
# every figure stays finite through the arithmetic (no OverflowError, no inf costs).
# A price's amount, in the catalogue's currency. Checked by the loader, not the model: the
# sensitivity analysis re-validates catalogues with prices scaled up to 10x.
MAX_AMOUNT = 10**12
MAX_FIGURE = 10**12  # a sourced non-money figure (percentages and ratios have tighter checks in load)
MAX_VCPU = 100_000  # vCPUs of one host, instance or VM
MAX_MEMORY_GIB = 1_048_576  # 1 PiB: memory of one host, instance or VM
MAX_MEMORY_MIB = MAX_MEMORY_GIB * 1024
MAX_PODS = 100_000  # pods (or VMs) on one host
MAX_SOCKETS = 1_024
MAX_CORES_PER_SOCKET = 4_096
MAX_LICENCE_UNITS = 100_000  # licence minimums, packs, units per price, VMs per licence
MAX_MONTHS = 1_200  # amortisation: 100 years
MAX_POWER_WATTS = 1_000_000  # 1 MW per host
MAX_OVERCOMMIT = 100
MAX_CLUSTERS = 10_000



def _each_once(names: list[str]) -> list[str]:
    """Refuse a name listed twice: a fee or licence counted twice would be charged twice."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"'{name}' is listed twice; expected each name once")
        seen.add(name)
    return names


# A list of names, each at most once.
Names = Annotated[list[str], AfterValidator(_each_once)]
# A list that may be omitted but, when given, must hold at least one entry.
NonEmptyNames = Annotated[list[str], Field(min_length=1), AfterValidator(_each_once)]


def _is_number(annotation: Any) -> bool:
    """Return True for ``int``, ``float`` and their ``X | None`` forms."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_number(a) for a in typing.get_args(annotation) if a is not type(None))
    return annotation in (int, float)


def _is_int(annotation: Any) -> bool:
    """Return True for ``int`` and ``int | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation) if a is not type(None))
    return annotation is int


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable, numbers are finite and never booleans."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse YAML true/false where a number is expected (pydantic would read them as 1 and 0)."""
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _is_number(field.annotation):
                raise PydanticKnownError("int_type" if _is_int(field.annotation) else "float_type")
        return value


class Source(Strict):
    """Where figures come from. Prices refer to a source by its key in ``sources``."""

    title: str = Field(min_length=1)
    url: str | None = None
    as_of: dt.date
    unverified: bool = False
    note: str | None = None


class Price(Strict):
    """A money figure in the catalogue's currency, per ``per`` (``once`` = a purchase).

    ``units`` is how many licence units the amount buys (e.g. 16 for Windows Server
    list prices quoted per 16 cores); 1 for everything else.
    """

    amount: float = Field(ge=0)  # finite; at most MAX_AMOUNT in a loaded catalogue
    per: Period
    source: str = Field(min_length=1)
    as_of: dt.date | None = None  # overrides the source's date
    units: int = Field(default=1, ge=1, le=MAX_LICENCE_UNITS)
    unverified: bool = False  # placeholder figure: flagged in every report
    note: str | None = None


def _one_unit(price: Price) -> Price:
    """Refuse ``units`` on a price that is not a licence's: it would be ignored there."""
    if price.units != 1:
        raise ValueError(f"units: {price.units} applies to licence and fee prices only (how many licence units "
                         "the amount buys); this price is per instance, host, vCPU, kWh or kW: remove units")
    return price


# A price of one thing (an instance, a host, power): ``units`` stays 1.
UnitPrice = Annotated[Price, AfterValidator(_one_unit)]


class Figure(Strict):
    """A sourced number that is not money (a percentage, a ratio)."""

    value: float = Field(ge=0, le=MAX_FIGURE)  # PUE, discounts and percentages: ranges checked in load
    source: str = Field(min_length=1)
    as_of: dt.date | None = None
    unverified: bool = False
    note: str | None = None


class InstanceType(Strict):
    """A cloud instance type: one host in container mode, one VM in VM mode."""

    name: str = Field(min_length=1)
    vcpu: float = Field(gt=0, le=MAX_VCPU)
    memory_gib: float = Field(gt=0, le=MAX_MEMORY_GIB)
    price: UnitPrice
    max_pods: int | None = Field(default=None, ge=1, le=MAX_PODS)
    arch: Arch = "x86_64"
    burstable: bool = False
    # CPU a burstable type sustains, in percent of each vCPU (its CPU credit baseline).
    # None = every vCPU is counted as fully usable. Only for burstable: true.
    baseline_cpu_percent: float | None = Field(default=None, gt=0, le=100)
    os_prices: dict[str, UnitPrice] = Field(default_factory=dict)  # per-OS override of os_pricing

    @field_validator("baseline_cpu_percent")
    @classmethod
    def _baseline_only_on_burstable(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("burstable") is False:
            raise ValueError(
                f"got {value:g} on a type without burstable: true; expected baseline_cpu_percent only on "
                "burstable types (set burstable: true, or remove baseline_cpu_percent: this type's "
                "vCPUs are fully usable)"
            )
        return value


class OsPriceRule(Strict):
    """Licence-included OS pricing on cloud instances (e.g. Windows $0.046 per vCPU-hour)."""

    per: Literal["vcpu", "instance"]
    price: UnitPrice
    arch: list[Arch] = Field(default_factory=lambda: ["x86_64"])
    exclude_burstable: bool = False


class HostModel(Strict):
    """An on-prem server model, bought and run in the catalogue's facility."""

    name: str = Field(min_length=1)
    sockets: int = Field(ge=1, le=MAX_SOCKETS)
    cores_per_socket: int = Field(ge=1, le=MAX_CORES_PER_SOCKET)
    threads_per_core: int = Field(default=1, ge=1, le=8)
    memory_gib: float = Field(gt=0, le=MAX_MEMORY_GIB)
    purchase: UnitPrice  # per: once (bought, spread over amortisation_months), or a lease per month/year
    amortisation_months: int | None = Field(default=None, ge=1, le=MAX_MONTHS)
    power_watts: float = Field(ge=0, le=MAX_POWER_WATTS)
    support: UnitPrice | None = None  # support contract, rack space, per host
    max_pods: int | None = Field(default=None, ge=1, le=MAX_PODS)
    arch: Arch = "x86_64"

    @model_validator(mode="after")
    def _amortised_only_when_bought(self) -> HostModel:
        if self.purchase.per == "once" and self.amortisation_months is None:
            raise ValueError("a purchase with per: once needs amortisation_months (the months it is spread over)")
        if self.purchase.per != "once" and self.amortisation_months is not None:
            raise ValueError(f"amortisation_months is only for a purchase with per: once; this one is paid per "
                             f"{self.purchase.per} (a lease), so it would be ignored")
        return self

    @property
    def physical_cores(self) -> int:
        """Return sockets x cores per socket."""
        return self.sockets * self.cores_per_socket

    @property
    def hardware_threads(self) -> int:
        """Return physical cores x threads per core (the vCPUs an OS sees)."""
        return self.physical_cores * self.threads_per_core


class Facility(Strict):
    """Power and space for on-prem hosts: energy at a $/kWh times PUE, or colocation per kW."""

    electricity_per_kwh: UnitPrice | None = None
    pue: Figure | None = None
    colocation_per_kw: UnitPrice | None = None

    @model_validator(mode="after")
    def _one_power_model(self) -> Facility:
        if self.colocation_per_kw is None and self.electricity_per_kwh is None:
            raise ValueError("give either electricity_per_kwh (with pue) or colocation_per_kw")
        if self.colocation_per_kw is not None and self.electricity_per_kwh is not None:
            raise ValueError("give electricity_per_kwh or colocation_per_kw, not both")
        if self.electricity_per_kwh is not None and self.pue is None:
            raise ValueError("electricity_per_kwh needs pue (e.g. value: 1.58)")
        if self.colocation_per_kw is not None and self.pue is not None:
            raise ValueError("pue applies to electricity_per_kwh only (a colocation price per kW already "
                             "includes the facility's cooling): remove pue, or price power per kWh")
        if self.electricity_per_kwh is not None and self.electricity_per_kwh.per != "kwh":
            raise ValueError("electricity_per_kwh needs per: kwh")
        return self


class Licence(Strict):
    """A licence or fee and the vendor's counting rule.

    Units per host = max(unit count, min_per_socket x sockets, min_per_host), rounded
    up to ``pack_size``. ``vms_per_licence`` is how many guest VMs one full licensing
    of the host covers (stackable: license the host again for each further block);
    None = unlimited guests. A ``perpetual`` price is amortised over
    ``amortisation_months`` plus ``support_percent_per_year`` of the price each year.
    """

    name: str = Field(min_length=1)
    product: str = Field(min_length=1)
    role: LicenceRole
    unit: LicenceUnit
    price: Price
    payment: Literal["subscription", "perpetual"] = "subscription"
    amortisation_months: int | None = Field(default=None, ge=1, le=MAX_MONTHS)
    support_percent_per_year: Figure | None = None
    min_per_socket: int = Field(default=0, ge=0, le=MAX_LICENCE_UNITS)
    min_per_host: int = Field(default=0, ge=0, le=MAX_LICENCE_UNITS)
    pack_size: int = Field(default=1, ge=1, le=MAX_LICENCE_UNITS)
    vms_per_licence: int | None = Field(default=None, ge=1, le=MAX_LICENCE_UNITS)
    os: list[str] = Field(default_factory=list)  # guest/host OS names this licence serves

    @model_validator(mode="after")
    def _payment_rules(self) -> Licence:
        if self.payment == "perpetual":
            if self.amortisation_months is None:
                raise ValueError("a perpetual licence needs amortisation_months")
            if self.price.per != "once":
                raise ValueError("a perpetual licence's price must have per: once")
        else:
            if self.price.per == "once":
                raise ValueError("a subscription's price needs per: hour, month or year")
            if self.amortisation_months is not None or self.support_percent_per_year is not None:
                raise ValueError("amortisation_months and support_percent_per_year are for payment: perpetual")
        return self


class GuestOs(Strict):
    """Guest OS footprint added to every VM of that OS."""

    vcpu: float = Field(default=0, ge=0, le=MAX_VCPU)
    memory_gib: float = Field(default=0, ge=0, le=MAX_MEMORY_GIB)


class VmSize(Strict):
    """One entry of a VM size menu."""

    vcpu: float = Field(gt=0, le=MAX_VCPU)
    memory_gib: float = Field(gt=0, le=MAX_MEMORY_GIB)


class HypervisorMemory(Strict):
    """Hypervisor memory overhead: per host, and per VM (fixed + per vCPU + share of VM memory)."""

    per_host_gib: float = Field(default=0, ge=0, le=MAX_MEMORY_GIB)
    per_vm_mib: float = Field(default=0, ge=0, le=MAX_MEMORY_MIB)
    per_vm_vcpu_mib: float = Field(default=0, ge=0, le=MAX_MEMORY_MIB)
    per_vm_memory_fraction: float = Field(default=0, ge=0, lt=1)


class VmOverheads(Strict):
    """How a replica becomes a VM, and what a hypervisor host keeps for itself."""

    guest_os: dict[str, GuestOs] = Field(default_factory=dict)
    vcpu_step: float = Field(default=1, gt=0, le=MAX_VCPU)
    memory_step_gib: float = Field(default=0.5, gt=0, le=MAX_MEMORY_GIB)
    min_vcpu: float = Field(default=1, gt=0, le=MAX_VCPU)
    min_memory_gib: float = Field(default=0.5, gt=0, le=MAX_MEMORY_GIB)
    # a menu replaces the steps when given; a VM that fits no size is unplaceable
    sizes: Annotated[list[VmSize], Field(min_length=1)] | None = None
    cpu_overcommit: float = Field(default=1.0, ge=1.0, le=MAX_OVERCOMMIT)
    hypervisor_memory: HypervisorMemory = HypervisorMemory()
    hypervisor_reserved_cores: float = Field(default=0, ge=0, le=MAX_VCPU)
    max_vms_per_host: int | None = Field(default=None, ge=1, le=MAX_PODS)


class NodeReservation(Strict):
    """Kubernetes node allocatable: a managed-service formula or fixed figures."""

    formula: Literal["eks", "gke", "aks", "fixed"] = "fixed"
    cpu_millicores: float = Field(default=0, ge=0, le=MAX_VCPU * 1000)  # "fixed"; added to formulas otherwise
    memory_mib: float = Field(default=0, ge=0, le=MAX_MEMORY_MIB)
    eviction_memory_mib: float = Field(default=100, ge=0, le=MAX_MEMORY_MIB)


class ContainerOverheads(Strict):
    """What a container host keeps back, and what each pod costs beyond its request."""

    node_reservation: NodeReservation = NodeReservation()
    node_os: dict[str, GuestOs] = Field(default_factory=dict)  # extra per node pool OS (e.g. windows)
    per_pod_memory_mib: float = Field(default=0, ge=0, le=MAX_MEMORY_MIB)
    default_max_pods: int = Field(default=110, ge=1, le=MAX_PODS)


class Overheads(Strict):
    """All overheads and the utilisation target (the rest is headroom)."""

    target_utilisation: float = Field(default=1.0, gt=0, le=1)
    vm: VmOverheads = VmOverheads()
    container: ContainerOverheads = ContainerOverheads()


class VmStrategy(Strict):
    """What one-VM-per-service pays for, beyond the hosts or instances."""

    hosts: NonEmptyNames | None = None  # None = every host model / instance type
    hypervisor: Names = Field(default_factory=list)  # alternatives: cheapest per host
    guest_os: dict[str, Names] = Field(default_factory=dict)  # OS -> alternatives, chosen per host
    fees: Names = Field(default_factory=list)


class ContainerStrategy(Strict):
    """What container-density pays for, beyond the hosts or instances."""

    hosts: NonEmptyNames | None = None
    host_os: dict[str, Names] = Field(default_factory=dict)  # node pool OS -> alternatives
    container_platform: Names = Field(default_factory=list)  # alternatives: cheapest per host
    fees: Names = Field(default_factory=list)  # per cluster (unit: cluster)
    clusters: int = Field(default=1, ge=1, le=MAX_CLUSTERS)


class Strategies(Strict):
    """Which licences and fees each placement strategy uses."""

    vm_per_service: VmStrategy = Field(default=VmStrategy(), alias="vm-per-service")
    container_density: ContainerStrategy = Field(default=ContainerStrategy(), alias="container-density")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def instance_family(name: str) -> str:
    """Return an instance type's family: the part before the first dot (AWS ``m7i.large``: ``m7i``),
    else before the first hyphen (GCP-style ``e2-standard-4``: ``e2``); the whole name otherwise."""
    for separator in (".", "-"):
        if separator in name:
            return name.split(separator, 1)[0]
    return name


class Commitment(Strict):
    """A discount for committing to a term: reserved instances, savings plans, multi-year licences.

    ``names`` are instance type names or families (``m7i`` matches ``m7i.large``, ``e2``
    matches ``e2-standard-4``: see ``instance_family``), host
    model names, or licence names; omitted = everything of that kind. The most specific
    match wins (a name over a family over everything).
    """

    applies_to: Literal["instances", "hardware", "licences"]
    names: Names | None = None
    discount_percent: Figure
    note: str | None = None


class Catalogue(Strict):
    """A whole price catalogue: one currency, one kind of host (cloud instances or on-prem models)."""

    name: str = Field(min_length=1)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(check_currency)]
    as_of: dt.date
    description: str | None = None
    sources: dict[str, Source]
    instance_types: list[InstanceType] = Field(default_factory=list)
    os_pricing: dict[str, OsPriceRule] = Field(default_factory=dict)
    host_models: list[HostModel] = Field(default_factory=list)
    facility: Facility | None = None
    licences: list[Licence] = Field(default_factory=list)
    strategies: Strategies = Strategies()
    overheads: Overheads = Overheads()
    commitments: dict[Literal["1y", "3y"], list[Commitment]] = Field(default_factory=dict)

    @property
    def is_cloud(self) -> bool:
        """Return True for a catalogue of cloud instance types."""
        return bool(self.instance_types)
