"""Dependencies of the campaigns routers: who may call them."""

from __future__ import annotations

from typing import Annotated

from services.common.auth import Principal, require

Reader = Annotated[Principal, require("campaigns:read")]
Writer = Annotated[Principal, require("campaigns:write")]
Decider = Annotated[Principal, require("campaigns:decide")]
