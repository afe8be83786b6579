"""Strict input, one rule for all: what the OpenAPI spec says a value is, the edge holds it
to, before pydantic's lax conversions can turn something else into it.

- A JSON body's booleans are `true` or `false`: `1`, `0` or `"yes"` where the schema says
  `boolean` are 422, not a quiet `True`.
- Dates, date-times and times are strings, in a body and in the query string: a number
  (`0.5`, `1700000000`) where the schema says `date-time` is 422, not a Unix timestamp.
- `LocalTime` is a wall-clock time of day without an offset (an organization's working
  hours, in its own time zone), documented as what it is: `HH:MM[:SS]`, RFC 3339's
  `partial-time`, not `format: time` (which requires an offset).

The checks run in `GovhubRoute` before the handler; the failures are the kernel's 422
`validation_failed` naming each field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BeforeValidator, TypeAdapter, WithJsonSchema
from starlette.datastructures import QueryParams

from services.common.errors import DomainError, FieldError
from services.common.i18n import text

LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
_LOCAL_TIME = re.compile(LOCAL_TIME_PATTERN)
TEMPORAL_FORMATS = frozenset({"date-time", "date", "time", "partial-time"})
# the start of an ISO 8601 / RFC 3339 date or date-time, or of a time of day
_QUERY_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QUERY_TIME = re.compile(r"^[0-9]{2}:[0-9]{2}")

MESSAGES = {
    "boolean": ("القيمة true أو false", "Must be true or false"),
    "date-time": ("تاريخ ووقت بصيغة RFC 3339 نصاً", "Must be an RFC 3339 date-time string"),
    "date": ("تاريخ بصيغة YYYY-MM-DD نصاً", "Must be a YYYY-MM-DD date string"),
    "time": ("وقت بصيغة HH:MM أو HH:MM:SS نصاً", "Must be a time string, HH:MM or HH:MM:SS"),
}
MESSAGES["partial-time"] = MESSAGES["time"]
# a parameter that takes one value, given more than once (`?q=a&q=b`): which one was meant
# is not known, so neither is read
MESSAGES["repeated"] = ("أُرسلت المعلمة أكثر من مرة وهي تقبل قيمة واحدة", "Given more than once")
# a date-time whose UTC instant is before year 1 or after 9999 (`0001-01-01T00:30:00+01:00`):
# valid RFC 3339, but neither Python nor PostgreSQL holds the instant
MESSAGES["date-time-range"] = (
    "تاريخ ووقت خارج المدى: السنوات 1–9999 بالتوقيت العالمي",
    "Date-time out of range: years 1–9999 in UTC",
)


def out_of_range(value: str) -> bool:
    """Whether `value` is a date-time with an offset whose UTC instant has no year 1–9999."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False  # not read as a date-time here: pydantic names what is wrong
    if parsed.tzinfo is None:
        return False
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return True
    return False


def _local_time(value: Any) -> Any:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a local time of day has no offset")
        return value
    if isinstance(value, str) and _LOCAL_TIME.match(value):
        return value
    raise ValueError("a local time of day: HH:MM or HH:MM:SS, without an offset")


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {"type": "string", "format": "partial-time", "pattern": LOCAL_TIME_PATTERN},
        mode="validation",
    ),
    WithJsonSchema(
        {"type": "string", "format": "partial-time", "pattern": LOCAL_TIME_PATTERN},
        mode="serialization",
    ),
]


def _invalid(fields: list[tuple[str, str]]) -> DomainError:
    errors = [FieldError(name, text(*MESSAGES[kind])) for name, kind in fields]
    return DomainError(
        "حقل واحد أو أكثر غير صالح",
        "One or more fields are not valid",
        "validation_failed",
        422,
        errors,
    )


# ------------------------------------------------------------------------------ JSON bodies


