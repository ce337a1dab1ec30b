"""Read a price catalogue YAML file into a validated ``Catalogue``.

Every problem is reported at once, one line each, naming the file, the line and the
key: ``pricing/x.yaml, line 42, instance_types[3].vcpu: got -2; expected a number > 0``.

Steps: read the bytes (missing, directory, binary and non-UTF-8 files are errors),
compose the YAML node tree with ``yaml.SafeLoader`` (tags such as ``!!python/object``
are refused before anything is constructed; YAML 1.1 base-60 numbers such as ``1:30``
stay text; aliases may not expand to more than ``MAX_ALIAS_NODES`` nodes, so an
"alias bomb" is refused before it is expanded), map every YAML path to its line,
validate with pydantic and translate its errors, then check cross-references the
models cannot see on their own (sources, licence names and roles, host names,
OS names, dates). Also here: ``price_as_of`` and ``price_is_unverified`` for reports.

Nothing here computes money; see ``planner.pricing``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
import types
import typing
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from planner.catalogue.schema import MAX_AMOUNT, Catalogue, Figure, Licence, Price, instance_family
from planner.errors import InputError
from planner.units import quote_excerpt

YamlPath = tuple[str | int, ...]
_LineMap = dict[tuple[str, ...], int]

_SAFE_TAGS = frozenset(tag for tag in yaml.SafeLoader.yaml_constructors if tag is not None)

# Nodes an alias may add by repeating an anchored value (each repeat counts every node under
# it). Real catalogues repeat a few small mappings; nested aliases can expand exponentially.
MAX_ALIAS_NODES = 100_000


class _CatalogueLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 base-60, octal, hex or binary integers.

    ``1:30`` stays the text '1:30', never 90; ``010`` is read as the decimal 10 a price
    sheet means, never octal 8; ``0x10`` and ``0b11`` are text, refused where a number is due.
    """


class _CatalogueFastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules over libyaml's parser, when PyYAML has it (a 1.3 MB catalogue: 13 s -> 1.4 s).

    Only for files that parse: on a syntax error the file is read again with
    ``_CatalogueLoader``, whose messages name the character and place exactly.
    """


_NO_SEXAGESIMAL = {
    "tag:yaml.org,2002:int": re.compile(
        r"""^(?:[-+]?(?:0|[1-9][0-9_]*))$""",
        re.X,
    ),
    "tag:yaml.org,2002:float": re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
}


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    """An integer, or its text when it has more digits than Python converts (a ValueError traceback otherwise):
    the model then refuses it as too large, showing what was written."""
    if len(node.value.replace("_", "").lstrip("+-0")) > sys.get_int_max_str_digits() > 0:
        return str(node.value)
    return int(loader.construct_yaml_int(node))


for _loader in (_CatalogueLoader, _CatalogueFastLoader):
    _loader.yaml_implicit_resolvers = {
        first: [(tag, _NO_SEXAGESIMAL.get(tag, regexp)) for tag, regexp in resolvers]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _AliasBudget:
    """Counts the nodes reached again through aliases while scanning (see ``MAX_ALIAS_NODES``)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.repeated = 0


class _AliasBomb(Exception):
    """Aliases expand to more than MAX_ALIAS_NODES nodes: scanning stops at once."""


_OS_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
# A catalogue lists at most a few thousand instance types or models (AWS has about 1,000): far below this.
MAX_FILE_BYTES = 64 * 2**20
# Names shown in reports: at most as long as a fleet's service names (Kubernetes object names).
MAX_NAME_LENGTH = 253
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
        with path.open("rb") as handle:  # bounded: /dev/zero must not fill memory
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; expected a price catalogue YAML file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the file (permission denied)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the file ({err.strerror or err})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; expected a price catalogue YAML file "
                         f"of at most {MAX_FILE_BYTES // 2**20} MiB")
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
    try:
        loader: yaml.SafeLoader = _CatalogueFastLoader(text)
        root = loader.get_single_node()
    except yaml.YAMLError:  # read again by the pure-Python parser, for its exact message
        loader, root = _compose_or_explain(text, path)
    try:
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
        try:
            _scan(root, (), lines, problems, path, set(), _AliasBudget())
        except _AliasBomb as bomb:
            raise InputError(str(bomb)) from None
        if problems:
            raise _input_error(path, problems)
        try:
            data = loader.construct_document(root)
        except yaml.MarkedYAMLError as err:
            raise InputError(_yaml_syntax_message(path, err)) from None
        return data, lines
    finally:
        loader.dispose()


