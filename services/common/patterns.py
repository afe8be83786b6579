"""Patterns a field's value must match, stated once for the validator and the spec.

A service checks a value with `matches(PATTERN, value)` and documents the same string as
the field's `pattern` (`SchemaPattern(PATTERN)` in the field's `Annotated`), so the spec
says exactly what is accepted.

Surrounding whitespace: the hub trims these values, so each pattern allows it at both
ends rather than refusing `" AB "`: clients that send a padded code keep working, and a
schema-valid value is accepted, a schema-invalid one refused. Whitespace is written out
(`WHITESPACE`, Unicode's White_Space: what pydantic's `strip_whitespace` removes) instead
of `\\s`, whose meaning differs between Python (which adds U+001C–U+001F), ECMA-262 (which
adds U+FEFF) and the generators that read the spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# Unicode's White_Space, as characters and as a regular-expression class body
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
WS = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def trimmed(core: str) -> str:
    """The core pattern, anchored, with optional whitespace around it."""
    return f"^[{WS}]*(?:{core})[{WS}]*$"


def trim(value: str) -> str:
    """`value` without the whitespace `trimmed` allows around it."""
    return value.strip(WHITESPACE)


# a stable short code: organizations, KPIs, campaigns, initiatives, key messages, axes …
CODE = trimmed(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")
# a sign-in name (stored lower-case, so upper-case letters are accepted)
USERNAME = trimmed(r"[A-Za-z0-9][A-Za-z0-9._-]{2,99}")
# a KPI period: 2027-01 (monthly), 2027-Q1 (quarterly), 2027 (yearly); years 1000–9999
PERIOD = trimmed(r"[1-9][0-9]{3}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?")
# an absolute http(s) URL: the scheme, a host (with its port) of URL characters, then any
# path, query or fragment without spaces
HTTP_URL = trimmed(rf"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:-]+(?:[/?#][^{WS}]*)?")
# a decimal written as a string: digits, an optional fraction, no exponent
DECIMAL = trimmed(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# an id, or `me` (the caller)
UUID_OR_ME = r"^(?:me|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"


def matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


@dataclass(frozen=True)
class SchemaPattern:
    """In a field's `Annotated`: documents `pattern` on the string (the validator checks it)."""

    pattern: str
    keyword: str = "pattern"

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        json_schema[self.keyword] = self.pattern
        return json_schema


def SchemaFormat(name: str) -> SchemaPattern:  # noqa: N802  # reads as the marker it builds
    """In a field's `Annotated`: documents `format` on the string (the validator checks it)."""
    return SchemaPattern(name, keyword="format")


def decimal_string(integer_digits: int, places: int, *, signed: bool) -> str:
    """A decimal string of at most `integer_digits` digits before the point and `places`
    after it (`+` allowed; `-` when signed)."""
    sign = "[+-]?" if signed else r"\+?"
    return trimmed(rf"{sign}[0-9]{{1,{integer_digits}}}(?:\.[0-9]{{1,{places}}})?")


@dataclass(frozen=True)
class DecimalSchema:
    """In a Decimal field's `Annotated`: states its digits in the spec. pydantic documents a
    decimal as `anyOf [number, string]` with the string unconstrained and the number
    without its precision; this adds the string's `pattern` and the number's `multipleOf`
    and bounds, the same limits the field's `max_digits`/`decimal_places` enforce."""

    string_pattern: str
    multiple_of: float
    bound: float  # |value| < bound

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        for branch in json_schema.get("anyOf", [json_schema]):
            if branch.get("type") == "string":
                branch["pattern"] = self.string_pattern
            elif branch.get("type") == "number":
                branch["multipleOf"] = self.multiple_of
                if "maximum" not in branch and "exclusiveMaximum" not in branch:
                    branch["exclusiveMaximum"] = self.bound
                if "minimum" not in branch and "exclusiveMinimum" not in branch:
                    branch["exclusiveMinimum"] = -self.bound
        return json_schema


# a weight in (0, 100] with at most two decimals
WEIGHT = trimmed(r"\+?(?:100(?:\.0{1,2})?|[1-9][0-9]?(?:\.[0-9]{1,2})?|0?\.(?:0[1-9]|[1-9][0-9]?))")
# a money amount: ≥ 0, 16 digits before the point, 2 after (`max_digits=18, decimal_places=2`)
AMOUNT = DecimalSchema(decimal_string(16, 2, signed=False), multiple_of=0.01, bound=1e16)
# a weight: (0, 100], 2 decimals (`max_digits=6, decimal_places=2`)
WEIGHT_DIGITS = DecimalSchema(WEIGHT, multiple_of=0.01, bound=1e3)
# a KPI figure: 16 digits before the point, 4 after (`max_digits=20, decimal_places=4`)
FIGURE = DecimalSchema(decimal_string(16, 4, signed=True), multiple_of=0.0001, bound=1e16)


# Not blank: a character that is not whitespace. For the texts the services trim
# (`StringConstraints(strip_whitespace=True, min_length=1)`): pydantic trims exactly
# `WHITESPACE`, so a value is accepted when it holds any other character.
NOT_BLANK = SchemaPattern(f"[^{WS}]")
# At least two characters once trimmed (`strip_whitespace=True, min_length=2`): two
# characters that are not whitespace, anything between them (`[\s\S]`: any character,
# alike in Python's and ECMA-262's regular expressions).
TWO_NOT_BLANK = SchemaPattern(f"[^{WS}][\\s\\S]*[^{WS}]")
