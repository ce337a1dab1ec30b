"""Read a price catalogue YAML file into a validated ``Catalogue``.

Every problem is reported at once, one line each, naming the file, the line and the
key: ``pricing/x.yaml, line 42, instance_types[3].vcpu: got -2; expected a number > 0``.

Steps: read the bytes (missing, directory, binary and non-UTF-8 files are errors),
compose the YAML node tree with ``yaml.SafeLoader`` (tags such as ``!!python/object``
are refused before anything is constructed), map every YAML path to its line,
validate with pydantic and translate its errors, then check cross-references the
models cannot see on their own (sources, licence names and roles, host names,
OS names, dates). Also here: ``price_as_of`` and ``price_is_unverified`` for reports.

Nothing here computes money; see ``planner.pricing``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner.catalogue.schema import Catalogue, Figure, Price
from planner.errors import InputError

YamlPath = tuple[str | int, ...]
_LineMap = dict[tuple[str, ...], int]

_SAFE_TAGS = frozenset(tag for tag in yaml.SafeLoader.yaml_constructors if tag is not None)
_OS_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
_MAX_SHOWN = 60


# --------------------------------------------------------------------------- public API


def load_catalogue(path: Path, *, today: dt.date | None = None) -> Catalogue:
    """Load, validate and cross-check the catalogue at ``path``; raise InputError listing every problem."""
    path = Path(path)
    text = _read_text(path)
    data, lines = _parse_yaml(text, path)
    try:
        catalogue = Catalogue.model_validate(data)
    except ValidationError as err:
        errors = _drop_implied_missing(err.errors())
        found = [(_error_loc(e), _describe(e)) for e in errors]
        raise _input_error(path, _located(path, lines, found)) from None
    found = check_catalogue(catalogue, today=today)
    if found:
        raise _input_error(path, _located(path, lines, found))
    return catalogue


def price_as_of(catalogue: Catalogue, price: Price | Figure) -> dt.date:
    """Return the date a price or figure holds for: its own ``as_of``, else its source's."""
    if price.as_of is not None:
        return price.as_of
    return catalogue.sources[price.source].as_of


def price_is_unverified(catalogue: Catalogue, price: Price | Figure) -> bool:
    """Return True when the price (or figure) or its source is marked ``unverified``."""
    source = catalogue.sources.get(price.source)
    return price.unverified or (source is not None and source.unverified)


def sourced_figures(catalogue: Catalogue) -> list[tuple[str, Price | Figure]]:
    """Return every Price and Figure in the catalogue with its YAML path, e.g. ``licences[2].price``."""
    return [
        (format_path(loc), obj) for loc, obj in _walk_model(catalogue, ()) if isinstance(obj, Price | Figure)
    ]


def format_path(loc: YamlPath) -> str:
    """Return a YAML path as ``instance_types[3].price.amount``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a price catalogue YAML file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; expected a price catalogue YAML file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the file (permission denied)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the file ({err.strerror or err})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: UTF-16 text; save the file as UTF-8")
    if b"\x00" in raw:
        raise InputError(f"{path}: looks like a binary file (it holds NUL bytes); expected YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file as UTF-8"
        ) from None


def _parse_yaml(text: str, path: Path) -> tuple[Any, _LineMap]:
    """Compose safely, refuse unknown tags, map paths to lines, then construct plain data."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as err:
            raise InputError(_yaml_syntax_message(path, err)) from None
        except yaml.reader.ReaderError as err:
            line = text[: err.position].count("\n") + 1
            raise InputError(
                f"{path}, line {line}: character {ord(err.character)!r} (U+{ord(err.character):04X}) "
                "is not allowed in YAML"
            ) from None
        except yaml.YAMLError as err:  # pragma: no cover - every PyYAML error above has a mark or position
            raise InputError(f"{path}: not valid YAML ({err})") from None
        if root is None:
            raise InputError(
                f"{path}: the file is empty; expected a price catalogue "
                "(a mapping with name, currency, as_of, sources, ...)"
            )
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else f"a single value {root.value!r:.40}"
            raise InputError(
                f"{path}, line {root.start_mark.line + 1}: the top level must be a mapping of keys "
                f"(name: ..., currency: ..., sources: ...); got {kind}"
            )
        problems: list[str] = []
        lines: _LineMap = {(): root.start_mark.line + 1}
        _scan(root, (), lines, problems, path, set())
        if problems:
            raise _input_error(path, problems)
        try:
            data = loader.construct_document(root)
        except yaml.MarkedYAMLError as err:
            raise InputError(_yaml_syntax_message(path, err)) from None
        return data, lines
    finally:
        loader.dispose()


