"""Open311 errors: the spec's list `[{"code": <status>, "description": "..."}]`, never
problem details (GeoReport clients parse this shape, in JSON and in XML)."""

from __future__ import annotations


class Open311Error(Exception):
    """Answered with HTTP `status` and one error entry per description."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0] if descriptions else str(status))
        self.status = status
        self.descriptions = list(descriptions) or [str(status)]
