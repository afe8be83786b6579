"""One OpenAPI 3.1 document for the whole hub, merged from the four services and the gateway.

The same merge serves `/openapi.json` at run time (from each service's own `/openapi.json`,
fetched once and cached) and `build_merged_openapi` (from in-process app objects, for the
committed spec and its drift check), so both produce the same document.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from gateway.operations import router as operations_router
from gateway.routes import DEFAULT_PREFIXES, RouteTable
from services.common.apidocs import SECURITY_SCHEMES, TOKEN_REQUIRED
from services.common.problems import document_problems
from services.common.settings import SERVICE_NAMES

logger = logging.getLogger("govhub.gateway.openapi")

Spec = dict[str, Any]

TITLE = "govhub — unified government communication hub"
DESCRIPTION = (
    "The public API of govhub: inquiries from every channel, the unified media calendar "
    "and campaigns for ministries, amanat, municipalities and governorates, served "
    "through one gateway.\n\n"
    "Errors are RFC 9457 problem details (`application/problem+json`) with a stable "
    "`code`; messages follow `Accept-Language` (Arabic by default, English). Every "
    "response carries `X-Request-ID`; rate limits answer 429 with `Retry-After` and the "
    "`RateLimit` / `RateLimit-Policy` headers. Sign in with OAuth2 at `/v1/auth/token` "
    "(password for staff, client credentials for machine clients) and send the token as "
    "`Authorization: Bearer …`.\n\n"
    "مركز الاتصال الحكومي الموحد: الاستفسارات والتقويم الإعلامي الموحد والحملات، "
    "عبر بوابة واحدة."
)
SERVICE_OPERATION_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
COMPONENT_SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Each operation states its own security (services.common.apidocs: a token required,
# optional, or none); the document-wide default asks for a token.
DEFAULT_SECURITY: list[dict[str, list[str]]] = copy.deepcopy(TOKEN_REQUIRED)
OPERATIONS_TAG = {
    "name": "operations",
    "description": "Liveness, readiness and metrics of the hub. الجاهزية والمراقبة.",
}

# --------------------------------------------------------------------------- merge helpers


def _rewrite_refs(node: Any, refs: Mapping[str, str]) -> Any:
    """A copy of `node` with every `$ref` found in `refs` replaced."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = refs.get(value, value)
            else:
                out[key] = _rewrite_refs(value, refs)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, refs) for item in node]
    return node


def _ref_map(renames: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    return {
        f"#/components/{section}/{old}": f"#/components/{section}/{new}"
        for section, names in renames.items()
        for old, new in names.items()
    }


def _canonical(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _prefixed(source: str, name: str, taken: set[str]) -> str:
    base = source[:1].upper() + source[1:] + name
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}{counter}", counter + 1
    taken.add(candidate)
    return candidate


def _component_renames(sources: Mapping[str, Spec]) -> dict[str, dict[str, dict[str, str]]]:
    """Per source, per component section: old name → new name, for names that collide.

    Only a name defined differently by two sources is renamed: the definition most sources
    share keeps the plain name (on a tie the gateway's, else the first source's), the others
    are prefixed with their source's name (`InquiriesChannel`). Security schemes always
    keep the gateway's, which the document-wide `security` names. Definitions are compared
    after their own references were renamed, repeated until nothing changes, so two
    identical-looking schemas that point at different schemas of one name are told apart.
    """
    renames: dict[str, dict[str, dict[str, str]]] = {
        source: {section: {} for section in COMPONENT_SECTIONS} for source in sources
    }
    taken: dict[str, set[str]] = {section: set() for section in COMPONENT_SECTIONS}
    owners: dict[str, dict[str, list[str]]] = {section: {} for section in COMPONENT_SECTIONS}
    for source, spec in sources.items():
        for section in COMPONENT_SECTIONS:
            for name in (spec.get("components") or {}).get(section) or {}:
                owners[section].setdefault(name, []).append(source)
                taken[section].add(name)
    order = list(sources)
    changed = True
    while changed:
        changed = False
        for section in COMPONENT_SECTIONS:
            for name, holders in owners[section].items():
                plain = [source for source in holders if name not in renames[source][section]]
                if len(plain) < 2:
                    continue
                groups: dict[str, list[str]] = {}
                for source in plain:
                    definition = sources[source]["components"][section][name]
                    variant = _canonical(_rewrite_refs(definition, _ref_map(renames[source])))
                    groups.setdefault(variant, []).append(source)
                if len(groups) == 1:
                    continue
                keeper = max(
                    groups.values(),
                    key=lambda group: (
                        section == "securitySchemes" and "gateway" in group,
                        len(group),
                        "gateway" in group,
                        -order.index(group[0]),
                    ),
                )
                for source in plain:
                    if source not in keeper:
                        renames[source][section][name] = _prefixed(source, name, taken[section])
                        changed = True
    return renames


def _rename_security(requirements: Any, names: Mapping[str, str]) -> Any:
    if not names or not isinstance(requirements, list):
        return requirements
    return [
        {names.get(key, key): scopes for key, scopes in requirement.items()}
        if isinstance(requirement, dict)
        else requirement
        for requirement in requirements
    ]


def _version(specs: Mapping[str, Spec]) -> str:
    versions = {str((spec.get("info") or {}).get("version", "")) for spec in specs.values()}
    versions.discard("")
    if not versions:
        return "1.0.0"

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))

    return max(versions, key=key)