def _yaml_syntax_message(path: Path, err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = err.problem or "not valid YAML"
    context = f" ({err.context})" if err.context else ""
    return f"{path}{where}: YAML syntax error: {problem}{context}"


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _scan(
    node: yaml.Node,
    loc: tuple[str, ...],
    lines: _LineMap,
    problems: list[str],
    path: Path,
    active: set[int],
) -> None:
    """Record the line of every key and list item; refuse unsafe tags and duplicate keys."""
    line = node.start_mark.line + 1
    if node.tag not in _SAFE_TAGS:
        where = format_path(_as_loc(loc)) or "top level"
        problems.append(
            f"{path}, line {line}, {where}: tag '{_short_tag(node.tag)}' is not allowed "
            "(a catalogue holds plain YAML data only; nothing is executed)"
        )
        return
    if id(node) in active:  # a recursive alias: stop, construction will report it
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _scan(value_node, loc, {}, problems, path, active)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{path}, line {key_node.start_mark.line + 1}: a key must be a plain name")
                continue
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            key_loc = (*loc, key)
            if key in first_seen:
                problems.append(
                    f"{path}, line {key_line}, {format_path(_as_loc(key_loc))}: "
                    f"duplicate key '{key}' (first given at line {first_seen[key]})"
                )
            else:
                first_seen[key] = key_line
                lines.setdefault(key_loc, key_line)
            _scan(value_node, key_loc, lines, problems, path, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_loc = (*loc, str(index))
            lines.setdefault(item_loc, item.start_mark.line + 1)
            _scan(item, item_loc, lines, problems, path, active)
    active.discard(id(node))


def _as_loc(loc: tuple[str, ...]) -> YamlPath:
    """Turn scanned path parts back into keys and indices for display (digits = list index)."""
    return tuple(int(p) if p.isdigit() else p for p in loc)


# --------------------------------------------------------------------------- pydantic errors


def _input_error(path: Path, problems: list[str]) -> InputError:
    if len(problems) == 1:
        return InputError(problems)
    return InputError(problems, header=f"{path}: {len(problems)} problems in the price catalogue")


def _line_of(lines: _LineMap, loc: YamlPath) -> int | None:
    parts = tuple(str(p) for p in loc)
    while parts not in lines and parts:
        parts = parts[:-1]
    return lines.get(parts)


def _located(path: Path, lines: _LineMap, found: list[tuple[YamlPath, str]]) -> list[str]:
    """Return one line per problem, ordered by line number in the file."""
    rows = []
    for loc, message in found:
        if "[key]" in loc:  # a bad dict key: show the key itself, never as a list index
            loc = tuple(str(p) for p in loc if p != "[key]")
        line = _line_of(lines, loc)
        where = f", line {line}" if line is not None else ""
        key = format_path(loc)
        rows.append((line or 0, f"{path}{where}, {key}: {message}" if key else f"{path}{where}: {message}"))
    return [text for _, text in sorted(rows, key=lambda row: row[0])]


def _error_loc(error: Any) -> YamlPath:
    """Return where to point for a pydantic error: a missing key points at its parent mapping."""
    loc = tuple(error["loc"])
    return loc[:-1] if error["type"] == "missing" else loc


def _drop_implied_missing(errors: list[Any]) -> list[Any]:
    """Drop "missing key 'x'" when an unknown key beside it is a misspelling of 'x' (one problem, not two)."""
    suggested = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            loc = tuple(e["loc"])
            close = difflib.get_close_matches(str(loc[-1]), _valid_keys(loc[:-1]), n=1, cutoff=0.6)
            if close:
                suggested.add((*loc[:-1], close[0]))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in suggested)]


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "..."
        return f"'{text}'"
    return str(value)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _describe(error: Any) -> str:
    """Translate one pydantic error into 'got X; expected Y' wording."""
    kind = error["type"]
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    got = _show(error.get("input"))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        valid = _valid_keys(loc[:-1])
        hint = _suggest(key, valid)
        if not hint and valid:
            hint = "; valid keys here: " + ", ".join(valid)
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"missing key '{loc[-1]}'"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if loc and loc[-1] == "[key]" and kind == "string_type":
        return f"key {got}: expected a name (text)"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _suggest(str(error.get("input")), options) if isinstance(error.get("input"), str) else ""
        return f"got {got}; expected one of {ctx.get('expected')}{hint}"
    expected = _expected(kind, loc, ctx)
    return f"got {got}; expected {expected}" if expected else f"got {got}; {error['msg'].lower()}"


