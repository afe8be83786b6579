"""The patterns the spec states for codes, usernames, KPI periods, URLs and non-blank texts
(`services.common.patterns`) say exactly what the validators accept: a value is accepted
when jsonschema finds it valid against the pattern, and refused when it does not — for
values generated from the pattern (hypothesis) and for arbitrary text. Whitespace around
the value is allowed and trimmed; `WHITESPACE` is what pydantic trims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter, ValidationError

from services.campaigns.schemas.common import Code as CampaignCode
from services.campaigns.schemas.common import Url as CampaignUrl
from services.campaigns.schemas.kpis import Period
from services.common.patterns import (
    CODE,
    HTTP_URL,
    NOT_BLANK,
    PERIOD,
    USERNAME,
    WHITESPACE,
)
from services.directory.schemas import common as directory
from services.directory.schemas.common import NameAr


def _adapter(annotation: Any) -> Callable[[str], Any]:
    return TypeAdapter(annotation).validate_python


CHECKS: list[tuple[str, str, Callable[[str], Any]]] = [
    ("organization code", CODE, directory.check_code),
    ("campaign code", CODE, _adapter(CampaignCode)),
    ("username", USERNAME, directory.check_username),
    ("channel url", HTTP_URL, directory.check_url),
    ("coverage url", HTTP_URL, _adapter(CampaignUrl)),
    ("period", PERIOD, _adapter(Period)),
    ("arabic name", NOT_BLANK.pattern, _adapter(NameAr)),
]
SAMPLES = [
    "RIYADH",
    " RIYADH\t",
    "\u3000R-1\u2003",
    "\x1cRIYADH",  # not whitespace to pydantic (Python's str.strip would remove it)
    "RI YADH",
    "",
    "   ",
    "riyadh.agent",
    "Riyadh.Agent\n",
    "2027",
    " 2027-Q1 ",
    "2027-13",
    "0999",
    "٢٠٢٧",  # Arabic-Indic digits: not a period
    "https://www.moh.gov.sa/ar",
    " HTTP://example.sa:8080/a?b#c ",
    "https://user@example.sa",
    "ftp://example.sa",
    "https://",
    "https://a b",
    "مؤتمر صحفي",
]


def accepted(check: Callable[[str], Any], value: str) -> bool:
    try:
        check(value)
    except (ValueError, ValidationError):
        return False
    return True


def valid(pattern: str, value: str) -> bool:
    return jsonschema.Draft202012Validator({"type": "string", "pattern": pattern}).is_valid(value)


@pytest.mark.parametrize(("name", "pattern", "check"), CHECKS, ids=[c[0] for c in CHECKS])
def test_the_pattern_is_what_the_validator_accepts(
    name: str, pattern: str, check: Callable[[str], Any]
) -> None:
    disagree = [v for v in SAMPLES if valid(pattern, v) != accepted(check, v)]
    assert not disagree, f"{name}: {disagree!r}"

    @settings(max_examples=150, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern) | st.text(max_size=30))
    def agree(value: str) -> None:
        if len(value) <= 200:
            assert valid(pattern, value) == accepted(check, value), repr(value)

    agree()


def test_whitespace_is_what_pydantic_trims() -> None:
    trim = TypeAdapter(Annotated[str, StringConstraints(strip_whitespace=True)]).validate_python
    trimmed = {
        chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and trim(chr(c) + "a") == "a"
    }
    assert trimmed == set(WHITESPACE)
