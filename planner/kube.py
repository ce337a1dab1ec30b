"""Read a fleet from Kubernetes manifests: where ops keep it.

Input: a YAML or JSON file, or a folder of them (searched recursively for
``*.yaml``, ``*.yml`` and ``*.json``, in sorted order; hidden folders such as
``.git`` are left out). Multi-document YAML (``---``), ``kind: List`` (and
``...List`` kinds with ``items``), Helm-rendered output (``# Source:`` comments,
empty documents) and the JSON of ``kubectl get deployments,statefulsets,daemonsets
-A -o json`` all work. YAML is loaded safely: tags never execute anything.

What becomes what:

- Deployments, StatefulSets, ReplicaSets, ReplicationControllers and Argo
  Rollouts (with a pod template) become services, in file order then document
  order. Replicas: ``spec.replicas`` (1 when absent, as Kubernetes does), or a
  HorizontalPodAutoscaler's ``minReplicas``/``maxReplicas`` with
  ``replicas="min"``/``"max"``.
- A replica's size is its pod's effective request, computed as the scheduler
  does: per resource, max(sum of app containers + sidecars, the largest init
  container + the sidecars started before it), plus ``spec.overhead``. A
  container with a limit but no request is requested at its limit (Kubernetes
  defaulting; the service's ``sized_from_limit`` and a note say so); with
  neither it counts 0 (a note lists such app containers). Quantities are rounded
  up to whole millicores and bytes, as the API server does.
- A ``LimitRange`` in the input sets missing requests as Kubernetes' LimitRanger
  admission plugin does when it admits the pods, for the workloads (DaemonSets
  too) of its namespace (no namespace means ``default``, for both): a container
  (init containers and sidecars too) with neither a request nor a limit for
  cpu or memory is requested at the ``type: Container`` item's
  ``defaultRequest``, else its ``default`` (the default limit), else its
  ``max``, else its ``min`` (the API server's defaulting of a LimitRange); a
  container with only a limit is still requested at its limit (defaulted before
  admission). A note names which LimitRange set which resource for how many
  containers, and the LimitRanges no container took a default from. A default
  limit below a container's request is refused (Kubernetes rejects such a pod),
  as are two LimitRanges of one namespace that give a container different
  defaults (Kubernetes applies either, which one is not defined), and containers
  a LimitRange's ``min``, ``max`` or ``maxLimitRequestRatio`` rejects.
- A workload whose total is 0 for cpu or memory, or that runs 0 replicas, is
  skipped and listed in a note.
- DaemonSets become per-node overhead (``Fleet.daemonset_vcpu``,
  ``daemonset_memory_gib``, ``daemonset_pods``; one pinned to linux or windows nodes
  by ``kubernetes.io/os``, or to amd64 or arm64 by ``kubernetes.io/arch``, counts on those
  nodes only, ``Fleet.daemonset_os``; one pinned to another architecture on none), listed
  in a note.
- Jobs, CronJobs and bare Pods are skipped and named in a note (they use
  compute, but not as long-running services); objects owned by a controller
  (a ReplicaSet of a Deployment, the Pods of anything) are skipped and counted,
  as their owner is planned; every other kind is counted in one note.
- ``os``: ``kubernetes.io/os`` (or ``beta.kubernetes.io/os``) from the pod's
  nodeSelector and required node affinity (In, NotIn, ...; constraints no node meets are
  refused), else the pod's ``os.name``, else linux. ``arch``:
  ``kubernetes.io/arch`` likewise (amd64 -> x86_64, arm64), else any.
- ``team``: the namespace, or with ``team_label`` the pod template's (else the
  workload's) label of that name. ``max_per_host`` is always 1.
- Names are ``metadata.name``, prefixed ``namespace/`` only when the same name
  is used in two namespaces (and suffixed `` (Kind)`` when two kinds share one).
  Notes name a service by its own name; a workload, DaemonSet or
  HorizontalPodAutoscaler that is not a service by ``namespace/name`` when its
  name is used in two namespaces. An object with only ``metadata.generateName``
  is shown as that prefix and ``*`` (``Job pre-install-*``).
- ``Service.row`` is the line of the object in its file (0 for JSON input);
  ``Service.origin`` names the file and line for messages.

Unrendered templates are refused: ``{{ }}`` placeholders in the fields read here (names,
labels, images, node selectors, resources, replicas; never valid Kubernetes there) or in
YAML they break, and a Helm ``Chart.yaml``. Kustomization files (``kind`` optional) are not
applied, only noted with the fields a plan of the plain files leaves out.

Every problem is reported at once as an ``InputError``, each line naming the
file, document (and List item), line, kind and name, what was found and what
was expected. Limits: replicas (and HPA min/max) at most 1,000,000; CPU and
memory as ``planner.units`` bounds them, also for a pod's total; Lists nested at
most ``MAX_LIST_DEPTH`` deep and never inside themselves (recursive YAML
aliases); at most ``MAX_OBJECTS`` objects; too deeply nested JSON or YAML and
numbers of more than 4300 digits are reported, not raised.
"""

from __future__ import annotations

import csv
import io
import json
import math
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml

from planner.errors import InputError
from planner.fleet import MAX_REPLICAS, Fleet, Service
from planner.report.output import write_outputs
from planner.units import (
    MAX_CPU_CORES,
    MAX_MEMORY_GIB,
    UnitError,
    format_cpu,
    format_memory,
    parse_cpu,
    parse_memory_gib,
    quote_excerpt,
)

__all__ = ["is_kubernetes_input", "load_kubernetes_fleet", "write_fleet_csv"]

SUFFIXES = (".yaml", ".yml", ".json")
SERVICE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout")
RUN_TO_COMPLETION_KINDS = ("Job", "CronJob", "Pod")
HPA_KIND = "HorizontalPodAutoscaler"
LIMIT_RANGE_KIND = "LimitRange"
# Where a LimitRange item's default request and default limit come from when not written, in the order the
# API server's defaulting of a LimitRange (SetDefaults_LimitRangeItem) fills them: limit from max; request
# from the default limit (written, or from max), else from min.
_DEFAULT_LIMIT_FROM = ("default", "max")
_DEFAULT_REQUEST_FROM = ("defaultRequest", "default", "max", "min")
_REQUEST_SOURCE = {"defaultRequest": "defaultRequest", "default": "default, as it has no defaultRequest",
                   "max": "max, as it has no defaultRequest or default", "min": "min, as it has only min"}
# Kustomize's own files: not cluster objects, and kind is optional in them.
KUSTOMIZE_KINDS = ("Kustomization", "Component")
KUSTOMIZE_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Kustomization fields that change what is applied (so what a plan of the plain files misses).
_KUSTOMIZE_TRANSFORMS = ("patches", "patchesStrategicMerge", "patchesJson6902", "replicas", "images", "namePrefix",
                         "nameSuffix", "namespace", "components", "helmCharts", "replacements", "transformers",
                         "commonLabels", "labels")
OS_KEYS = ("kubernetes.io/os", "beta.kubernetes.io/os")
ARCH_KEYS = ("kubernetes.io/arch", "beta.kubernetes.io/arch")
_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}
_OSES = ("linux", "windows")
# Object and namespace names as the API server validates them (RFC 1123 subdomain and label).
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_RESOURCES = ("cpu", "memory")
# A workload that requests memory but no CPU (or the reverse) still needs a node: its
# missing request is planned at this floor (the scheduler counts it as 0).
_FLOOR_MILLICORES = 1
_FLOOR_BYTES = 2**20
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LOADER(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, refusing a key written twice in one mapping (kubectl refuses it; YAML keeps the last)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], Any] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    first = seen[key].start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {_clip(key_node.value)!r} appears twice in one mapping (first on line "
                                    f"{first}); expected each key once (the second would silently replace the first)",
                        key_node.start_mark)
                seen[key] = key_node
        return super().construct_mapping(node, deep)


# YAML 1.1 resolves a plain "=" to the "value" tag, which the safe loader has no constructor for;
# Kubernetes reads it as the text "=" (CRDs list it in enums, e.g. kube-prometheus' AlertmanagerConfig).
_LOADER.add_constructor("tag:yaml.org,2002:value", _LOADER.construct_yaml_str)


def _without_base_60(tag: str, pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The YAML 1.1 int or float pattern without its base-60 form: kubectl's YAML reader (go-yaml)
    reads ``replicas: 1:30`` as the text '1:30', never 90, and refuses it where a number is due."""
    if tag == "tag:yaml.org,2002:int":
        return re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""", re.X)
    if tag == "tag:yaml.org,2002:float":
        return re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X)
    return pattern


_LOADER.yaml_implicit_resolvers = {
    first: [(tag, _without_base_60(tag, pattern)) for tag, pattern in resolvers]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}


class _DuplicateKey(ValueError):
    """A JSON object with a key written twice."""


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return a JSON object as a dict; _DuplicateKey for a key written twice (json keeps the last)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKey(f"key {_clip(key)!r} appears twice in one object; expected each key once "
                                "(the second would silently replace the first)")
        data[key] = value
    return data


def _duplicate_json_key_line(text: str) -> str:
    """Return "line L, column C: " of the second of a repeated JSON key ("" when it cannot be told).

    json does not tell where an object ends; JSON is YAML, and the YAML loader's marks do.
    """
    try:
        for _ in yaml.load_all(text, Loader=_LOADER):  # noqa: S506 - the safe loader, keys checked
            pass
    except yaml.constructor.ConstructorError as err:
        if err.problem_mark is not None:
            return f"line {err.problem_mark.line + 1}, column {err.problem_mark.column + 1}: "
    except (yaml.YAMLError, RecursionError, ValueError):
        pass
    return ""