def merge_openapi(
    specs: Mapping[str, Spec],
    *,
    gateway: Spec | None = None,
    owner_of: Callable[[str], str | None] | None = None,
) -> Spec:
    """Merges the services' specs (by service name) and the gateway's own operations.

    `owner_of(path)` names the service the gateway routes a path to; a path documented by
    a service that the gateway does not route to it is left out (and logged), because no
    client could reach it. Each service's own `/healthz`, `/readyz` and `/metrics` are left
    out too: the gateway documents its own.
    """
    sources: dict[str, Spec] = {}
    if gateway is not None:
        sources["gateway"] = gateway
    sources.update(specs)
    renames = _component_renames(sources)

    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    tags: dict[str, dict[str, Any]] = {}
    webhooks: dict[str, Any] = {}
    operation_ids: set[str] = set()
    for source, original in sources.items():
        refs = _ref_map(renames[source])
        spec = _rewrite_refs(original, refs) if refs else copy.deepcopy(original)
        security_names = renames[source]["securitySchemes"]
        for tag in spec.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)
        for path, item in (spec.get("paths") or {}).items():
            if source != "gateway":
                if path in SERVICE_OPERATION_PATHS:
                    continue
                if owner_of is not None and owner_of(path) != source:
                    logger.warning(
                        "%s documents %s but the gateway routes it elsewhere; left out",
                        source,
                        path,
                    )
                    continue
            merged_item = paths.setdefault(path, {})
            for key, operation in item.items():
                if key in merged_item:
                    logger.warning("%s %s is documented twice; keeping the first", key, path)
                    continue
                if key in HTTP_METHODS and isinstance(operation, dict):
                    operation_id = operation.get("operationId")
                    if isinstance(operation_id, str):
                        if operation_id in operation_ids:
                            operation_id = f"{source}_{operation_id}"
                            operation["operationId"] = operation_id
                        operation_ids.add(operation_id)
                    if "security" in operation:
                        operation["security"] = _rename_security(
                            operation["security"], security_names
                        )
                merged_item[key] = operation
        for name, hook in (spec.get("webhooks") or {}).items():
            webhooks.setdefault(name, hook)
        for section in COMPONENT_SECTIONS:
            for name, value in ((spec.get("components") or {}).get(section) or {}).items():
                new_name = renames[source][section].get(name, name)
                components.setdefault(section, {}).setdefault(new_name, value)

    merged: Spec = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": _version(specs),
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            section: dict(sorted(components[section].items()))
            for section in COMPONENT_SECTIONS
            if components.get(section)
        },
        "security": copy.deepcopy(DEFAULT_SECURITY),
        "tags": list(tags.values()),
    }
    if webhooks:
        merged["webhooks"] = dict(sorted(webhooks.items()))
    return merged