def _expected(kind: str, loc: tuple[Any, ...], ctx: dict[str, Any]) -> str | None:
    bounds = {
        "greater_than": ">",
        "greater_than_equal": ">=",
        "less_than": "<",
        "less_than_equal": "<=",
    }
    if kind in bounds and loc and loc[-1] == "baseline_cpu_percent":
        return "a percentage of each vCPU above 0 and at most 100 (e.g. 20 for t3.medium)"
    if kind in bounds:
        key = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}[kind]
        return f"a number {bounds[kind]} {_number(ctx[key])}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return "a whole number"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return "a number"
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind == "string_type":
        return "text"
    if kind == "string_too_short":
        return "non-empty text" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    if kind == "string_pattern_mismatch":
        if loc and loc[-1] == "currency":
            return "a three-letter currency code in capitals, e.g. USD"
        return f"text matching {ctx.get('pattern')}"
    if kind.startswith("date_"):
        return "a date written YYYY-MM-DD, e.g. 2026-07-20"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys and values"
    if kind in ("list_type", "tuple_type"):
        return "a list"
    return None


def _unwrap(annotation: Any) -> Any:
    """Drop ``None`` from ``X | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _model_class(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the model class that validates the mapping at ``loc`` (walks fields, lists, dicts, aliases)."""
    annotation: Any = Catalogue
    for part in loc:
        annotation = _unwrap(annotation)
        model = _model_class(annotation)
        if model is not None:
            for name, field in model.model_fields.items():
                if part in (name, field.alias):
                    annotation = field.annotation
                    break
            else:
                return None
            continue
        origin = typing.get_origin(annotation)
        if origin is list:
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    return _model_class(annotation)