class JsonTypes:
    """The boolean and temporal leaves of one body's JSON schema, checked against a
    parsed body: a value of another JSON type there is named with the kind expected."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.defs: Mapping[str, Any] = schema.get("$defs", {})

    @classmethod
    def for_annotation(cls, annotation: Any) -> JsonTypes | None:
        try:
            schema = TypeAdapter(annotation).json_schema(mode="validation")
        except Exception:  # a body type with no JSON schema: nothing to hold it to
            return None
        checker = cls(schema)
        return checker if checker._has_leaves(schema, set()) else None

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in node and seen < 32:
            node = self.defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
            seen += 1
        return node

    def _has_leaves(self, node: Any, seen: set[str]) -> bool:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in seen:
                    return False
                return self._has_leaves(self._resolve(node), seen | {ref})
            if _kind(node) is not None:
                return True
            return any(self._has_leaves(v, seen) for k, v in node.items() if k != "$defs")
        if isinstance(node, list):
            return any(self._has_leaves(v, seen) for v in node)
        return False

    def check(self, document: Any) -> None:
        fields = list(self._walk(document, self.schema, ""))
        if fields:
            raise _invalid(fields)

    def _walk(self, value: Any, node: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
        node = self._resolve(node)
        branches = node.get("anyOf") or node.get("oneOf")
        if isinstance(branches, list):
            resolved = [self._resolve(b) for b in branches if isinstance(b, dict)]
            fitting = [b for b in resolved if _accepts(b, value)]
            if not fitting:
                kinds = [k for k in map(_kind, resolved) if k is not None]
                if kinds and value is not None:
                    yield path or "body", kinds[0]
                return
            # the value holds if one fitting branch holds it (a union of object shapes)
            found: list[tuple[str, str]] = []
            for branch in fitting:
                errors = list(self._walk(value, branch, path))
                if not errors:
                    return
                found = found or errors
            yield from found
            return
        kind = _kind(node)
        if kind is not None:
            if not _accepts(node, value):
                yield path or "body", kind
            elif kind == "date-time" and isinstance(value, str) and out_of_range(value):
                yield path or "body", "date-time-range"
            return
        if isinstance(value, dict):
            properties = node.get("properties") or {}
            extra = node.get("additionalProperties")
            for key, item in value.items():
                child = properties.get(key, extra if isinstance(extra, dict) else None)
                if isinstance(child, dict):
                    yield from self._walk(item, child, f"{path}.{key}".lstrip("."))
        elif isinstance(value, list):
            items = node.get("items")
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    yield from self._walk(item, items, f"{path}.{index}".lstrip("."))


def _kind(node: Mapping[str, Any]) -> str | None:
    """`boolean`, a temporal format, or None for any other schema."""
    if node.get("type") == "boolean":
        return "boolean"
    if node.get("type") == "string" and node.get("format") in TEMPORAL_FORMATS:
        return str(node["format"])
    return None


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _accepts(node: Mapping[str, Any], value: Any) -> bool:
    """Whether `value`'s JSON type is the one `node` names (any, when it names none)."""
    kind = node.get("type")
    if kind in ("integer", "number"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(kind, str) and kind in _JSON_TYPES:
        return isinstance(value, _JSON_TYPES[kind])
    return True


# ---------------------------------------------------------------------------- query strings


def temporal_kind(annotation: Any) -> str | None:
    """`date-time`, `date` or `time` for a query parameter of that type (optional or a
    list of them included), else None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return temporal_kind(get_args(annotation)[0])
    if origin in (Union, list) or str(origin) == "<class 'types.UnionType'>":
        kinds = [k for k in map(temporal_kind, get_args(annotation)) if k is not None]
        return kinds[0] if kinds else None
    if isinstance(annotation, type):
        if issubclass(annotation, datetime):
            return "date-time"
        if issubclass(annotation, date):
            return "date"
        if issubclass(annotation, time):
            return "time"
    return None


def takes_many(annotation: Any) -> bool:
    """Whether a query parameter of this type takes several values (a list, optional or
    not)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return takes_many(get_args(annotation)[0])
    if origin is Union or str(origin) == "<class 'types.UnionType'>":
        return any(takes_many(arg) for arg in get_args(annotation))
    return origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set, frozenset)


def check_query_single(query: QueryParams, single: frozenset[str]) -> None:
    """No parameter that takes one value is given more than once."""
    repeated = sorted(
        name
        for name in {key for key, _ in query.multi_items()} & single
        if len(query.getlist(name)) > 1
    )
    if repeated:
        raise _invalid([(name, "repeated") for name in repeated])


def check_query_temporals(query: QueryParams, temporals: Mapping[str, str]) -> None:
    """Each query value of a date, date-time or time parameter starts as one (no numbers)."""
    bad: list[tuple[str, str]] = []
    for name, kind in temporals.items():
        pattern = _QUERY_TIME if kind == "time" else _QUERY_DATE
        for value in query.getlist(name):
            if not pattern.match(value):
                bad.append((name, kind))
                break
            if kind == "date-time" and out_of_range(value):
                bad.append((name, "date-time-range"))
                break
    if bad:
        raise _invalid(bad)