# ASCII digits only ([0-9], not \d, which also matches Arabic-Indic and fullwidth digits).
_ZERO_CPU_RE = re.compile(r"^(?:0+(?:\.0*)?|\.0+)[mun]?$")
_ZERO_MEMORY_RE = re.compile(r"^(?:0+(?:\.0*)?|\.0+)(?:[KMGTPE]i|[kKMGTPE]|[eE][+-]?[0-9]+)?$")
_BARE_NUMBER_RE = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
# CPU quantities the fleet CSV does not take but Kubernetes does: a decimal exponent (2e-1)
# or a decimal SI multiplier (1k). The exponent is capped at 3 digits (the size check follows).
_K8S_CPU_RE = re.compile(r"^(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(?P<exp>[eE][+-]?[0-9]{1,3})|(?P<si>[kMGTPE]))$")
_SI_POWER = {"k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
# Nested Lists deeper than this are not what kubectl or helm write (a recursive alias, or an attack).
MAX_LIST_DEPTH = 16
# Objects read from one input at most (YAML aliases can repeat a List exponentially).
MAX_OBJECTS = 200_000
# Bytes read from one input at most, all its files together (as a fleet CSV: /dev/zero or a
# runaway export must not fill memory; a 150,000-pod cluster's manifests are far smaller).
MAX_INPUT_BYTES = 256 * 2**20
_MAX_MILLICORES = MAX_CPU_CORES * 1000
_MAX_BYTES = MAX_MEMORY_GIB * 2**30
_MEMORY_UNITS = (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def is_kubernetes_input(path: Path) -> bool:
    """Return True for a folder or a .yaml/.yml/.json file (a fleet CSV is .csv)."""
    path = Path(path)
    return path.is_dir() or path.suffix.lower() in SUFFIXES


def load_kubernetes_fleet(
    path: Path,
    replicas: Literal["spec", "min", "max"] = "spec",
    team_label: str | None = None,
) -> Fleet:
    """Read the manifests at ``path`` (a file or folder) into a ``Fleet``; raise ``InputError`` on problems."""
    if team_label is not None and not team_label.strip():
        raise InputError(f"--team-label {team_label!r}: an empty label name; expected the label that names the team "
                         "(e.g. team), or omit --team-label to use the namespace")
    if replicas not in ("spec", "min", "max"):
        raise ValueError(f"replicas must be 'spec', 'min' or 'max', not {replicas!r}")
    path = Path(path)
    reader = _Reader(path, replicas, team_label)
    return reader.run()


def write_fleet_csv(fleet: Fleet, path: Path) -> None:
    """Write ``fleet`` as a fleet CSV (Kubernetes units) that ``load_fleet`` reads back to the same services.

    Columns: service,team,os,arch,cpu,memory,replicas,max_per_host, plus ``note``
    when a service was sized from a limit (``load_fleet`` reads it back as a
    request) or a LimitRange set one of its requests. DaemonSet overhead has no
    column and is not written. The file is written to a temporary name and
    renamed into place.
    """
    text = fleet_csv_text(fleet)
    # Atomic, with the usual umask mode (not a temporary file's 0600), no folder left on failure.
    write_outputs([(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))])


def fleet_csv_text(fleet: Fleet) -> str:
    """Return the fleet CSV ``write_fleet_csv`` writes, as text."""
    columns = ["service", "team", "os", "arch", "cpu", "memory", "replicas", "max_per_host"]
    with_note = any(s.sized_from_limit or s.request_defaults for s in fleet.services)
    if with_note:
        columns.append("note")
    rows = []
    for s in fleet.services:
        row = [s.name, s.team or "", s.os, s.arch, format_cpu(s.vcpu), _format_memory_exact(s.memory_gib),
               str(s.replicas), str(s.max_per_host)]
        if with_note:
            said = [f"request from limit ({', '.join(s.sized_from_limit)})"] if s.sized_from_limit else []
            said += [f"request {d}" for d in s.request_defaults]
            row.append("; ".join(said))
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


# --- quantities ---------------------------------------------------------------


def _format_memory_exact(gib: float) -> str:
    """Return ``gib`` as an exact Kubernetes quantity (512Mi, 2Gi, 1G; bytes as 123e0 otherwise)."""
    size = gib * 2**30  # exact: scaling a float by a power of two
    whole = round(size)
    if abs(size - whole) > 1e-6 * max(1.0, size):  # not whole bytes: not from a manifest
        short = format_memory(gib)
        return short if parse_memory_gib(short) == gib else f"{size * 2**-20:.17g}Mi"
    for suffix, factor in _MEMORY_UNITS:
        if whole % factor == 0:
            return f"{whole // factor}{suffix}"
    return f"{whole}e0"


def _memory_gib(size: int) -> float:
    """Return ``size`` bytes in GiB exactly as ``load_fleet`` reads the quantity we write for it."""
    return parse_memory_gib(_format_memory_exact(size / 2**30))


def _quantity_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UnitError(f"{_show(value)} is not a quantity", "a Kubernetes quantity such as 250m or 512Mi")
    return value.strip() if isinstance(value, str) else repr(value)


def _millicores(value: Any) -> int:
    """Return a CPU quantity in whole millicores, rounded up as the API server does."""
    text = _quantity_text(value).removeprefix("+")  # Kubernetes allows an explicit plus sign
    if _ZERO_CPU_RE.match(text):
        return 0
    k8s = _K8S_CPU_RE.match(text)
    if k8s:
        number = Decimal(k8s["num"])
        if number == 0:
            return 0
        power = int(k8s["exp"][1:]) if k8s["exp"] else _SI_POWER[k8s["si"]]
        try:
            cores = parse_cpu(f"{number.scaleb(power + 3).normalize():f}m")  # the same size in millicores
        except UnitError as err:
            raise UnitError(f"{quote_excerpt(text)} is {number.scaleb(power):.4g} cores", err.expected) from None
    else:
        cores = parse_cpu(text)
    return math.ceil(Decimal(repr(cores)) * 1000)


def _bytes(value: Any) -> int:
    """Return a memory quantity in whole bytes (a bare number is bytes, as in Kubernetes)."""
    text = _quantity_text(value).removeprefix("+")
    if _ZERO_MEMORY_RE.match(text):
        return 0
    if not _BARE_NUMBER_RE.match(text):
        return math.ceil(parse_memory_gib(text) * 2**30 - 1e-6)
    try:
        return math.ceil(parse_memory_gib(text + "e0") * 2**30 - 1e-6)  # a bare number is bytes
    except UnitError as err:  # name the value as written, not with the "e0" added here
        raise UnitError(err.found.replace(quote_excerpt(text + "e0"), quote_excerpt(text)), err.expected) from None


def _fmt(resource: str, amount: int) -> str:
    if resource == "cpu":
        return format_cpu(amount / 1000)
    return _format_memory_exact(amount / 2**30) if amount else "0"


def _ratio(thousandths: int) -> str:
    """A maxLimitRequestRatio for a message: 2000 -> '2', 1500 -> '1.5'."""
    return f"{thousandths / 1000:g}"


def _show(value: Any) -> str:
    """Describe ``value`` for a message: short, whatever it is (a whole CSV file read as YAML, a 4000-digit number)."""
    if isinstance(value, str):
        return quote_excerpt(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) > 40:
        return f"a {len(str(value))}-digit number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return repr(value)


# --- reading ------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    file: Path
    doc: int | None  # 1-based document of a YAML file; None for JSON
    item: tuple[int, ...] = ()  # 1-based positions inside (nested) Lists
    line: int = 0  # 1-based; 0 when unknown

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.doc is not None:
            parts.append(f"document {self.doc}")
        parts += [f"item {i}" for i in self.item]
        text = ", ".join(parts)
        return f"{text} (line {self.line})" if self.line else text


@dataclass
class _Object:
    where: _Where
    kind: str
    name: str
    namespace: str | None
    body: dict[str, Any]
    generate_name: str = ""  # metadata.generateName, when the object has no name

    @property
    def label(self) -> str:
        name = self.name or (f"{self.generate_name}*" if self.generate_name else "(no name)")
        text = f"{self.namespace + '/' if self.namespace else ''}{name}"
        if not text.isprintable():  # a NUL or a line break in a name: show it, do not print it
            text = repr(text)[1:-1]
        return f"{self.kind} {text}"


@dataclass
class _Sized:
    """The effective per-pod request of one pod template."""

    amount: dict[str, int]
    from_limit: list[str]
    unrequested: list[str]  # "container (cpu, memory)" for app containers counted as 0
    other: list[str] = field(default_factory=list)  # resources other than cpu and memory (not planned)


@dataclass
class _Workload:
    obj: _Object
    size: _Sized
    replicas: int
    os: str
    arch: str
    team: str | None
    replicas_from: str = ""  # note on where replicas came from, if not spec.replicas


@dataclass
class _LimitRange:
    """The container defaults of one LimitRange, after the API server's defaulting of it."""

    obj: _Object
    request: dict[str, tuple[int, str]]  # resource -> (default request, the field it comes from)
    limit: dict[str, tuple[int, str]]  # resource -> (default limit, the field it comes from)
    minimum: dict[str, int] = field(default_factory=dict)  # resource -> min (a request below: the pod is rejected)
    maximum: dict[str, int] = field(default_factory=dict)  # resource -> max (a limit above: the pod is rejected)
    # resource -> maxLimitRequestRatio, in thousandths (a limit more than that many times the request: rejected)
    ratio: dict[str, int] = field(default_factory=dict)


@dataclass
class _Fill:
    """A request a LimitRange set on one container."""

    limit_range: _LimitRange
    resource: str
    obj: _Object  # the workload or DaemonSet


@dataclass
class _Hpa:
    obj: _Object
    kind: str
    name: str
    min: int
    max: int


@dataclass
class _Reader:
    path: Path
    replicas: str
    team_label: str | None
    problems: list[str] = field(default_factory=list)
    objects: list[_Object] = field(default_factory=list)
    kustomizations: list[str] = field(default_factory=list)  # kustomization files met, with what they would change
    # those of them whose rendering differs from the files as read (transforms, outside or unlisted files)
    kustomizations_that_differ: list[str] = field(default_factory=list)

    order: dict[Path, int] = field(default_factory=dict)  # file -> position in the input
    visited: int = 0  # values looked at by collect (objects and Lists), capped at MAX_OBJECTS
    bytes_read: int = 0  # bytes read from every file so far, capped at MAX_INPUT_BYTES
    keys: list[tuple[int, int, tuple[int, ...], int]] = field(default_factory=list)  # sort keys of problems
    limit_ranges: dict[str, list[_LimitRange]] = field(default_factory=dict)  # namespace -> its LimitRanges
    fills: list[_Fill] = field(default_factory=list)  # requests LimitRanges set
    conflicts: set[tuple[str, str]] = field(default_factory=set)  # (namespace, resource) of conflicts reported

    def problem(self, where: _Where | _Object | Path, text: str, doc: int = 0) -> None:
        """Record a problem; problems are reported in file, document and item order."""
        at = where.where if isinstance(where, _Object) else where
        if isinstance(at, _Where):
            key = (self.order.get(at.file, 0), at.doc or 0, at.item, len(self.problems))
        else:
            key = (self.order.get(at, 0), doc, (), len(self.problems))
        self.keys.append(key)
        self.problems.append(f"{at}, {where.label}: {text}" if isinstance(where, _Object) else f"{at}: {text}")

    def sorted_problems(self) -> list[str]:
        return [text for _, text in sorted(zip(self.keys, self.problems), key=lambda kp: kp[0])]

    # -- files and documents

    def files(self) -> list[Path]:
        if self.path.is_dir():
            found = sorted(
                (p for p in self.path.rglob("*")
                 if p.suffix.lower() in SUFFIXES and p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(self.path).parts)),
                key=lambda p: p.relative_to(self.path).as_posix(),
            )
            if not found:
                raise InputError(f"{self.path}: found no .yaml, .yml or .json files in this folder; expected "
                                 "Kubernetes manifests (kubectl get ... -o yaml, helm template, or the files you apply)")
            return found
        return [self.path]

    def read_text(self, file: Path) -> str | None:
        left = max(0, MAX_INPUT_BYTES - self.bytes_read)
        try:
            with file.open("rb") as handle:  # bounded: a link to /dev/zero must not fill memory
                data = handle.read(left + 1)
        except FileNotFoundError:
            self.problem(file, "cannot read: no such file; expected a manifest file or a folder of them")
            return None
        except PermissionError:
            self.problem(file, "cannot read: permission denied")
            return None
        except OSError as err:
            self.problem(file, f"cannot read: {err.strerror or err}")
            return None
        self.bytes_read += len(data)
        if len(data) > left:
            self.problem(file, f"the input passes {MAX_INPUT_BYTES // 2**20} MiB here; expected Kubernetes manifests "
                               f"of at most {MAX_INPUT_BYTES // 2**20} MiB in all (plan each cluster on its own)")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            self.problem(file, f"line {line}: byte 0x{data[err.start]:02x} is not UTF-8; expected a UTF-8 "
                               "text file of Kubernetes manifests (YAML or JSON)")
            return None

    def documents(self, file: Path, text: str) -> Iterator[tuple[_Where, Any, Any]]:
        """Yield (where, data, YAML node or None) for each non-empty document of ``file``."""
        if file.suffix.lower() == ".json":
            if not text.strip():
                return
            try:
                data = json.loads(text, object_pairs_hook=_json_object)
            except json.JSONDecodeError as err:
                self.problem(file, f"line {err.lineno}, column {err.colno}: JSON syntax error ({err.msg}); "
                                   "expected valid JSON, such as kubectl get ... -o json writes")
                return
            except _DuplicateKey as err:
                self.problem(file, _duplicate_json_key_line(text) + str(err))
                return
            except RecursionError:
                self.problem(file, "JSON nested too deeply to read (thousands of nested [ or {); expected "
                                   "Kubernetes objects, such as kubectl get ... -o json writes")
                return
            except ValueError as err:  # e.g. an integer of more than 4300 digits
                self.problem(file, f"a value cannot be read ({_value_error(err)}); expected valid JSON, such as "
                                   "kubectl get ... -o json writes")
                return
            yield _Where(file, None), data, None
            return
        loader = _LOADER(text)
        doc = 0  # documents read in full: an error is always in document doc + 1
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                data = loader.construct_document(node)  # tags fail here, in the document just composed
                doc += 1
                if data is None:
                    continue  # an empty document (Helm renders these)
                where = _Where(file, doc, line=node.start_mark.line + 1)
                yield where, data, node
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            what = str(err.problem or err.context)
            if err.context and err.problem:
                start = err.context_mark
                where = f" that starts at line {start.line + 1}, column {start.column + 1}" if start else ""
                what = f"{err.problem}, {err.context}{where}"
            if isinstance(err, yaml.constructor.ConstructorError) and "appears twice" in what:
                self.problem(file, f"{at}document {doc + 1}: {what}", doc + 1)
                return
            if isinstance(err, yaml.constructor.ConstructorError) and "tag" in what:
                expected = "plain YAML without tags (tags are never executed)"
            elif "{{" in text:  # "found unhashable key" too: name: {{ .Release.Name }} is a flow mapping
                expected = "valid YAML: render a Helm chart's templates first (helm template ...)"
                line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
                if "{{" in line:
                    what += f" (line {mark.line + 1} holds a template placeholder: {_clip(line.strip(), 60)!r})"
            else:
                expected = "valid YAML"
            self.problem(file, f"{at}YAML syntax error in document {doc + 1}: {what}; expected {expected}", doc + 1)
        except yaml.YAMLError as err:
            self.problem(file, f"YAML error in document {doc + 1} ({err}); expected valid YAML", doc + 1)
        except RecursionError:
            self.problem(file, f"document {doc + 1} is nested too deeply to read (a recursive YAML alias, or "
                               "thousands of nested [ or {); expected Kubernetes manifests", doc + 1)
        except ValueError as err:  # e.g. an integer of more than 4300 digits, a date like 2024-13-45
            self.problem(file, f"document {doc + 1}: a value cannot be read ({_value_error(err)}); expected valid "
                               "YAML with realistic values", doc + 1)
        finally:
            loader.dispose()

    def collect(self, where: _Where, data: Any, node: Any = None, lists: tuple[int, ...] = ()) -> bool:
        """Add the Kubernetes objects in ``data`` (an object or a List) to ``self.objects``.

        ``lists`` holds the ids of the enclosing Lists' items, to catch a List that contains
        itself (a recursive YAML alias). Return False to stop reading the file.
        """
        self.visited += 1
        if self.visited > MAX_OBJECTS:
            self.problem(where, f"more than {MAX_OBJECTS:,} objects (YAML aliases repeating a List?); expected "
                                "Kubernetes manifests of a realistic size")
            return False
        if not isinstance(data, dict):
            hint = (" (a fleet CSV? plan it directly: plan FLEET.csv --pricing ...; convert reads Kubernetes "
                    "manifests)" if where.file.suffix.lower() == ".csv" else "")
            self.problem(where, f"{_show(data)}, not a mapping; expected a Kubernetes object "
                                f"(a mapping with apiVersion, kind and metadata){hint}")
            return True
        kind = data.get("kind")
        if kind is None and where.file.name in KUSTOMIZE_FILES:
            kind = "Kustomization"  # optional in a kustomization file
        if not isinstance(kind, str) or not kind:
            if where.file.name == "Chart.yaml":
                self.problem(where, "a Helm chart's Chart.yaml, not a Kubernetes object; expected Kubernetes manifests: "
                                    "render the chart first (helm template ...) and plan the output")
                return True
            keys = ", ".join(_clip(str(k)) for k in list(data)[:5])
            self.problem(where, f"no 'kind' (keys: {keys}); expected a Kubernetes object with apiVersion and kind"
                         + (" (a Helm values file? render the chart with helm template)" if "kind" not in data else ""))
            return True
        items = data.get("items")
        if kind == "List" or (kind.endswith("List") and "items" in data):
            if items is None:
                return True
            if not isinstance(items, list):
                self.problem(where, f"kind {kind}: items is {_show(items)}; expected a list of objects")
                return True
            if id(items) in lists:
                self.problem(where, f"kind {kind}: items contains the List itself (a recursive YAML alias such as "
                                    "items: &a [{kind: List, items: *a}]); expected a list of objects")
                return True
            if len(lists) >= MAX_LIST_DEPTH:
                self.problem(where, f"kind {kind}: Lists nested more than {MAX_LIST_DEPTH} deep; expected a List of "
                                    "objects (kubectl and helm write Lists one or two levels deep)")
                return True
            item_nodes = _item_nodes(node)
            for index, item in enumerate(items, start=1):
                item_node = item_nodes[index - 1] if item_nodes and index <= len(item_nodes) else None
                line = item_node.start_mark.line + 1 if item_node is not None else 0
                if not self.collect(_Where(where.file, where.doc, (*where.item, index), line), item, item_node,
                                    (*lists, id(items))):
                    return False
            return True
        meta = data.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name = meta.get("name")
        namespace = meta.get("namespace")
        if kind in KUSTOMIZE_KINDS and where.file.name in KUSTOMIZE_FILES:
            transforms = [key for key in _KUSTOMIZE_TRANSFORMS if data.get(key)]
            missed = [f"{', '.join(transforms)} not applied"] if transforms else []
            listed = [r for key in ("resources", "bases") if isinstance(data.get(key), list) for r in data[key]]
            if any(isinstance(r, str) and (r.startswith("..") or "://" in r) for r in listed):
                missed.append("resources outside this folder not read")
            unlisted = _unlisted_beside(where.file, listed) if self.path.is_dir() else []
            if unlisted:
                missed.append(f"{', '.join(unlisted[:3])}{', ...' if len(unlisted) > 3 else ''} beside it not in its "
                              "resources (planned here, not applied by kustomize)")
            shown = where.file.relative_to(self.path) if self.path.is_dir() else where.file
            self.kustomizations.append(f"{shown}" + (f" ({'; '.join(missed)})" if missed else ""))
            if missed:
                self.kustomizations_that_differ.append(self.kustomizations[-1])
            return True
        generate_name = meta.get("generateName")
        obj = _Object(where, kind, name if isinstance(name, str) else "",
                      namespace if isinstance(namespace, str) and namespace else None, data,
                      generate_name if isinstance(generate_name, str) and not name else "")
        self.objects.append(obj)
        return True

    # -- the whole run

    def run(self) -> Fleet:
        files = self.files()
        self.order = {file: index for index, file in enumerate(files)}
        for file in files:
            text = self.read_text(file)
            if text is None:
                continue
            documents = self.documents(file, text)
            try:
                for where, data, node in documents:
                    if not self.collect(where, data, node):
                        break
            except RecursionError:  # a safety net: collect caps List nesting, documents() catches its own
                self.problem(file, "nested too deeply to read (a recursive YAML alias, or thousands of nested "
                                   "[ or {); expected Kubernetes manifests")
            finally:
                documents.close()
            if self.visited > MAX_OBJECTS:
                break

        workloads: list[_Workload] = []
        daemonsets: list[tuple[_Object, _Sized]] = []
        hpas: list[_Hpa] = []
        named_skips: list[str] = []
        operated: list[str] = []  # custom resources an operator runs as pods
        by_ref: list[str] = []  # Argo Rollouts with workloadRef: their Deployment carries the pod template
        managed: Counter[str] = Counter()
        ignored: Counter[str] = Counter()
        seen: dict[tuple[str, str | None, str], _Object] = {}
        # LimitRanges first: they set the requests of the workloads of their namespace, wherever they are.
        for obj in self.objects:
            if obj.kind == LIMIT_RANGE_KIND:
                self.read_limit_range(obj, seen)
        for obj in self.objects:
            kind = obj.kind
            if kind == LIMIT_RANGE_KIND:
                continue
            left = _placeholders(obj.body) if kind in (*SERVICE_KINDS, "DaemonSet", HPA_KIND,
                                                       *RUN_TO_COMPLETION_KINDS) else []
            if left:
                shown = ", ".join(f"{at} {quote_excerpt(value)}" for at, value in left[:3])
                self.problem(obj, f"template placeholders left in ({shown}{', ...' if len(left) > 3 else ''}); "
                                  "expected rendered manifests: render a Helm chart's templates first (helm template ...)")
                continue
            if kind in (*SERVICE_KINDS, "DaemonSet", HPA_KIND) and not self.check_meta(obj):
                continue
            if kind in (*SERVICE_KINDS, "DaemonSet", *RUN_TO_COMPLETION_KINDS) and _controlled(obj.body):
                managed[kind] += 1
                continue
            if kind in (*SERVICE_KINDS, "DaemonSet"):
                key = (kind, obj.namespace or "default", obj.name)  # no namespace: kubectl applies it to default
                if key in seen:
                    self.problem(obj, f"appears twice (first in {seen[key].where}); expected each workload once "
                                      "(two overlays of the same app in one folder?)")
                    continue
                seen[key] = obj
            if kind in SERVICE_KINDS:
                if kind == "Rollout" and not isinstance(_dig(obj.body, "spec", "template"), dict):
                    by_ref.append(obj.label)
                    continue
                workload = self.workload(obj)
                if workload is not None:
                    workloads.append(workload)
            elif kind == "DaemonSet":
                sized = self.pod_size(obj)
                if sized is not None:
                    daemonsets.append((obj, sized))
            elif kind == HPA_KIND:
                hpa = self.hpa(obj)
                if hpa is not None:
                    hpas.append(hpa)
            elif kind in RUN_TO_COMPLETION_KINDS:
                named_skips.append(obj.label)
            elif _runs_pods_through_an_operator(obj.body):
                operated.append(obj.label)
            else:
                ignored[kind] += 1

        hpa_notes = self.apply_hpas(workloads, hpas)
        services, skip_notes, names = self.services(workloads)
        ds_names = _qualified([obj for obj, _ in daemonsets])
        names.update(ds_names)
        notes = [note(names) for note in hpa_notes]
        if daemonsets:
            self.realistic(self.path, "the DaemonSets' total per-node request",
                           {r: sum(sized.amount[r] for _, sized in daemonsets) for r in _RESOURCES})
        if not services and not self.problems:
            self.problems.append(self.empty_message(workloads, [ds_names[id(o)] for o, _ in daemonsets],
                                                    named_skips + [f"{label} (run by an operator, not planned)"
                                                                   for label in operated], managed, ignored))
            self.keys.append((len(files), 0, (), 0))
        if self.problems:
            count = len(self.problems)
            raise InputError(self.sorted_problems(), header=f"{self.path}: {count} problems" if count > 1 else None)

        # A DaemonSet pinned to linux or windows nodes (kubernetes.io/os), or to one CPU architecture
        # (kubernetes.io/arch), runs on those nodes only; pinned to an architecture no plan prices
        # (arm, s390x, ...) it runs on none of them.
        pins = {id(obj): _daemonset_nodes(_pod_spec(obj.body)) for obj, _ in daemonsets}
        everywhere = [(obj, sized) for obj, sized in daemonsets if pins[id(obj)] == ""]
        ds_cpu = sum(s.amount["cpu"] for _, s in everywhere)
        ds_mem = sum(s.amount["memory"] for _, s in everywhere)
        by_os: list[tuple[str, float, float, int]] = []
        for nodes in sorted({p for p in pins.values() if p and p != _NO_NODE}):
            own = [sized for obj, sized in daemonsets if pins[id(obj)] == nodes]
            cpu, mem = sum(z.amount["cpu"] for z in own), sum(z.amount["memory"] for z in own)
            by_os.append((nodes, parse_cpu(f"{cpu}m") if cpu else 0.0, _memory_gib(mem) if mem else 0.0, len(own)))
        if daemonsets:
            listed = []
            for obj, sized in daemonsets:
                size = (f"{_fmt('cpu', sized.amount['cpu'])}, {_fmt('memory', sized.amount['memory'])}"
                        if any(sized.amount.values()) else "no requests")
                extra = f", requests from limits ({', '.join(sized.from_limit)})" if sized.from_limit else ""
                nodes = pins[id(obj)]
                if nodes == _NO_NODE:
                    extra += (f", {_arch_pin(_pod_spec(obj.body))} nodes only, which no plan here has (amd64 or "
                              "arm64): not counted")
                elif nodes:
                    extra += f", {nodes.removeprefix('any/')} nodes only"
                listed.append(f"{names[id(obj)]} ({size}{extra})")
            notes.append(f"DaemonSets as per-node overhead: {', '.join(listed)}")
        notes += self.limit_range_notes(names)
        notes += skip_notes
        from_limit = [f"{s.name} ({', '.join(s.sized_from_limit)})" for s in services if s.sized_from_limit]
        if from_limit:
            notes.append(f"planned at limit (no request): {', '.join(from_limit)}")
        unrequested = [f"{names[id(w.obj)]}/{c}" for w in workloads for c in w.size.unrequested
                       if all(w.size.amount[r] > 0 for r in _RESOURCES)]
        if unrequested:
            notes.append(f"containers with no request or limit, counted as 0: {', '.join(unrequested)}")
        other = [f"{names[id(w.obj)]} ({', '.join(w.size.other)})" for w in workloads if w.size.other]
        other += [f"DaemonSet {names[id(obj)]} ({', '.join(sized.other)})" for obj, sized in daemonsets if sized.other]
        if other:
            notes.append(f"requests and limits of resources other than cpu and memory are not planned (no host "
                         f"offers them here): {', '.join(other)}")
        if named_skips:
            notes.append(f"skipped Jobs, CronJobs and bare Pods (they use compute, but not as services): "
                         f"{', '.join(named_skips)}")
        if by_ref:
            notes.append(f"skipped Rollouts with a workloadRef (their Deployment is read instead): {', '.join(by_ref)}")
        if managed:
            total = sum(managed.values())
            notes.append(f"skipped {total} object{'s' if total > 1 else ''} managed by another workload, which is "
                         f"planned instead ({_counts(managed)})")
        if self.kustomizations_that_differ:  # one that only lists the files beside it renders what was read
            notes.append("kustomization files are not applied: the manifests beside them are planned as written "
                         f"(plan the output of kubectl kustomize DIR to plan what kustomize renders): "
                         f"{', '.join(self.kustomizations_that_differ)}")
        if operated:
            notes.append("not planned: custom resources an operator runs as pods (their pods use compute, but "
                         "only the operator knows their size: plan the StatefulSets or Deployments it creates, "
                         f"e.g. from kubectl get statefulsets -o yaml): {', '.join(operated)}")
        if ignored:
            total = sum(ignored.values())
            notes.append(f"ignored {total} non-workload object{'s' if total > 1 else ''} ({_counts(ignored)})")
        if self.team_label:
            unlabelled = [s.name for s in services if s.team is None]
            if unlabelled:
                notes.append(f"no label {self.team_label!r} (team left empty): {', '.join(unlabelled)}")
        return Fleet(
            path=self.path,
            name=self.path.name if self.path.is_dir() else self.path.stem,
            services=tuple(services),
            notes=tuple(notes),
            daemonset_vcpu=parse_cpu(f"{ds_cpu}m") if ds_cpu else 0.0,
            daemonset_memory_gib=_memory_gib(ds_mem) if ds_mem else 0.0,
            daemonset_pods=len(everywhere),
            daemonset_os=tuple(by_os),
        )

    def empty_message(self, workloads: list[_Workload], daemonsets: list[str], named: list[str],
                      managed: Counter[str], ignored: Counter[str]) -> str:
        if not workloads and not daemonsets and not named and not managed:
            ignored = ignored + Counter({LIMIT_RANGE_KIND: sum(len(v) for v in self.limit_ranges.values())})
            found = f" (found: {_counts(ignored)})" if ignored else " (it holds no Kubernetes objects)"
            if self.kustomizations:
                found = (f" (found: kustomization {', '.join(self.kustomizations)}"
                         f"{'; ' + _counts(ignored) if ignored else ''}; render it first: kubectl kustomize DIR)")
            return (f"{self.path}: found no Deployments, StatefulSets or DaemonSets{found}; expected Kubernetes "
                    "workload manifests, e.g. kubectl get deployments,statefulsets,daemonsets -A -o yaml")
        had = []
        if workloads:
            shown = ", ".join(w.obj.label for w in workloads[:10]) + (", ..." if len(workloads) > 10 else "")
            had.append(f"{len(workloads)} workload{'s' if len(workloads) > 1 else ''} skipped "
                       f"(no resource requests or 0 replicas: {shown})")
        if daemonsets:
            had.append(f"DaemonSets {', '.join(daemonsets)}")
        if named:
            had.append(", ".join(named))
        if managed:
            had.append(f"objects managed by a controller that is not in the input ({_counts(managed)})")
        return (f"{self.path}: found no Deployments or StatefulSets to plan (found: {'; '.join(had)}); expected at "
                "least one Deployment or StatefulSet with replicas and resource requests")

    # -- objects

    def check_meta(self, obj: _Object) -> bool:
        meta = obj.body.get("metadata")
        if not isinstance(meta, dict):
            self.problem(obj, f"metadata is {_show(meta)}; expected a mapping with name (and namespace)")
            return False
        if not obj.name:
            only = (f" (only generateName {_show(obj.generate_name)}, which kubectl create completes, not kubectl "
                    "apply)" if obj.generate_name else "")
            self.problem(obj, f"metadata.name is {_show(meta.get('name'))}{only}; expected the {obj.kind}'s name")
            return False
        namespace = meta.get("namespace")
        if namespace is not None and not isinstance(namespace, str):
            self.problem(obj, f"metadata.namespace is {_show(namespace)}; expected a namespace name")
            return False
        if not _DNS_SUBDOMAIN.fullmatch(obj.name) or len(obj.name) > 253:
            self.problem(obj, f"metadata.name is {_show(obj.name)}; expected a Kubernetes object name: at most 253 "
                              "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit "
                              "(the API server refuses any other)")
            return False
        if namespace is not None and (not _DNS_LABEL.fullmatch(namespace) or len(namespace) > 63):
            self.problem(obj, f"metadata.namespace is {_show(namespace)}; expected a namespace name: at most 63 "
                              "lowercase letters, digits and '-', starting and ending with a letter or digit")
            return False
        return True

    def whole(self, obj: _Object, key: str, value: Any, minimum: int, maximum: int = MAX_REPLICAS) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            found = f"{_show(value)} is not a whole number"
            if isinstance(value, str):  # "3" quoted, or 1:30 (YAML 1.1 base 60, which kubectl reads as text)
                found = f"{_show(value)} is text" + (" (quoted)" if value.strip().lstrip("+-").isdigit() else "")
            self.problem(obj, f"{key}: {found}; expected a whole number >= {minimum}")
            return None
        if value < minimum:
            what = "negative" if value < 0 else "too small"
            self.problem(obj, f"{key}: {_show(value)} is {what}; expected a whole number >= {minimum}")
            return None
        if value > maximum:
            self.problem(obj, f"{key}: {_show(value)} is too large; expected a whole number from {minimum} to "
                              f"{maximum:,} (replicas of one workload)")
            return None
        return value

    def workload(self, obj: _Object) -> _Workload | None:
        spec = obj.body.get("spec")
        if not isinstance(spec, dict):
            self.problem(obj, f"spec is {_show(spec)}; expected a mapping with replicas and template")
            return None
        raw = spec.get("replicas", 1)
        count = 1 if raw is None else self.whole(obj, "spec.replicas", raw, 0)
        sized = self.pod_size(obj)
        pod = _pod_spec(obj.body)
        template_labels = _dig(obj.body, "spec", "template", "metadata", "labels")
        pinned: list[str | None] = []
        for keys, domain, what in ((OS_KEYS, _OSES, "OS"), (ARCH_KEYS, tuple(_ARCH), "architecture")):
            allowed, unknown = _node_values(pod, keys, domain)
            if unknown is None and not allowed:
                self.problem(obj, f"its nodeSelector and required node affinity on {keys[0]} allow no node "
                                  f"{what} ({' or '.join(domain)} all excluded, or pinned to two at once); expected "
                                  "constraints some node meets (Kubernetes never schedules such a pod)")
                return None
            pinned.append(_pinned(allowed, unknown))
        os_value, arch_value = pinned
        if os_value is not None and os_value.lower() not in ("linux", "windows"):
            self.problem(obj, f"nodeSelector kubernetes.io/os: {os_value!r}; expected linux or windows (the values "
                              "Kubernetes gives that node label)")
            return None
        pod_os = _dig(pod, "os", "name")
        if pod_os is not None and pod_os not in ("linux", "windows"):
            self.problem(obj, f"spec.template.spec.os.name is {_show(pod_os)}; expected linux or windows")
            return None
        if pod_os is not None and os_value is not None and pod_os != os_value.lower():
            self.problem(obj, f"spec.template.spec.os.name is {pod_os} but nodeSelector kubernetes.io/os is "
                              f"{os_value}; expected the same OS (the kubelet refuses a pod of another OS)")
            return None
        os_name = (os_value or pod_os or "linux").lower()
        arch = "any"
        if arch_value is not None:
            if arch_value.lower() not in _ARCH:
                self.problem(obj, f"nodeSelector kubernetes.io/arch: {arch_value!r}; expected amd64 or arm64 "
                                  "(the architectures the planner prices)")
                return None
            arch = _ARCH[arch_value.lower()]
        if self.team_label:
            team = None
            for labels in (template_labels, _dig(obj.body, "metadata", "labels")):
                if isinstance(labels, dict) and labels.get(self.team_label) not in (None, ""):
                    team = str(labels[self.team_label])
                    break
        else:
            team = obj.namespace
        if count is None or sized is None:
            return None
        return _Workload(obj, sized, count, os_name, arch, team)

    def pod_size(self, obj: _Object) -> _Sized | None:
        """Return the effective request of ``obj``'s pod template (None after recording problems)."""
        template = _dig(obj.body, "spec", "template")
        if not isinstance(template, dict):
            self.problem(obj, f"spec.template is {_show(template)}; expected a pod template "
                              "(metadata and spec with containers)")
            return None
        pod = template.get("spec")
        if not isinstance(pod, dict):
            self.problem(obj, f"spec.template.spec is {_show(pod)}; expected a pod spec with containers")
            return None
        before = len(self.problems)
        containers = pod.get("containers")
        if not isinstance(containers, list) or not containers:
            self.problem(obj, f"spec.template.spec.containers is {_show(containers) if containers != [] else 'empty'}; "
                              "expected a list of containers")
            return None
        init = pod.get("initContainers") or []
        if not isinstance(init, list):
            self.problem(obj, f"spec.template.spec.initContainers is {_show(init)}; expected a list of containers")
            return None
        from_limit: set[str] = set()
        unrequested: list[str] = []
        app = {r: 0 for r in _RESOURCES}
        for index, container in enumerate(containers):
            got = self.container(obj, "containers", index, container, from_limit)
            if got is None:
                continue
            amounts, missing = got
            for r in _RESOURCES:
                app[r] += amounts[r]
            if missing:
                unrequested.append(f"{_container_name(container, index)} ({', '.join(missing)})")
        sidecars = {r: 0 for r in _RESOURCES}
        init_max = {r: 0 for r in _RESOURCES}
        for index, container in enumerate(init):
            got = self.container(obj, "initContainers", index, container, from_limit)
            if got is None:
                continue
            amounts, missing = got
            sidecar = isinstance(container, dict) and container.get("restartPolicy") == "Always"
            if sidecar and missing:
                unrequested.append(f"{_container_name(container, index)} ({', '.join(missing)})")
            for r in _RESOURCES:
                if sidecar:
                    sidecars[r] += amounts[r]
                    init_max[r] = max(init_max[r], sidecars[r])
                else:
                    init_max[r] = max(init_max[r], amounts[r] + sidecars[r])
        overhead = pod.get("overhead") or {}
        extra = {r: 0 for r in _RESOURCES}
        if not isinstance(overhead, dict):
            self.problem(obj, f"spec.template.spec.overhead is {_show(overhead)}; expected a mapping of cpu and memory")
        else:
            for r in _RESOURCES:
                if r in overhead:
                    extra[r] = self.quantity(obj, f"spec.template.spec.overhead.{r}", r, overhead[r]) or 0
        pod_level = self.pod_level_requests(obj, pod)
        if len(self.problems) > before:
            return None
        amount = {r: max(app[r] + sidecars[r], init_max[r]) for r in _RESOURCES}
        for r, request in pod_level.items():  # PodLevelResources: the pod's own request replaces the sum
            if request < amount[r]:
                self.problem(obj, f"spec.template.spec.resources.requests.{r}: {_fmt(r, request)} is below its "
                                  f"containers' {_fmt(r, amount[r])}; expected a pod-level request at least the "
                                  "containers' (Kubernetes rejects such a pod)")
                return None
            amount[r] = request
            from_limit.discard(r)
        amount = {r: amount[r] + extra[r] for r in _RESOURCES}
        if not self.realistic(obj, "the pod's total request", amount):
            return None
        return _Sized(amount, [r for r in _RESOURCES if r in from_limit], unrequested,
                      _other_resources([*containers, *init], overhead))

    def pod_level_requests(self, obj: _Object, pod: dict[str, Any]) -> dict[str, int]:
        """Return the pod-level requests (``spec.resources``, Kubernetes' PodLevelResources): a request,
        else the limit (as for a container); {} when the pod sets none."""
        resources = pod.get("resources")
        if resources is None:
            return {}
        if not isinstance(resources, dict):
            self.problem(obj, f"spec.template.spec.resources is {_show(resources)}; expected a mapping with requests "
                              "and limits")
            return {}
        found: dict[str, int] = {}
        for part in ("limits", "requests"):  # a request replaces the limit it defaults from
            values = resources.get(part) or {}
            if not isinstance(values, dict):
                self.problem(obj, f"spec.template.spec.resources.{part} is {_show(values)}; expected a mapping of cpu "
                                  "and memory")
                continue
            for r in _RESOURCES:
                if r in values:
                    amount = self.quantity(obj, f"spec.template.spec.resources.{part}.{r}", r, values[r])
                    if amount is not None:
                        if part == "requests" and r in found and amount > found[r]:
                            self.problem(obj, f"spec.template.spec.resources.requests.{r}: {_fmt(r, amount)} is "
                                              f"above its limit {_fmt(r, found[r])}; expected a request <= limit "
                                              "(Kubernetes rejects such a pod)")
                        found[r] = amount
        return found

    def realistic(self, where: _Object | Path, what: str, amount: dict[str, int]) -> bool:
        """Return False (after recording a problem) when ``amount`` is above what one pod or node can have."""
        ok = True
        for r, limit in (("cpu", _MAX_MILLICORES), ("memory", _MAX_BYTES)):
            if amount[r] > limit:
                shown = (lambda n: f"{n / 1000:g} cores") if r == "cpu" else (lambda n: f"{n / 2**50:g}Pi")
                self.problem(where, f"{what} of {r}, {shown(amount[r])}, is too large; expected a realistic size: "
                                    f"at most {shown(limit)} per pod")
                ok = False
        return ok

    def container(self, obj: _Object, group: str, index: int, container: Any,
                  from_limit: set[str]) -> tuple[dict[str, int], list[str]] | None:
        """Return ({resource: request}, [resources with neither request nor limit]) of one container."""
        where = f"spec.template.spec.{group}[{index}]"
        if not isinstance(container, dict):
            self.problem(obj, f"{where} is {_show(container)}; expected a container (a mapping with name and image)")
            return None
        where = f"{group[:-1] if group.endswith('s') else group} {_container_name(container, index)}"
        resources = container.get("resources") or {}
        if not isinstance(resources, dict):
            self.problem(obj, f"{where}, resources is {_show(resources)}; expected a mapping with requests and limits")
            return None
        parsed: dict[str, dict[str, int | None]] = {}
        ok = True
        for part in ("requests", "limits"):
            values = resources.get(part) or {}
            if not isinstance(values, dict):
                self.problem(obj, f"{where}, resources.{part} is {_show(values)}; expected a mapping of cpu and memory")
                ok = False
                continue
            parsed[part] = {r: self.quantity(obj, f"{where}, resources.{part}.{r}", r, values[r])
                            if r in values else None for r in _RESOURCES}
            if any(r in values and parsed[part][r] is None for r in _RESOURCES):
                ok = False
        if not ok:
            return None
        amounts: dict[str, int] = {}
        missing: list[str] = []
        for r in _RESOURCES:
            request, limit = parsed["requests"][r], parsed["limits"][r]
            if request is not None and limit is not None and request > limit:
                self.problem(obj, f"{where}, resources.requests.{r}: {_fmt(r, request)} is above its limit "
                                  f"{_fmt(r, limit)}; expected a request <= limit (Kubernetes rejects such a pod)")
                return None
            namespace = obj.namespace or "default"
            if request is None and limit is None:  # the LimitRanger sets a request from the namespace's LimitRange
                got = self.default_request(obj, where, r)
                if got is not None:
                    request = got.request[r][0]
                    self.fills.append(_Fill(got, r, obj))
            if request is not None and limit is None:  # ... and a limit, which the request must not pass
                for lr in self.limit_ranges.get(namespace, []):
                    if r in lr.limit and request > lr.limit[r][0]:
                        amount, source = lr.limit[r]
                        self.problem(obj, f"{where}, resources.requests.{r}: {_fmt(r, request)} is above the default "
                                          f"limit {_fmt(r, amount)} ({source}) that {lr.obj.label} ({lr.obj.where}) "
                                          "sets; expected a request <= limit (Kubernetes rejects such a pod): raise "
                                          "the LimitRange's default limit or give the container a limit")
                        return None
            if not self.within_limit_range(obj, where, r, request, limit):
                return None
            if request is not None:
                amounts[r] = request
            elif limit is not None:
                amounts[r] = limit
                if limit:
                    from_limit.add(r)
            else:
                amounts[r] = 0
                missing.append(r)
        return amounts, missing

    def within_limit_range(self, obj: _Object, where: str, r: str, request: int | None, limit: int | None) -> bool:
        """Return False (after recording a problem) when a LimitRange's min or max rejects this container.

        As the LimitRanger does on admission: the request (the limit when there is none) must be
        at least ``min``; the limit (the request when there is none) at most ``max``.
        """
        wanted = request if request is not None else limit  # the API server sets a missing request to the limit
        capped = limit if limit is not None else request
        for lr in self.limit_ranges.get(obj.namespace or "default", []):
            if r in lr.minimum and wanted is not None and wanted < lr.minimum[r]:
                part = "requests" if request is not None else "limits"
                self.problem(obj, f"{where}, resources.{part}.{r}: {_fmt(r, wanted)} is below the min "
                                  f"{_fmt(r, lr.minimum[r])} that {lr.obj.label} ({lr.obj.where}) sets; expected at "
                                  "least the min (Kubernetes rejects such a pod)")
                return False
            if r in lr.maximum and capped is not None and capped > lr.maximum[r]:
                part = "limits" if limit is not None else "requests"
                self.problem(obj, f"{where}, resources.{part}.{r}: {_fmt(r, capped)} is above the max "
                                  f"{_fmt(r, lr.maximum[r])} that {lr.obj.label} ({lr.obj.where}) sets; expected at "
                                  "most the max (Kubernetes rejects such a pod)")
                return False
            if r in lr.ratio and not self.within_ratio(obj, where, r, wanted, limit, lr):
                return False
        return True

    def within_ratio(self, obj: _Object, where: str, r: str, request: int | None, limit: int | None,
                     lr: _LimitRange) -> bool:
        """Return False (after recording a problem) when ``lr``'s maxLimitRequestRatio rejects this container.

        As the LimitRanger checks it, after the defaults: the container needs a request and a
        limit (its own, or the namespace's default limit), and limit / request at most the ratio.
        """
        defaulted = None
        if limit is None:
            defaulted = next((other for other in self.limit_ranges.get(obj.namespace or "default", [])
                              if r in other.limit), None)
            limit = None if defaulted is None else defaulted.limit[r][0]
        allowed = _ratio(lr.ratio[r])
        rule = f"the maxLimitRequestRatio {allowed} that {lr.obj.label} ({lr.obj.where}) sets"
        if not request or not limit:
            missing = "request" if not request else "limit"
            self.problem(obj, f"{where}, resources: no {r} {missing} (or 0), but {rule} needs one; expected a {r} "
                              f"request and limit (Kubernetes rejects such a pod)")
            return False
        if limit * 1000 > lr.ratio[r] * request:
            if defaulted is None:
                what = f"resources.limits.{r}: {_fmt(r, limit)}"
            else:
                what = (f"resources.limits.{r}: not given, so the default limit {_fmt(r, limit)} that "
                        f"{defaulted.obj.label} sets,")
            self.problem(obj, f"{where}, {what} is {limit / request:.4g} times the request {_fmt(r, request)}, "
                              f"above {rule}; expected a limit at most {allowed} times the request (Kubernetes "
                              "rejects such a pod)")
            return False
        return True

    def default_request(self, obj: _Object, where: str, resource: str) -> _LimitRange | None:
        """Return the LimitRange of ``obj``'s namespace that gives a default request for ``resource`` (or None).

        Two LimitRanges that give different defaults are a problem: Kubernetes applies either.
        """
        namespace = obj.namespace or "default"
        given = [lr for lr in self.limit_ranges.get(namespace, []) if resource in lr.request]
        if not given:
            return None
        first = given[0]
        value = first.request[resource]
        other = next((lr for lr in given if lr.request[resource][0] != value[0]), None)
        if other is None:
            return first
        if (namespace, resource) not in self.conflicts:  # once per namespace and resource
            self.conflicts.add((namespace, resource))
            theirs = other.request[resource]
            self.problem(other.obj, f"default {resource} request {_fmt(resource, theirs[0])} ({theirs[1]}), but "
                                    f"{first.obj.label} ({first.obj.where}) gives {_fmt(resource, value[0])} "
                                    f"({value[1]}) in the same namespace, and Kubernetes applies either (which one is "
                                    f"not defined) to containers with no {resource} request or limit, such as "
                                    f"{obj.label}, {where}; expected one default per resource in a namespace: make "
                                    "the LimitRanges agree, or delete one")
        return None

    def read_limit_range(self, obj: _Object, seen: dict[tuple[str, str | None, str], _Object]) -> None:
        """Read a LimitRange's container defaults into ``self.limit_ranges`` (after recording problems, not)."""
        left = _placeholders(obj.body)
        if left:
            shown = ", ".join(f"{at} {quote_excerpt(value)}" for at, value in left[:3])
            self.problem(obj, f"template placeholders left in ({shown}{', ...' if len(left) > 3 else ''}); "
                              "expected rendered manifests: render a Helm chart's templates first (helm template ...)")
            return
        if not self.check_meta(obj):
            return
        key = (obj.kind, obj.namespace or "default", obj.name)
        if key in seen:
            self.problem(obj, f"appears twice (first in {seen[key].where}); expected each LimitRange once "
                              "(two overlays of the same app in one folder?)")
            return
        seen[key] = obj
        spec = obj.body.get("spec")
        if not isinstance(spec, dict):
            self.problem(obj, f"spec is {_show(spec)}; expected a mapping with limits")
            return
        items = spec.get("limits") or []
        if not isinstance(items, list):
            self.problem(obj, f"spec.limits is {_show(items)}; expected a list of limits (type, default, "
                              "defaultRequest, min, max)")
            return
        before = len(self.problems)
        request: dict[str, tuple[int, str]] = {}
        limit: dict[str, tuple[int, str]] = {}
        minimum: dict[str, int] = {}
        maximum: dict[str, int] = {}
        ratio: dict[str, int] = {}
        for index, item in enumerate(items):
            at = f"spec.limits[{index}]"
            if not isinstance(item, dict):
                self.problem(obj, f"{at} is {_show(item)}; expected a mapping with type and default, defaultRequest, "
                                  "min or max")
                continue
            if item.get("type") != "Container":  # Pod and PersistentVolumeClaim limits set no defaults
                continue
            values: dict[str, dict[str, int]] = {}
            for part in _DEFAULT_REQUEST_FROM:
                given = item.get(part) or {}
                if not isinstance(given, dict):
                    self.problem(obj, f"{at}.{part} is {_show(given)}; expected a mapping of cpu and memory")
                    continue
                values[part] = {}
                for r in _RESOURCES:
                    if r in given:
                        amount = self.quantity(obj, f"{at}.{part}.{r}", r, given[r])
                        if amount is not None:
                            values[part][r] = amount
            for r in _RESOURCES:  # the API server's defaulting; a later Container item replaces an earlier one
                high = next(((values[p][r], p) for p in _DEFAULT_LIMIT_FROM if r in values.get(p, {})), None)
                low = next(((values[p][r], p) for p in _DEFAULT_REQUEST_FROM if r in values.get(p, {})), None)
                if high is not None and low is not None and low[0] > high[0]:
                    self.problem(obj, f"{at}: default {r} request {_fmt(r, low[0])} ({low[1]}) is above the default "
                                      f"limit {_fmt(r, high[0])} ({high[1]}); expected a default request <= the "
                                      "default limit (Kubernetes refuses such a LimitRange)")
                if high is not None:
                    limit[r] = high
                if low is not None:
                    request[r] = (low[0], _REQUEST_SOURCE[low[1]])
                if r in values.get("min", {}):
                    minimum[r] = values["min"][r]
                if r in values.get("max", {}):
                    maximum[r] = values["max"][r]
                    if high is not None and high[0] > maximum[r]:
                        self.problem(obj, f"{at}: default {r} limit {_fmt(r, high[0])} is above the max "
                                          f"{_fmt(r, maximum[r])}; expected a default limit <= max (Kubernetes "
                                          "refuses such a LimitRange)")
                if r in minimum and low is not None and low[0] < minimum[r]:
                    self.problem(obj, f"{at}: default {r} request {_fmt(r, low[0])} ({low[1]}) is below the min "
                                      f"{_fmt(r, minimum[r])}; expected a default request >= min (Kubernetes "
                                      "refuses such a LimitRange)")
            given = item.get("maxLimitRequestRatio") or {}
            if not isinstance(given, dict):
                self.problem(obj, f"{at}.maxLimitRequestRatio is {_show(given)}; expected a mapping of cpu and memory")
                continue
            for r in _RESOURCES:
                if r not in given:
                    continue
                try:
                    thousandths = _millicores(given[r])  # a plain quantity: "2" is 2000 thousandths, "1500m" 1500
                except UnitError as err:
                    self.problem(obj, f"{at}.maxLimitRequestRatio.{r}: {err.found}; expected {err.expected}")
                    continue
                if thousandths < 1000:
                    self.problem(obj, f"{at}.maxLimitRequestRatio.{r}: {_ratio(thousandths)} is below 1; expected a "
                                      "ratio of at least 1 (Kubernetes refuses such a LimitRange)")
                    continue
                ratio[r] = thousandths
        if len(self.problems) == before:
            self.limit_ranges.setdefault(obj.namespace or "default", []).append(
                _LimitRange(obj, request, limit, minimum, maximum, ratio))

    def request_defaults(self) -> dict[int, tuple[str, ...]]:
        """Return, by id of the workload, which requests LimitRanges set: ("cpu from LimitRange ns/name", ...)."""
        found: dict[int, dict[str, None]] = {}
        for f in self.fills:
            found.setdefault(id(f.obj), {})[f"{f.resource} from {f.limit_range.obj.label}"] = None
        return {key: tuple(said) for key, said in found.items()}

    def limit_range_notes(self, names: dict[int, str]) -> list[str]:
        """Notes on the requests LimitRanges set (which, for how many containers) and the ones no container took."""
        ranges = [lr for group in self.limit_ranges.values() for lr in group]
        if not ranges:
            return []
        notes = []
        parts = []
        for lr in ranges:
            sets = []
            for r in _RESOURCES:
                fills = [f for f in self.fills if f.limit_range is lr and f.resource == r]
                if not fills:
                    continue
                amount, source = lr.request[r]
                owners = list(dict.fromkeys(
                    f"DaemonSet {names[id(f.obj)]}" if f.obj.kind == "DaemonSet" else names.get(id(f.obj), f.obj.name)
                    for f in fills))
                count = len(fills)
                sets.append(f"{r} {_fmt(r, amount)} ({source}) for {count} container{'s' if count > 1 else ''} "
                            f"of {', '.join(owners)}")
            if sets:
                parts.append(f"{lr.obj.label}: {'; '.join(sets)}")
        if parts:
            notes.append("requests set from LimitRange defaults, as Kubernetes' LimitRanger does for containers with "
                         f"neither a request nor a limit: {'; '.join(parts)}")
        unused = [lr.obj.label for lr in ranges if not any(f.limit_range is lr for f in self.fills)]
        if unused:
            notes.append("LimitRanges that set no request (no container of their namespace in the input lacks both "
                         f"a request and a limit for a resource they give a default for): {', '.join(unused)}")
        return notes

    def quantity(self, obj: _Object, where: str, resource: str, value: Any) -> int | None:
        try:
            return _millicores(value) if resource == "cpu" else _bytes(value)
        except UnitError as err:
            self.problem(obj, f"{where}: {err.found}; expected {err.expected}")
            return None

    def hpa(self, obj: _Object) -> _Hpa | None:
        spec = obj.body.get("spec")
        if not isinstance(spec, dict):
            self.problem(obj, f"spec is {_show(spec)}; expected a mapping with scaleTargetRef, minReplicas, maxReplicas")
            return None
        target = spec.get("scaleTargetRef")
        if not isinstance(target, dict) or not isinstance(target.get("kind"), str) \
                or not isinstance(target.get("name"), str):
            self.problem(obj, f"spec.scaleTargetRef is {_show(target)}; expected a mapping with kind and name")
            return None
        low = spec.get("minReplicas", 1)
        low = 1 if low is None else self.whole(obj, "spec.minReplicas", low, 0)
        high = self.whole(obj, "spec.maxReplicas", spec.get("maxReplicas"), 1)
        if low is None or high is None:
            return None
        if low > high:
            self.problem(obj, f"spec.minReplicas {low} is above spec.maxReplicas {high}; expected min <= max")
            return None
        return _Hpa(obj, target["kind"], target["name"], low, high)

    def apply_hpas(self, workloads: list[_Workload], hpas: list[_Hpa]) -> list[Callable[[dict[int, str]], str]]:
        """Set replicas from the HPAs; return their notes, to write once the workloads' names are known (by id)."""
        by_key = {(w.obj.kind, w.obj.namespace, w.obj.name): w for w in workloads}
        # No namespace in a manifest means the default one (kubectl applies it there): an HPA in
        # namespace default scales a workload written without one, and the other way round.
        loose: dict[tuple[str, str, str], list[_Workload]] = {}
        for w in workloads:
            loose.setdefault((w.obj.kind, w.obj.namespace or "default", w.obj.name), []).append(w)
        used: dict[tuple[str, str | None, str], _Hpa] = {}
        scaled: list[tuple[_Object, str]] = []  # (workload, what the HPA says)
        missing: list[_Hpa] = []
        for hpa in hpas:
            key = (hpa.kind, hpa.obj.namespace, hpa.name)
            if key in used:
                self.problem(hpa.obj, f"targets {hpa.kind} {hpa.name}, as {used[key].obj.label} does "
                                      f"({used[key].obj.where}); expected one HorizontalPodAutoscaler per workload")
                continue
            used[key] = hpa
            workload = by_key.get(key)
            if workload is None:
                alike = loose.get((hpa.kind, hpa.obj.namespace or "default", hpa.name), [])
                workload = alike[0] if len(alike) == 1 else None
            if workload is None:
                missing.append(hpa)
                continue
            if self.replicas == "spec":
                scaled.append((workload.obj, f"{hpa.min}-{hpa.max}, spec.replicas {workload.replicas}"))
                continue
            workload.replicas = hpa.min if self.replicas == "min" else hpa.max
            field_name = "minReplicas" if self.replicas == "min" else "maxReplicas"
            workload.replicas_from = f"HorizontalPodAutoscaler {hpa.obj.name} {field_name}"
            scaled.append((workload.obj, str(workload.replicas)))
        notes: list[Callable[[dict[int, str]], str]] = []
        if scaled:
            by = "minReplicas" if self.replicas == "min" else "maxReplicas"
            head = ("HorizontalPodAutoscalers not used, replicas from spec.replicas (plan with min or max replicas to "
                    "size by them)" if self.replicas == "spec" else f"replicas from HorizontalPodAutoscaler {by}")
            notes.append(lambda names: f"{head}: {', '.join(f'{names[id(obj)]} ({what})' for obj, what in scaled)}")
        if missing:
            shown = _qualified([hpa.obj for hpa in missing])
            notes.append(lambda _: "HorizontalPodAutoscalers whose target is not in the input: "
                                   + ", ".join(f"{shown[id(h.obj)]} -> {h.kind} "  # the target is in the HPA's namespace
                                               f"{h.obj.namespace + '/' if h.obj.namespace else ''}{h.name}"
                                               for h in missing))
        return notes

    def origin(self, where: _Where) -> str:
        """Where a workload was read, for messages: its file (relative to a folder input) and line."""
        file = where.file.relative_to(self.path) if self.path.is_dir() else where.file
        return f"{file} line {where.line}" if where.line else str(replace(where, file=file))

    def services(self, workloads: list[_Workload]) -> tuple[list[Service], list[str], dict[int, str]]:
        """Return the services, the notes on skipped workloads, and each workload's name by id of its object.

        A service's name is its own; a skipped workload's is ``namespace/name`` when its name is used in two
        namespaces.
        """
        kept: list[_Workload] = []
        unsized: list[_Workload] = []
        idle: list[_Workload] = []
        floored: list[tuple[_Workload, str]] = []
        for w in workloads:
            zero = [r for r in _RESOURCES if w.size.amount[r] == 0]
            if len(zero) == 2:
                unsized.append(w)
            elif w.replicas == 0:
                idle.append(w)
            else:
                if zero:  # the scheduler counts the missing request as 0; plan the smallest one
                    floored.append((w, zero[0]))
                kept.append(w)
        namespaces: dict[str, set[str | None]] = {}
        for w in kept:
            namespaces.setdefault(w.obj.name, set()).add(w.obj.namespace)
        names = [f"{w.obj.namespace}/{w.obj.name}" if len(namespaces[w.obj.name]) > 1 and w.obj.namespace
                 else w.obj.name for w in kept]
        clashes = Counter(names)
        names = [f"{n} ({w.obj.kind})" if clashes[n] > 1 else n for n, w in zip(names, kept)]
        defaulted = self.request_defaults()
        services = [
            Service(
                name=name,
                vcpu=parse_cpu(f"{w.size.amount['cpu'] or _FLOOR_MILLICORES}m"),
                memory_gib=_memory_gib(w.size.amount["memory"] or _FLOOR_BYTES),
                replicas=w.replicas,
                os=w.os,
                team=w.team,
                max_per_host=1,
                arch=w.arch,
                row=w.obj.where.line,
                origin=self.origin(w.obj.where),
                sized_from_limit=tuple(w.size.from_limit),
                request_defaults=defaulted.get(id(w.obj), ()),
            )
            for name, w in zip(names, kept)
        ]
        shown = _qualified([w.obj for w in workloads])
        shown.update({id(w.obj): name for name, w in zip(names, kept)})
        notes = []
        if floored:
            notes.append("planned at 1m CPU or 1Mi memory where a workload requests only the other (the scheduler "
                         f"counts a missing request as 0): "
                         f"{', '.join(f'{shown[id(w.obj)]} ({w.obj.kind}: no {r})' for w, r in floored)}")
        if unsized:
            listed = [f"{shown[id(w.obj)]} ({w.obj.kind})" for w in unsized]
            notes.append(f"skipped, no resource requests: {', '.join(listed)}")
        if idle:
            listed = [f"{shown[id(w.obj)]} ({w.obj.kind}{', ' + w.replicas_from if w.replicas_from else ''})"
                      for w in idle]
            notes.append(f"skipped, 0 replicas: {', '.join(listed)}")
        return services, notes, shown