# ------------------------------------------------------------------ the gateway's own spec


def gateway_operations_spec() -> Spec:
    """The gateway's own documented operations (`/healthz`, `/readyz`) plus security."""
    routes = [route for route in operations_router.routes if isinstance(route, APIRoute)]
    spec = get_openapi(title=TITLE, version="1.0.0", routes=routes, tags=[OPERATIONS_TAG])
    document_problems(spec)
    components = spec.setdefault("components", {})
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            # Health probes need no token: say so, over the document-wide default.
            operation["security"] = []
    return spec


def _owner_by_default_table() -> Callable[[str], str | None]:
    table = RouteTable(DEFAULT_PREFIXES, {name: "http://unused" for name in SERVICE_NAMES})
    return table.service_for


def build_merged_openapi(service_apps: dict[str, FastAPI]) -> dict[str, Any]:
    """The merged document from in-process service apps (no processes, no network).

    `service_apps` maps a service name (directory, inquiries, calendar, campaigns) to its
    FastAPI app; the gateway's own operations are added, paths are kept only where the
    gateway's route table sends them to that service.
    """
    specs = {name: app.openapi() for name, app in service_apps.items()}
    return merge_openapi(
        specs,
        gateway=gateway_operations_spec(),
        owner_of=_owner_by_default_table(),
    )


# ------------------------------------------------------------------- served at run time


class SpecUnavailableError(Exception):
    def __init__(self, checks: dict[str, str]) -> None:
        super().__init__(", ".join(name for name, state in checks.items() if state != "up"))
        self.checks = checks


class MergedSpecCache:
    """Fetches every service's `/openapi.json` on first use, merges once, keeps the bytes."""

    def __init__(
        self,
        routes: RouteTable,
        gateway_spec: Callable[[], Spec],
        fetch_timeout: float = 10.0,
    ) -> None:
        self._routes = routes
        self._gateway_spec = gateway_spec
        self._fetch_timeout = fetch_timeout
        self._document: bytes | None = None
        self._lock = asyncio.Lock()

    def reset(self) -> None:
        self._document = None

    async def document(self, client: httpx.AsyncClient) -> bytes:
        if self._document is not None:
            return self._document
        async with self._lock:
            if self._document is None:
                merged = merge_openapi(
                    await self._fetch_all(client),
                    gateway=self._gateway_spec(),
                    owner_of=self._routes.service_for,
                )
                self._document = json.dumps(merged, ensure_ascii=False).encode()
            return self._document

    async def _fetch_all(self, client: httpx.AsyncClient) -> dict[str, Spec]:
        async def fetch(name: str, base_url: str) -> Spec | None:
            try:
                response = await client.get(base_url + "/openapi.json", timeout=self._fetch_timeout)
                if response.status_code == 200:
                    spec = response.json()
                    if isinstance(spec, dict):
                        return spec
            except (httpx.HTTPError, ValueError) as exc:
                logger.warning("could not fetch the %s spec: %r", name, exc)
            return None

        async def first_answer(name: str) -> Spec | None:
            # the replicas of a service serve the same spec: the first that answers
            for base_url in self._routes.replicas[name]:
                spec = await fetch(name, base_url)
                if spec is not None:
                    return spec
            return None

        names = list(self._routes.services)
        fetched = await asyncio.gather(*(first_answer(name) for name in names))
        specs = {name: spec for name, spec in zip(names, fetched, strict=True) if spec}
        if len(specs) != len(names):
            raise SpecUnavailableError({name: "up" if name in specs else "down" for name in names})
        return specs


# ------------------------------------------------------------- Swagger UI, served offline


def swagger_assets_dir() -> Path | None:
    """Swagger UI's files from the `fastapi-offline` wheel, so /docs works without a CDN."""
    try:
        folder = Path(str(resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None
