"""XML rendering of Open311 documents with the standard library's `xml.etree`.

Every value is element text, escaped by ElementTree; text is stored as sent, so the
rendering also takes care of what ElementTree leaves alone:

- code points XML 1.0 forbids even as character references (C0 controls other than tab,
  line feed and carriage return, lone surrogates, U+FFFE/U+FFFF) become U+FFFD;
- carriage returns are written as `&#13;`: a parser turns a raw one into a line feed, so
  a description sent from a form (CRLF line breaks) would not read back as sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MEDIA_TYPE = "text/xml; charset=utf-8"

# a list field → the element name of its items
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item = LIST_ITEMS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def _serialize(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    # ElementTree writes tag names we chose and escaped text: every raw CR is from a value
    return (DECLARATION + body.replace("\r", "&#13;")).encode("utf-8")


def document(root: str, payload: Mapping[str, Any]) -> bytes:
    """`<root><field>…</field>…</root>` (a service definition, the discovery)."""
    element = ET.Element(root)
    _fill(element, payload)
    return _serialize(element)


def collection(root: str, item: str, payload: Sequence[Mapping[str, Any]]) -> bytes:
    """`<root><item>…</item>…</root>` (services, requests, receipts, tokens, errors)."""
    element = ET.Element(root)
    for entry in payload:
        _fill(ET.SubElement(element, item), entry)
    return _serialize(element)