# --- helpers ------------------------------------------------------------------


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _pod_spec(body: dict[str, Any]) -> dict[str, Any]:
    pod = _dig(body, "spec", "template", "spec")
    return pod if isinstance(pod, dict) else {}


def _pod_os(pod: dict[str, Any]) -> str | None:
    """Return the pod's own OS, ``spec.os.name``, when it is linux or windows."""
    name = _dig(pod, "os", "name")
    return name if name in ("linux", "windows") else None


# API groups of Kubernetes itself: their kinds are planned, skipped or ignored by name above.
_CORE_GROUPS = ("", "v1", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
                "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "scheduling.k8s.io",
                "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
                "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io")


def _runs_pods_through_an_operator(body: dict[str, Any]) -> bool:
    """Return True for a custom resource whose spec sizes pods (replicas with resources, or a pod
    template), such as kube-prometheus' Prometheus and Alertmanager: an operator turns it into pods."""
    api = body.get("apiVersion")
    if not isinstance(api, str) or "/" not in api or api.split("/")[0] in _CORE_GROUPS:
        return False
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return False
    return ("replicas" in spec and isinstance(spec.get("resources"), dict)) or isinstance(spec.get("template"), dict) \
        or isinstance(spec.get("podTemplate"), dict)


# A DaemonSet pinned to nodes no plan has (an architecture other than amd64 or arm64).
_NO_NODE = "none"


