"""The route table: which service answers which public path prefix, and where its replicas
listen (the proxy balances between them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.common.settings import SERVICE_NAMES, GovhubSettings

# Public path prefix → the service that owns it. The longest prefix wins, matched on whole
# path segments, so `/v1/channels/whatsapp` (the WhatsApp intake, owned by inquiries) takes
# precedence over `/v1/channels` (the channel catalogue, owned by the directory).
DEFAULT_PREFIXES: dict[str, str] = {
    "/v1/auth": "directory",
    "/.well-known": "directory",
    "/v1/organizations": "directory",
    "/v1/users": "directory",
    "/v1/api-clients": "directory",
    "/v1/channels": "directory",
    "/v1/audit": "directory",
    "/v1/webhooks": "directory",
    "/v1/webhook-deliveries": "directory",
    "/v1/channels/whatsapp": "inquiries",
    "/v1/inquiries": "inquiries",
    "/v1/inquiry-categories": "inquiries",
    "/v1/sla-policies": "inquiries",
    "/v1/inquiry-notification-templates": "inquiries",
    "/open311": "inquiries",
    # uploads and downloads of every service's attachments (the kernel's record says who
    # may read each); answered by the inquiries service, which citizens already reach
    "/v1/attachments": "inquiries",
    "/v1/calendar": "calendar",
    "/v1/initiatives": "campaigns",
    "/v1/milestones": "campaigns",
    "/v1/campaigns": "campaigns",
    "/v1/key-messages": "campaigns",
    "/v1/kpis": "campaigns",
    "/v1/reports": "campaigns",
    "/v1/crisis-playbooks": "campaigns",
    "/v1/axes": "campaigns",
    "/v1/public/initiatives": "campaigns",
    "/v1/kpi-values": "campaigns",
    "/v1/scorecards": "campaigns",
    "/v1/integration-criteria": "campaigns",
    "/v1/flights": "campaigns",
    "/v1/key-message-versions": "campaigns",
    "/v1/crisis-activations": "campaigns",
}


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """Stands in for a Starlette route in `scope["route"]`: the metrics read its `path`."""

    path: str


@dataclass(frozen=True, slots=True)
class Target:
    """Where a matched prefix goes; built once, shared by every request it matches."""

    prefix: str
    service: str
    base_urls: tuple[str, ...]  # one per replica of the service
    label: RouteLabel = field(compare=False)

    @property
    def base_url(self) -> str:
        """The first replica's base URL."""
        return self.base_urls[0]


class RouteTable:
    """Longest-prefix match on path segment boundaries, one dict lookup per segment."""

    def __init__(
        self, prefixes: Mapping[str, str], service_urls: Mapping[str, str | Sequence[str]]
    ) -> None:
        """`service_urls`: a service's base URL, or the base URLs of its replicas."""
        replicas: dict[str, tuple[str, ...]] = {}
        for name, urls in service_urls.items():
            listed = (urls,) if isinstance(urls, str) else tuple(urls)
            if not listed:
                raise ValueError(f"no base URL for service {name!r}")
            replicas[name] = tuple(url.rstrip("/") for url in listed)
        self._targets: dict[str, Target] = {}
        for prefix, service in prefixes.items():
            normalized = "/" + prefix.strip("/")
            if normalized == "/":
                raise ValueError("the root path cannot be a route prefix")
            if service not in service_urls:
                raise ValueError(f"no base URL for service {service!r} (prefix {prefix!r})")
            self._targets[normalized] = Target(
                prefix=normalized,
                service=service,
                base_urls=replicas[service],
                label=RouteLabel(normalized + "/*"),
            )
        # every replica's base URL by service, and the first one's
        self.replicas: dict[str, tuple[str, ...]] = replicas
        self.services: dict[str, str] = {name: urls[0] for name, urls in replicas.items()}

    def match(self, path: str) -> Target | None:
        targets = self._targets
        candidate = path
        while candidate:
            target = targets.get(candidate)
            if target is not None:
                return target
            cut = candidate.rfind("/")
            if cut <= 0:
                return None
            candidate = candidate[:cut]
        return None

    def service_for(self, path: str) -> str | None:
        target = self.match(path)
        return target.service if target else None

    @property
    def targets(self) -> Iterable[Target]:
        return self._targets.values()


def build_route_table(
    settings: GovhubSettings, prefixes: Mapping[str, str] | None = None
) -> RouteTable:
    """The table for these settings: each service's replicas from `settings.service_urls`."""
    urls = {name: settings.service_urls(name) for name in SERVICE_NAMES}
    return RouteTable(DEFAULT_PREFIXES if prefixes is None else prefixes, urls)
