"""What `GOVHUB_ENVIRONMENT=production` refuses to start with.

A production start never loads the demo data (its passwords and its client secret are
published in the README) and refuses settings that are either a secret anyone can read
in the docs or a default that is only safe on a developer's machine. Every process checks
its settings when it starts (`govhub run` before it starts anything, each service and the
gateway in their lifespan), logs each reason, and stops.
"""

from __future__ import annotations

import ipaddress
import logging

from services.common.settings import GovhubSettings

logger = logging.getLogger("govhub.production")

# Secrets printed in the README, the OpenAPI examples or the demo data: never a
# production value, whatever setting carries them.
DOCUMENTED_SECRETS = frozenset(
    {
        "Govhub-Demo-2026",  # the default GOVHUB_DEMO_PASSWORD, in the README's examples
        "Nakheel-2026-Ahsa",  # the password of the OpenAPI examples
    }
)


class InsecureSettingsError(RuntimeError):
    """Production settings that must be fixed before the hub may start."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def is_production(settings: GovhubSettings) -> bool:
    return settings.environment == "production"


def insecure_settings(settings: GovhubSettings) -> list[str]:
    """Why these settings may not run in production (empty outside production)."""
    if not is_production(settings):
        return []
    problems: list[str] = []
    admin = settings.admin_password
    if admin is not None and (admin in DOCUMENTED_SECRETS or admin == settings.demo_password):
        problems.append(
            "GOVHUB_ADMIN_PASSWORD is a password published in the documentation (or the demo "
            "password): choose another one"
        )
    if settings.jwt_private_key is not None and "PRIVATE KEY" not in settings.jwt_private_key:
        problems.append("GOVHUB_JWT_PRIVATE_KEY is set but is not a PEM private key")
    if "*" in settings.cors_origins:
        problems.append(
            "GOVHUB_CORS_ORIGINS allows every origin (`*`): list the web origins of your frontends"
        )
    for origin in settings.cors_origins:
        if origin.startswith("http://") and not _is_loopback_origin(origin):
            problems.append(
                f"GOVHUB_CORS_ORIGINS names {origin}: production origins are https:// only"
            )
    for entry in settings.trusted_proxies:
        if ipaddress.ip_network(entry, strict=False).prefixlen == 0:
            problems.append(
                f"GOVHUB_TRUSTED_PROXIES trusts every address ({entry}): anyone could choose "
                "the client address the rate limits count; name your proxies"
            )
    return problems


def _is_loopback_origin(origin: str) -> bool:
    host = origin.removeprefix("http://").split("/")[0].rsplit(":", 1)[0].strip("[]")
    return host in {"localhost", "127.0.0.1", "::1"}


def ensure_safe_to_start(settings: GovhubSettings, process: str) -> None:
    """Logs every reason these settings may not run in production, then raises."""
    problems = insecure_settings(settings)
    if not problems:
        if is_production(settings):
            logger.info("%s: production settings checked; demo data is never loaded", process)
        return
    for problem in problems:
        logger.error("%s refuses to start in production: %s", process, problem)
    raise InsecureSettingsError(problems)
