"""The metadata of every service's tables, for Alembic's autogenerate comparison.

Only migrations/env.py and the drift test import this; services import their own models.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from services.common.models import Base

MODEL_MODULES = (
    "services.common.models",
    "services.common.imports.models",
    "services.common.attachments.models",
    "services.directory.models",
    "services.inquiries.models",
    "services.calendar.models",
    "services.campaigns.models",
)

for module in MODEL_MODULES:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:  # a service without tables yet
        if exc.name is None or not module.startswith(exc.name):
            raise

target_metadata: MetaData = Base.metadata
