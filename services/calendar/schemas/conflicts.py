"""Conflict lists."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.calendar.schemas.entries import ConflictOut


class ConflictList(BaseModel):
    items: list[ConflictOut] = Field(description="Colliding pairs, by start.")
