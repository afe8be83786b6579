"""Settings of the campaigns service (the shared `GOVHUB_*` ones, read once)."""

from __future__ import annotations

from services.common.settings import GovhubSettings, get_settings

SERVICE_NAME = "campaigns"

__all__ = ["SERVICE_NAME", "GovhubSettings", "get_settings"]