def _compose_or_explain(text: str, path: Path) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """Return the pure-Python loader and the document's node tree, or raise InputError saying
    where and why the text is not YAML (a control character is refused as the loader starts)."""
    try:
        loader = _CatalogueLoader(text)
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise InputError(_yaml_syntax_message(path, err)) from None
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        raise InputError(
            f"{path}, line {line}: character U+{code:04X} ({_character_name(code)}) is not allowed in YAML; "
            "expected printable text"
        ) from None
    except yaml.YAMLError as err:  # pragma: no cover - every PyYAML error above has a mark or position
        raise InputError(f"{path}: not valid YAML ({err})") from None


def _character_name(code: int) -> str:
    return unicodedata.name(chr(code), "a control character")


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
    budget: _AliasBudget,
) -> None:
    """Record the line of every key and list item; refuse unsafe tags, duplicate keys and alias bombs."""
    line = node.start_mark.line + 1
    if id(node) in budget.seen:  # reached again through an alias
        budget.repeated += 1
        if budget.repeated > MAX_ALIAS_NODES:
            where = format_path(_as_loc(loc)) or "top level"
            raise _AliasBomb(
                f"{path}, line {line}, {where}: YAML aliases (*name) repeat anchored values into more than "
                f"{MAX_ALIAS_NODES:,} nodes; expected at most {MAX_ALIAS_NODES:,} (write the values out, "
                "or refer to large anchors less often)"
            )
    else:
        budget.seen.add(id(node))
    if node.tag not in _SAFE_TAGS:
        where = format_path(_as_loc(loc)) or "top level"
        problems.append(
            f"{path}, line {line}, {where}: tag '{_short_tag(node.tag)}' is not allowed "
            "(a catalogue holds plain YAML data only; nothing is executed)"
        )
        return
    if id(node) in active:  # a recursive alias: stop, construction will report it
        return
    if node.tag == "tag:yaml.org,2002:timestamp":
        try:
            yaml.SafeLoader.construct_yaml_timestamp(yaml.SafeLoader(""), node)
        except ValueError as err:  # e.g. 2026-13-01 or 2026-02-29
            where = format_path(_as_loc(loc)) or "top level"
            problems.append(f"{path}, line {line}, {where}: got '{node.value}', which is not a date ({err}); "
                            "expected a real calendar date YYYY-MM-DD")
            return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _scan(value_node, loc, {}, problems, path, active, budget)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{path}, line {key_node.start_mark.line + 1}: a key must be a plain name")
                continue
            if key_node.tag != "tag:yaml.org,2002:str":  # null:, no:, 1: are read as null, false, 1
                where = format_path(_as_loc(loc)) or "top level"
                problems.append(f"{path}, line {key_node.start_mark.line + 1}, {where}: key {key_node.value!r} is "
                                f"read as {_short_tag(key_node.tag)[2:]}, not a name; expected a name (quote it: "
                                f"'{key_node.value}')")
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
            _scan(value_node, key_loc, lines, problems, path, active, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_loc = (*loc, str(index))
            lines.setdefault(item_loc, item.start_mark.line + 1)
            _scan(item, item_loc, lines, problems, path, active, budget)
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
    if isinstance(value, int) and len(str(value)) > _MAX_SHOWN:
        return f"{str(value)[: _MAX_SHOWN - 3]}... ({len(str(value)):,} digits)"
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
    if kind == "too_short" and isinstance(error.get("input"), list) and not error["input"]:
        return f"got an empty list; expected {_non_empty(loc)}"
    expected = _expected(kind, loc, ctx)
    return f"got {got}; expected {expected}" if expected else f"got {got}; {error['msg'].lower()}"


_BOUNDS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
_NUMBER_KINDS = frozenset(
    {*_BOUNDS, "int_type", "int_parsing", "int_from_float", "int_parsing_size", "float_type", "float_parsing",
     "finite_number"}
)


def _expected(kind: str, loc: tuple[Any, ...], ctx: dict[str, Any]) -> str | None:
    if kind in _BOUNDS and loc and loc[-1] == "baseline_cpu_percent":
        return "a percentage of each vCPU above 0 and at most 100 (e.g. 20 for t3.medium)"
    if kind in _NUMBER_KINDS:
        field = _field_at(loc)
        whole = kind.startswith("int") or (field is not None and _unwrap(field.annotation) is int)
        number = "a whole number" if whole else "a number"
        if kind == "finite_number":
            number = "a finite number"
        rule = _figure_rule(loc)
        if rule is not None:  # PUE, discount or support percentage: a tighter range than the schema's
            return f"{number} {rule.expected}"
        allowed = _range(field) if field is not None else ""
        if field is Price.model_fields["amount"]:
            allowed = _AMOUNT_RANGE
        if not allowed and kind in _BOUNDS:
            allowed = f"{_RANGE_SIGNS[_BOUNDS[kind]]} {_number(ctx[_BOUNDS[kind]])}"
        return f"{number} {allowed}" if allowed else number
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
        model = _model_at(loc)
        required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()] if model else []
        if required:  # say which keys, e.g. a sourced figure: {value: ..., source: ...}
            return "a mapping of keys and values, e.g. {" + ", ".join(f"{k}: ..." for k in required) + "}"
        return "a mapping of keys and values"
    if kind in ("list_type", "tuple_type"):
        return "a list"
    return None