def _arch_pin(pod: dict[str, Any]) -> str | None:
    """Return the kubernetes.io/arch value the pod is pinned to, as written (None when not pinned)."""
    return _node_label(pod, ARCH_KEYS, tuple(_ARCH))


def _daemonset_nodes(pod: dict[str, Any]) -> str:
    """Return the nodes a DaemonSet runs on: "" (every node), "linux" or "windows", "linux/arm64",
    "any/x86_64", or ``_NO_NODE`` (an architecture no plan has)."""
    os_value = _node_label(pod, OS_KEYS, _OSES) or _pod_os(pod)
    os_part = os_value.lower() if os_value and os_value.lower() in _OSES else "any"
    arch_value = _arch_pin(pod)
    if arch_value is None:
        return "" if os_part == "any" else os_part
    arch = _ARCH.get(arch_value.lower())
    return _NO_NODE if arch is None else f"{os_part}/{arch}"


def _node_values(pod: dict[str, Any], keys: tuple[str, ...], domain: tuple[str, ...]) -> tuple[set[str], str | None]:
    """Return the values of node label ``keys`` (one label: its current and beta names) that the
    pod's nodeSelector and required node affinity allow, out of ``domain``; and a nodeSelector
    value outside ``domain`` (for the caller to refuse), if any.

    The nodeSelector and the affinity must both hold; the affinity's terms are ORed and each
    term's expressions ANDed (In, NotIn, Exists, DoesNotExist), as the scheduler reads them.
    """
    allowed = set(domain)
    selector = pod.get("nodeSelector")
    if isinstance(selector, dict):
        for key in keys:
            if selector.get(key) is not None:
                value = str(selector[key])
                if value.lower() not in domain:
                    return allowed, value
                allowed &= {value.lower()}
    terms = _dig(pod, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                 "nodeSelectorTerms")
    if isinstance(terms, list) and terms:
        union: set[str] = set()
        for term in terms:
            term_allowed = set(domain)
            expressions = term.get("matchExpressions") if isinstance(term, dict) else None
            for expr in expressions if isinstance(expressions, list) else []:
                if not isinstance(expr, dict) or expr.get("key") not in keys:
                    continue
                listed = expr.get("values")
                values = {str(v).lower() for v in listed} if isinstance(listed, list) else set()
                operator = expr.get("operator")
                if operator == "In":
                    term_allowed &= values
                elif operator == "NotIn":
                    term_allowed -= values
                elif operator == "DoesNotExist":  # every node has the label
                    term_allowed = set()
            union |= term_allowed
        allowed &= union
    return allowed, None