def _valid_keys(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


# --------------------------------------------------------------------------- cross-references


def _walk_model(obj: Any, loc: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
    yield loc, obj
    if isinstance(obj, BaseModel):
        for name, field in type(obj).model_fields.items():
            yield from _walk_model(getattr(obj, name), (*loc, field.alias or name))
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            yield from _walk_model(item, (*loc, index))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk_model(item, (*loc, key))


# Where strategies name licences, and the role each place needs.
_STRATEGY_LICENCE_SLOTS: list[tuple[str, str, str]] = [
    ("vm-per-service", "hypervisor", "hypervisor"),
    ("vm-per-service", "guest_os", "guest_os"),
    ("vm-per-service", "fees", "fee"),
    ("container-density", "host_os", "host_os"),
    ("container-density", "container_platform", "container_platform"),
    ("container-density", "fees", "fee"),
]


def check_catalogue(catalogue: Catalogue, *, today: dt.date | None = None) -> list[tuple[YamlPath, str]]:
    """Return every cross-reference problem of a model-valid catalogue as (YAML path, message)."""
    today = today or dt.date.today()
    found: list[tuple[YamlPath, str]] = []
    found += _check_kind(catalogue)
    found += _check_names(catalogue)
    found += _check_prices(catalogue, today)
    found += _check_strategies(catalogue)
    found += _check_licences(catalogue)
    found += _check_os_names(catalogue)
    found += _check_commitments(catalogue)
    return found


def _check_commitments(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Every commitment name must be a name (or, for instances, a family such as ``m7i``) of its kind."""
    found: list[tuple[YamlPath, str]] = []
    kinds: dict[str, list[str]] = {
        "instances": [t.name for t in catalogue.instance_types]
        + sorted({t.name.split(".")[0] for t in catalogue.instance_types}),
        "hardware": [h.name for h in catalogue.host_models],
        "licences": [lic.name for lic in catalogue.licences],
    }
    for term, commitments in (getattr(catalogue, "commitments", None) or {}).items():
        for index, commitment in enumerate(commitments):
            known = kinds.get(commitment.applies_to, [])
            for j, name in enumerate(commitment.names or []):
                if name not in known:
                    found.append(
                        (
                            ("commitments", term, index, "names", j),
                            f"unknown {commitment.applies_to} name '{name}'{_suggest(name, known)}",
                        )
                    )
    return found


def _check_kind(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    if catalogue.instance_types and catalogue.host_models:
        found.append(
            (("host_models",), "give instance_types (a cloud catalogue) or host_models (on-prem), not both")
        )
    elif not catalogue.instance_types and not catalogue.host_models:
        found.append(((), "no hosts: give instance_types (a cloud catalogue) or host_models (on-prem)"))
    if catalogue.host_models and catalogue.facility is None:
        found.append(
            (
                ("host_models",),
                "host_models need a facility section (electricity_per_kwh with pue, or colocation_per_kw)",
            )
        )
    if catalogue.instance_types and catalogue.facility is not None:
        found.append(
            (("facility",), "facility is for on-prem host_models; cloud instance prices include power and space")
        )
    if catalogue.host_models and catalogue.os_pricing:
        found.append(
            (("os_pricing",), "os_pricing is for cloud instance types (licence-included OS); on-prem OSes are licences")
        )
    return found


def _check_names(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    first: dict[str, YamlPath] = {}
    groups: list[tuple[str, list[Any]]] = [
        ("instance_types", list(catalogue.instance_types)),
        ("host_models", list(catalogue.host_models)),
        ("licences", list(catalogue.licences)),
    ]
    for group, items in groups:
        for index, item in enumerate(items):
            loc: YamlPath = (group, index, "name")
            if item.name in first:
                found.append((loc, f"duplicate name '{item.name}' (already used at {format_path(first[item.name])})"))
            else:
                first[item.name] = loc
    return found


def _check_prices(catalogue: Catalogue, today: dt.date) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    source_keys = list(catalogue.sources)
    if catalogue.as_of > today:
        found.append((("as_of",), f"date {catalogue.as_of} is in the future (today is {today})"))
    for key, source in catalogue.sources.items():
        if source.as_of > today:
            found.append((("sources", key, "as_of"), f"date {source.as_of} is in the future (today is {today})"))
    for loc, obj in _walk_model(catalogue, ()):
        if not isinstance(obj, Price | Figure):
            continue
        if obj.source not in catalogue.sources:
            hint = _suggest(obj.source, source_keys) or (
                f"; known sources: {', '.join(source_keys)}" if source_keys else "; the sources section is empty"
            )
            found.append(((*loc, "source"), f"unknown source '{obj.source}'{hint}"))
            continue
        if obj.as_of is not None and obj.as_of > today:
            found.append(((*loc, "as_of"), f"date {obj.as_of} is in the future (today is {today})"))
        effective = price_as_of(catalogue, obj)
        if isinstance(obj, Price) and effective > catalogue.as_of:
            found.append(
                (
                    loc,
                    f"dated {effective}, after the catalogue's as_of {catalogue.as_of}; "
                    "set as_of to the newest price date",
                )
            )
        if isinstance(obj, Price):
            found += _check_period(loc, obj)
    return found


def _check_period(loc: YamlPath, price: Price) -> list[tuple[YamlPath, str]]:
    """``once`` only where the schema amortises (host purchase, perpetual licence); ``kwh`` only for electricity."""
    parent = loc[-1] if loc else None
    if price.per == "once":
        amortised = (len(loc) == 3 and loc[0] == "host_models" and parent == "purchase") or (
            len(loc) == 3 and loc[0] == "licences" and parent == "price"
        )
        if not amortised:
            return [
                (
                    (*loc, "per"),
                    "got 'once'; a one-off price is only for host_models[].purchase and perpetual licences; "
                    "expected hour, month or year",
                )
            ]
    if price.per == "kwh" and loc != ("facility", "electricity_per_kwh"):
        return [((*loc, "per"), "got 'kwh'; per: kwh is only for facility.electricity_per_kwh")]
    return []


def _check_strategies(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    licences = {licence.name: licence for licence in catalogue.licences}
    host_names = [t.name for t in catalogue.instance_types] + [h.name for h in catalogue.host_models]
    strategies = {
        "vm-per-service": catalogue.strategies.vm_per_service,
        "container-density": catalogue.strategies.container_density,
    }
    for strategy_key, strategy in strategies.items():
        for index, host in enumerate(strategy.hosts or []):
            if host not in host_names:
                found.append(
                    (("strategies", strategy_key, "hosts", index), f"unknown host '{host}'{_suggest(host, host_names)}")
                )
    for strategy_key, field, role in _STRATEGY_LICENCE_SLOTS:
        value = getattr(strategies[strategy_key], field)
        base: YamlPath = ("strategies", strategy_key, field)
        named: list[tuple[YamlPath, str]] = []
        if isinstance(value, dict):
            for os_name, names in value.items():
                named += [((*base, os_name, i), name) for i, name in enumerate(names)]
        else:
            named += [((*base, i), name) for i, name in enumerate(value)]
        for loc, name in named:
            licence = licences.get(name)
            if licence is None:
                found.append((loc, f"unknown licence '{name}'{_suggest(name, list(licences))}"))
            elif licence.role != role:
                found.append(
                    (
                        loc,
                        f"licence '{name}' has role {licence.role}; "
                        f"{format_path(base)} needs a licence with role {role}",
                    )
                )
            elif isinstance(value, dict) and licence.os and loc[3] not in licence.os:
                found.append(
                    (loc, f"licence '{name}' serves {', '.join(licence.os)}, not '{loc[3]}' (see its os list)")
                )
    return found


def _check_licences(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    for index, licence in enumerate(catalogue.licences):
        loc: YamlPath = ("licences", index, "unit")
        if licence.role == "fee" and licence.unit in ("vm", "vcpu"):
            found.append((loc, f"got '{licence.unit}'; a fee is charged per cluster or per host: expected unit: "
                               "cluster, host, socket, socket_pair or physical_core"))
        if licence.role != "fee" and licence.unit == "cluster":
            found.append(
                (loc, f"unit 'cluster' is only for fees (role: fee); role {licence.role} is counted per host or VM")
            )
    return found


def _check_os_names(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    keyed: list[tuple[YamlPath, list[str]]] = [
        (("os_pricing",), list(catalogue.os_pricing)),
        (("overheads", "vm", "guest_os"), list(catalogue.overheads.vm.guest_os)),
        (("overheads", "container", "node_os"), list(catalogue.overheads.container.node_os)),
        (("strategies", "vm-per-service", "guest_os"), list(catalogue.strategies.vm_per_service.guest_os)),
        (("strategies", "container-density", "host_os"), list(catalogue.strategies.container_density.host_os)),
    ]
    keyed += [(("instance_types", i, "os_prices"), list(t.os_prices)) for i, t in enumerate(catalogue.instance_types)]
    for base, names in keyed:
        for name in names:
            if not _OS_NAME.match(name):
                found.append(((*base, name), _os_name_message(name)))
    for index, licence in enumerate(catalogue.licences):
        for j, name in enumerate(licence.os):
            if not _OS_NAME.match(name):
                found.append((("licences", index, "os", j), _os_name_message(name)))
    return found


def _os_name_message(name: str) -> str:
    suggestion = re.sub(r"[^a-z0-9._-]+", "-", name.strip().lower()).strip("-") or "linux"
    return (
        f"OS name '{name}' must be a lower-case name such as 'linux', 'windows' or 'rhel'; "
        f"did you mean '{suggestion}'?"
    )


__all__ = [
    "check_catalogue",
    "format_path",
    "load_catalogue",
    "price_as_of",
    "price_is_unverified",
    "sourced_figures",
]