_RANGE_SIGNS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _range(field: FieldInfo) -> str:
    """Return a field's allowed range as ``>= 1 and <= 100,000`` (empty when it has no bounds)."""
    parts = []
    for constraint in field.metadata:
        for attr in ("gt", "ge", "lt", "le"):
            bound = getattr(constraint, attr, None)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                parts.append((attr, bound))
    order = {"gt": 0, "ge": 0, "lt": 1, "le": 1}
    parts.sort(key=lambda part: order[part[0]])
    return " and ".join(f"{_RANGE_SIGNS[attr]} {_bound(bound)}" for attr, bound in parts)


def _bound(value: float) -> str:
    """Show a bound readably: 100,000 rather than 100000 or 1e+05."""
    if float(value).is_integer() and abs(value) >= 10_000:
        return f"{int(value):,}"
    return _number(value)


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    """Return the pydantic field a (pydantic error) location points at, if it is a model field."""
    if not loc:
        return None
    model = _model_at(loc[:-1])
    if model is None:
        return None
    for name, field in model.model_fields.items():
        if loc[-1] in (name, field.alias):
            return field
    return None


def _non_empty(loc: tuple[Any, ...]) -> str:
    """Say what an empty list should hold instead (the key may be omitted)."""
    key = loc[-1] if loc else None
    if key == "sizes":
        return ("at least one size ({vcpu, memory_gib}), or omit the key to size VMs by "
                "vcpu_step and memory_step_gib")
    if key == "hosts":
        return "at least one host model or instance type name, or omit the key to use every one"
    return "at least one entry, or omit the key"


def _unwrap(annotation: Any) -> Any:
    """Drop ``None`` from ``X | None`` and the constraints from ``Annotated[X, ...]``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation = args[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
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


@dataclass(frozen=True)
class _FigureRule:
    """The allowed range of one kind of sourced figure (``Figure.value``), by the key that holds it."""

    low: float
    high: float
    high_inclusive: bool
    expected: str

    def allows(self, value: float) -> bool:
        return self.low <= value and (value <= self.high if self.high_inclusive else value < self.high)


_FIGURE_RULES = {
    "pue": _FigureRule(1, 10, True, ">= 1 and <= 10 (a power usage effectiveness: facility power / IT power, "
                                    "e.g. 1.58)"),
    "discount_percent": _FigureRule(0, 100, False, ">= 0 and < 100 (a percentage off the on-demand price)"),
    "support_percent_per_year": _FigureRule(0, 100, True, ">= 0 and <= 100 (a percentage of the licence price "
                                                          "each year, e.g. 25)"),
}


def _figure_rule(loc: tuple[Any, ...]) -> _FigureRule | None:
    """Return the range rule for ``...<key>.value`` of a sourced figure with a known range."""
    if len(loc) >= 2 and loc[-1] == "value" and isinstance(loc[-2], str):
        return _FIGURE_RULES.get(loc[-2])
    return None


_AMOUNT_RANGE = f">= 0 and <= {MAX_AMOUNT:,}"


def _check_figures(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Prices at most MAX_AMOUNT; PUE, discounts and support percentages in their ranges.

    The schema only knows >= 0 and finite for these (it also validates catalogues whose
    prices the sensitivity analysis scaled).
    """
    found: list[tuple[YamlPath, str]] = []
    for loc, obj in _walk_model(catalogue, ()):
        if isinstance(obj, Price) and obj.amount > MAX_AMOUNT:
            found.append(((*loc, "amount"), f"got {_number(obj.amount)}; expected a number {_AMOUNT_RANGE}"))
        if not isinstance(obj, Figure):
            continue
        rule = _figure_rule((*loc, "value"))
        if rule is not None and not rule.allows(obj.value):
            found.append(((*loc, "value"), f"got {_number(obj.value)}; expected a number {rule.expected}"))
    return found