def _node_label(pod: dict[str, Any], keys: tuple[str, ...], domain: tuple[str, ...]) -> str | None:
    """Return the one value the pod pins node label ``keys`` to (or a nodeSelector value outside
    ``domain``, for the caller to refuse); None when it allows more than one, or none."""
    return _pinned(*_node_values(pod, keys, domain))


def _pinned(allowed: set[str], unknown: str | None) -> str | None:
    """The one allowed value (or the unknown nodeSelector value), else None."""
    if unknown is not None:
        return unknown
    return next(iter(allowed)) if len(allowed) == 1 else None


def _unlisted_beside(kustomization: Path, listed: list[object]) -> list[str]:
    """Return the manifest files in ``kustomization``'s folder that its resources do not list (sorted names)."""
    named = {posixpath.normpath(r) for r in listed if isinstance(r, str)}
    folder = kustomization.parent
    try:
        beside = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES
                        and p.name not in KUSTOMIZE_FILES)
    except OSError:
        return []
    return [name for name in beside if name not in named]


def _placeholders(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (field, value) of the ``{{ }}`` template placeholders left in the fields a plan reads.

    Only fields where braces are never valid Kubernetes (names, labels, node selectors, images,
    quantities, replica counts), so a rendered ``{{`` elsewhere (an alert template in an
    annotation, a command's --format) is not mistaken for one.
    """
    found: list[tuple[str, str]] = []

    def look(at: str, value: Any) -> None:
        if isinstance(value, str) and "{{" in value:
            found.append((at, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                look(f"{at}.{key}", item)
                if isinstance(key, str) and "{{" in key:
                    found.append((f"{at} key", key))

    for part in ("name", "namespace", "labels"):
        look(f"metadata.{part}", _dig(body, "metadata", part))
    spec = body.get("spec")
    look("spec.replicas", _dig(body, "spec", "replicas"))
    for part in ("minReplicas", "maxReplicas", "scaleTargetRef"):
        look(f"spec.{part}", _dig(body, "spec", part))
    limits = _dig(body, "spec", "limits")  # a LimitRange's
    for index, item in enumerate(limits if isinstance(limits, list) else []):
        look(f"spec.limits[{index}]", item)
    for prefix, template in (("spec.template", _dig(spec, "template")),
                             ("spec.jobTemplate.spec.template", _dig(spec, "jobTemplate", "spec", "template"))):
        look(f"{prefix}.metadata.labels", _dig(template, "metadata", "labels"))
        pod = _dig(template, "spec")
        if not isinstance(pod, dict):
            continue
        look(f"{prefix}.spec.nodeSelector", pod.get("nodeSelector"))
        look(f"{prefix}.spec.overhead", pod.get("overhead"))
        for group in ("containers", "initContainers"):
            containers = pod.get(group)
            for index, container in enumerate(containers if isinstance(containers, list) else []):
                if isinstance(container, dict):
                    look(f"{prefix}.spec.{group}[{index}].image", container.get("image"))
                    look(f"{prefix}.spec.{group}[{index}].resources", container.get("resources"))
    return found


def _qualified(objects: list[_Object]) -> dict[int, str]:
    """Return each object's name for a note (by id), ``namespace/name`` when its name is used in two namespaces."""
    namespaces: dict[str, set[str | None]] = {}
    for obj in objects:
        namespaces.setdefault(obj.name, set()).add(obj.namespace)
    return {id(obj): f"{obj.namespace}/{obj.name}" if len(namespaces[obj.name]) > 1 and obj.namespace else obj.name
            for obj in objects}


def _controlled(body: dict[str, Any]) -> bool:
    owners = _dig(body, "metadata", "ownerReferences")
    return isinstance(owners, list) and any(isinstance(o, dict) and o.get("controller") for o in owners)


def _other_resources(containers: list[Any], overhead: Any) -> list[str]:
    """Return the resources other than cpu and memory that containers request or limit (or the pod overhead adds)."""
    found: set[str] = set()
    for container in containers:
        resources = container.get("resources") if isinstance(container, dict) else None
        for part in ("requests", "limits"):
            values = resources.get(part) if isinstance(resources, dict) else None
            if isinstance(values, dict):
                found.update(str(k) for k in values if k not in _RESOURCES)
    if isinstance(overhead, dict):
        found.update(str(k) for k in overhead if k not in _RESOURCES)
    return sorted(found)


def _container_name(container: Any, index: int) -> str:
    name = container.get("name") if isinstance(container, dict) else None
    return name if isinstance(name, str) and name else f"#{index + 1}"


def _item_nodes(node: Any) -> list[Any] | None:
    """Return the YAML nodes of a List's items (for line numbers), or None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return None


def _value_error(err: ValueError) -> str:
    """Return a ValueError from a YAML or JSON parser in a few words."""
    text = str(err)
    if "integer string conversion" in text:
        return "a whole number of more than 4300 digits"
    return _clip(text, 80)


def _clip(text: str, size: int = 40) -> str:
    """Return ``text`` cut to ``size`` characters (with ...) for a message."""
    return text if len(text) <= size else f"{text[: size - 3]}..."


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
