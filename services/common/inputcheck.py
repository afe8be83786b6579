"""One rule at the edge of every service: text a request carries is valid UTF-8 without NUL.

PostgreSQL cannot store U+0000 in `text` (asyncpg refuses to encode it), and a query string
of invalid UTF-8 was decoded with replacement characters and silently accepted. Rather than
a check per field, `GovhubRoute` runs `check_request` before any handler: the path, the
query string, and urlencoded or JSON bodies. Invalid UTF-8 answers 400 `invalid_encoding`;
a NUL character answers 422 `validation_failed` naming the field. Multipart bodies (files)
are left to their handlers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from services.common.errors import DomainError, FieldError
from services.common.i18n import text

NUL_MESSAGE = ("النص يحوي المحرف NUL (U+0000)", "The text contains a NUL character (U+0000)")


def _invalid_encoding(where_ar: str, where_en: str) -> DomainError:
    return DomainError(
        f"{where_ar} ليس بترميز UTF-8 صالح",
        f"The {where_en} is not valid UTF-8",
        "invalid_encoding",
        400,
    )


def _nul(fields: list[str]) -> DomainError:
    message = text(*NUL_MESSAGE)
    return DomainError(
        NUL_MESSAGE[0],
        NUL_MESSAGE[1],
        "validation_failed",
        422,
        [FieldError(name, message) for name in fields],
    )


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_path(raw_path: bytes) -> None:
    if b"%" not in raw_path:  # nothing escaped: what the server parsed is ASCII already
        return
    decoded = unquote_to_bytes(raw_path)
    if _decode(decoded) is None:
        raise _invalid_encoding("المسار", "path")
    if b"\x00" in decoded:
        raise _nul(["path"])


def check_urlencoded(raw: bytes, *, where_ar: str, where_en: str) -> None:
    """A query string or form body: every name and value decodes, none holds a NUL."""
    if not raw:
        return
    bad: list[str] = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name_raw, _, value_raw = pair.partition(b"=")
        name = _decode(unquote_to_bytes(name_raw.replace(b"+", b" ")))
        value = _decode(unquote_to_bytes(value_raw.replace(b"+", b" ")))
        if name is None or value is None:
            raise _invalid_encoding(where_ar, where_en)
        if "\x00" in name or "\x00" in value:
            bad.append(name.replace("\x00", "\\u0000"))
    if bad:
        raise _nul(bad)


def _nul_fields(value: Any, path: str, into: list[str]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            into.append(path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                into.append(f"{path}.{key}".lstrip(".").replace("\x00", "\\u0000"))
            _nul_fields(item, f"{path}.{key}".lstrip("."), into)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _nul_fields(item, f"{path}.{index}".lstrip("."), into)


def has_nul(value: Any) -> bool:
    """Whether a decoded JSON value holds U+0000 in any string, key or item."""
    found: list[str] = []
    _nul_fields(value, "", found)
    return bool(found)


def check_json(body: bytes) -> None:
    """A JSON body whose strings hold `\\u0000`. Only parsed when the escape appears at all;
    anything unparsable is left to the handler's own 400 (malformed JSON)."""
    if b"\\u0000" not in body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return
    fields: list[str] = []
    _nul_fields(document, "", fields)
    if fields:
        raise _nul(fields)


def is_urlencoded(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def check_request(scope: Mapping[str, Any]) -> None:
    """The path and the query string of a request (the body is checked once it is read)."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    check_path(raw_path)
    query: bytes = scope.get("query_string", b"")
    if query:
        check_urlencoded(query, where_ar="الاستعلام", where_en="query string")