def check_catalogue(catalogue: Catalogue, *, today: dt.date | None = None) -> list[tuple[YamlPath, str]]:
    """Return every cross-reference problem of a model-valid catalogue as (YAML path, message)."""
    today = today or dt.date.today()
    found: list[tuple[YamlPath, str]] = []
    found += _check_kind(catalogue)
    found += _check_names(catalogue)
    found += _check_prices(catalogue, today)
    found += _check_strategies(catalogue)
    found += _check_licences(catalogue)
    found += _check_os_paid_twice(catalogue)
    found += _check_os_names(catalogue)
    found += _check_node_pools(catalogue)
    found += _check_cloud_hypervisor(catalogue)
    found += _check_vm_menu(catalogue)
    found += _check_commitments(catalogue)
    found += _check_figures(catalogue)
    return found


def _check_commitments(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Every commitment name must be a name (or, for instances, a family such as ``m7i``) of its kind."""
    found: list[tuple[YamlPath, str]] = []
    kinds: dict[str, list[str]] = {
        "instances": [t.name for t in catalogue.instance_types]
        + sorted({instance_family(t.name) for t in catalogue.instance_types} - {t.name for t in catalogue.instance_types}),
        "hardware": [h.name for h in catalogue.host_models],
        "licences": [lic.name for lic in catalogue.licences],
    }
    for term, commitments in (getattr(catalogue, "commitments", None) or {}).items():
        # The most specific entry wins; two equally specific ones for the same name would leave
        # one silently unused.
        claimed: dict[tuple[str, str | None], int] = {}
        for index, commitment in enumerate(commitments):
            for name in commitment.names or [None]:
                key = (commitment.applies_to, name)
                if key in claimed:
                    what = f"'{name}'" if name is not None else f"all {commitment.applies_to}"
                    found.append(((("commitments", term, index)),
                                  f"a second {term} discount for {what} (entry {claimed[key] + 1} gives one "
                                  "already); expected one discount per name and term"))
                else:
                    claimed[key] = index
        for index, commitment in enumerate(commitments):
            known = kinds.get(commitment.applies_to, [])
            for j, name in enumerate(commitment.names or []):
                if name not in known:
                    found.append(
                        (
                            ("commitments", term, index, "names", j),
                            f"unknown {commitment.applies_to} name '{name}'{_suggest(name, known)}"
                            + (" (expected an instance type name, or a family: the part before the first '.' "
                               "or '-', as m7i in m7i.large or e2 in e2-standard-4)"
                               if commitment.applies_to == "instances" else ""),
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
    named: list[tuple[YamlPath, str, str]] = [(("name",), catalogue.name, "a catalogue name")]
    named += [(("sources", key), key, "a source key") for key in catalogue.sources]
    for loc, name, what in named:
        problem = _unprintable(name, what)
        if problem:
            found.append((loc, problem))
    for group, items in groups:
        for index, item in enumerate(items):
            loc: YamlPath = (group, index, "name")
            problem = _unprintable(item.name, "a name")
            if problem:
                found.append((loc, problem))
            elif item.name in first:
                found.append((loc, f"duplicate name '{item.name}' (already used at {format_path(first[item.name])})"))
            else:
                first[item.name] = loc
    return found


def _unprintable(name: str, what: str) -> str | None:
    """Refuse a name the reports could not show as written (the workbook replaces control characters)."""
    if len(name) > MAX_NAME_LENGTH:
        return f"a name of {len(name):,} characters ({quote_excerpt(name)}); expected {what} of at most " \
               f"{MAX_NAME_LENGTH} characters"
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        return f"{quote_excerpt(name)} contains the control character U+{ord(bad):04X}; expected {what} of " \
               "printable characters"
    return None


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
        if licence.role == "fee" and licence.unit == "vm":
            found.append((loc, "got 'vm'; a fee is charged per cluster or per host: expected unit: "
                               "cluster, host, socket, socket_pair, physical_core or vcpu"))
        if licence.role == "hypervisor" and licence.unit == "vm":
            found.append((loc, "got 'vm'; a hypervisor licence is counted per host (it would be billed once per "
                               "host, not per VM): expected unit: physical_core, socket, socket_pair, host or vcpu"))
        if licence.role != "fee" and licence.unit == "cluster":
            found.append(
                (loc, f"unit 'cluster' is only for fees (role: fee); role {licence.role} is counted per host or VM")
            )
        # Counting rules the licence's unit or role never applies would be silently ignored.
        given = licence.model_fields_set
        unused = {
            "min_per_socket": licence.unit not in ("physical_core", "socket"),
            "min_per_host": licence.unit == "cluster",
            "pack_size": licence.unit == "cluster",
            "vms_per_licence": licence.role != "guest_os",
            "os": licence.role not in ("guest_os", "host_os"),
        }
        for key, ignored in unused.items():
            default = Licence.model_fields[key].get_default(call_default_factory=True)
            if key in given and ignored and getattr(licence, key) != default:
                why = {"vms_per_licence": f"role {licence.role}: only guest OS licences cover a number of VMs",
                       "os": f"role {licence.role}: only guest_os and host_os licences serve an OS"
                       }.get(key, f"unit {licence.unit}")
                found.append((("licences", index, key),
                              f"{key} does not apply to {why}; remove it (it would be ignored)"))
    return found


def _check_os_paid_twice(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Refuse an OS both licence-included on an instance type and licensed by the strategy there.

    Each such instance would pay the provider's OS uplift and the licence brought to it.
    """
    found: list[tuple[YamlPath, str]] = []
    licensed = [(("strategies", "vm-per-service", "guest_os"), catalogue.strategies.vm_per_service.guest_os),
                (("strategies", "container-density", "host_os"), catalogue.strategies.container_density.host_os)]
    for base, by_os in licensed:
        for os_name, names in by_os.items():
            if not names:
                continue
            rule = catalogue.os_pricing.get(os_name)
            both = [t.name for t in catalogue.instance_types if os_name in t.os_prices or (
                rule is not None and t.arch in rule.arch and not (rule.exclude_burstable and t.burstable))]
            if both:
                where = f"os_pricing.{os_name}" if rule is not None else f"the os_prices of {both[0]}"
                found.append(((*base, os_name),
                              f"{os_name} is also licence-included ({where}): {len(both)} instance type(s) such as "
                              f"{both[0]} would pay for {os_name} twice; expected one way: remove this entry "
                              "(licence-included) or the licence-included price (bring your own licence)"))
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


def _check_cloud_hypervisor(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Refuse a hypervisor licence on a cloud catalogue: each VM is an instance on the provider's hypervisor."""
    names = catalogue.strategies.vm_per_service.hypervisor
    if not catalogue.is_cloud or not names:
        return []
    return [(("strategies", "vm-per-service", "hypervisor"),
             f"got {', '.join(names)}; on a cloud catalogue (instance_types) each VM is an instance on the "
             "provider's hypervisor, so no hypervisor licence is paid (it would be charged once per instance): "
             "expected no hypervisor entry (hypervisor licences are for host_models)")]


VM_STEPS = ("vcpu_step", "memory_step_gib", "min_vcpu", "min_memory_gib")


def _check_vm_menu(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Refuse VM sizing steps or minimums next to a size menu on-prem: the menu replaces them, so they would be ignored."""
    vm = catalogue.overheads.vm
    if catalogue.is_cloud or not vm.sizes:
        return []
    return [(("overheads", "vm", key),
             f"given with sizes, which replace the steps and minimums (a VM takes the smallest menu size that holds "
             f"it), so {key} would be ignored; expected either sizes or the steps ({', '.join(VM_STEPS)})")
            for key in VM_STEPS if key in vm.model_fields_set]


# Container nodes come in these OS pools; pods of any other OS (rhel, ...) run on linux nodes.
_NODE_POOLS = ("linux", "windows")


def _check_node_pools(catalogue: Catalogue) -> list[tuple[YamlPath, str]]:
    """Refuse a node OS other than linux or windows: no node of it exists, so it would be silently ignored."""
    found: list[tuple[YamlPath, str]] = []
    keyed: list[tuple[YamlPath, list[str]]] = [
        (("strategies", "container-density", "host_os"), list(catalogue.strategies.container_density.host_os)),
        (("overheads", "container", "node_os"), list(catalogue.overheads.container.node_os)),
    ]
    for base, names in keyed:
        for name in names:
            if name not in _NODE_POOLS and _OS_NAME.match(name):
                found.append(((*base, name),
                              f"got '{name}'; container nodes come in two OS pools, linux and windows (pods of "
                              f"any other OS, such as {name}, run on linux nodes): expected linux or windows "
                              "(this entry would be ignored)"))
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
