"""Settings shared by every govhub process, read once from `GOVHUB_*` environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("directory", "inquiries", "calendar", "campaigns")


class GovhubSettings(BaseSettings):
    """Every setting of the hub. Services and the gateway read the fields they need."""

    model_config = SettingsConfigDict(env_prefix="GOVHUB_", extra="ignore", frozen=True)

    environment: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses insecure defaults."
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:pass@host:5432/db). "
        "Unset: an embedded PostgreSQL is started under the data dir.",
    )
    data_dir: Path = Field(Path(".govhub"), description="Embedded database, keys and state.")
    host: str = Field("127.0.0.1", description="Interface every process binds to.")
    port: int = Field(8000, description="Port of the gateway (the public entry point).")
    directory_port: int = Field(8101, description="Port of the directory service.")
    inquiries_port: int = Field(8102, description="Port of the inquiries service.")
    calendar_port: int = Field(8103, description="Port of the calendar service.")
    campaigns_port: int = Field(8104, description="Port of the campaigns service.")
    directory_url: str | None = Field(
        None, description="Base URL of the directory service (comma-separated: its replicas)."
    )
    inquiries_url: str | None = Field(
        None, description="Base URL of the inquiries service (comma-separated: its replicas)."
    )
    calendar_url: str | None = Field(
        None, description="Base URL of the calendar service (comma-separated: its replicas)."
    )
    campaigns_url: str | None = Field(
        None, description="Base URL of the campaigns service (comma-separated: its replicas)."
    )
    replicas: int = Field(
        1,
        ge=1,
        description="`govhub run`: processes of each service, and workers, it starts; the "
        "gateway balances between a service's replicas.",
    )
    gateways: int = Field(
        1,
        ge=1,
        description="`govhub run`: gateway processes it starts, on `port`, `port + 1`, … "
        "(they share the rate limits through `redis_url`).",
    )
    replica_ports: dict[str, list[int]] = Field(
        default_factory=dict,
        description="Ports of the replicas by process (JSON, e.g. "
        '`{"inquiries": [8102, 8202], "gateway": [8000, 8001]}`). Unset: replica i of a '
        "service on its port + 100 × i, gateway i on `port` + i.",
    )

    db_pool_size: int = Field(10, description="Connections per process pool.")
    db_read_pool_size: int = Field(
        10,
        description="Connections of each process's pool for the hottest reads (by id), "
        "beside `db_pool_size`'s; opened on first use.",
    )
    db_max_overflow: int = Field(
        0,
        description="Extra connections a pool may open under a burst (closed again when "
        "returned). 0: requests wait for one of the pool's; under load, opening and "
        "closing overflow connections (a server process each) halved the throughput.",
    )

    redis_url: str | None = Field(
        None, description="Rate-limit storage shared by gateway replicas (in memory when unset)."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Web origins allowed by CORS (JSON list)."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Addresses or networks (JSON list, e.g. `["10.0.0.5", "10.1.0.0/16"]`) '
        "of the reverse proxies in front of the gateway: only a connection from one of them "
        "may name the client in `X-Forwarded-For`. Empty: the client is the connection's peer.",
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, description="Largest request body (413 above).")
    max_import_body_bytes: int = Field(200 * 1024 * 1024, description="Largest body on /imports.")
    rate_limit_anonymous: str = Field("60/minute", description="Per IP, anonymous callers.")
    rate_limit_authenticated: str = Field("600/minute", description="Per client or user.")
    rate_limit_token: str = Field("10/minute", description="Token endpoint, per IP and username.")
    rate_limit_channel_webhooks: str = Field(
        "3000/minute",
        description="Per IP, channel platforms' webhooks (`/v1/channels/*/webhook`: Meta posts "
        "WhatsApp's from few addresses, each signed and checked by the service).",
    )
    password_hash_profile: Literal["owasp", "rfc9106-low-memory"] = Field(
        "owasp",
        description="Argon2id cost of new password hashes: `owasp` (19 MiB, 2 passes, 1 "
        "thread: the OWASP Password Storage Cheat Sheet's minimum, a few hundredths of a "
        "second a check, so a 2-CPU directory checks ~50 sign-ins a second) or "
        "`rfc9106-low-memory` (64 MiB, 3 passes, 4 threads: RFC 9106's second recommended "
        "option, about ten times the cost). A stored hash of the other profile is re-hashed "
        "at its next successful sign-in. `GOVHUB_ENVIRONMENT=test` uses the cheapest.",
    )
    password_hash_slots: int | None = Field(
        None,
        ge=1,
        description="Password hashes (Argon2id) the directory runs at once; unset: one per as "
        "many CPUs as a hash of the profile runs threads (`owasp`: one per CPU; "
        "`rfc9106-low-memory`: one per 4), at least one.",
    )
    password_hash_queue: int | None = Field(
        None,
        ge=0,
        description="Password checks that may wait for a free slot beyond those running; "
        "unset: as many as can start within `GOVHUB_PASSWORD_HASH_WAIT_SECONDS` at the "
        "recent pace of hashing (at most 64 per slot). Beyond it a sign-in answers 503 "
        "with `Retry-After` at once.",
    )
    password_hash_wait_seconds: float = Field(
        0.4,
        ge=0,
        description="Longest wait of a queued password check for a slot; then 503 with "
        "`Retry-After`.",
    )
    upstream_timeout_seconds: float = Field(30.0, description="Gateway → service timeout (504).")

    inquiries_survey_days: int = Field(
        14, description="Days after resolution during which the citizen may rate an inquiry."
    )
    inquiries_survey_url: str = Field(
        "https://govhub.example/track/{reference}?survey={inquiry_id}",
        description="The page where a citizen rates an inquiry, linked from the survey "
        "invitation; `{reference}` and `{inquiry_id}` are filled in.",
    )
    inquiries_reference_block: int = Field(
        16,
        ge=1,
        description="Reference numbers each inquiries process draws at a time (one round "
        "trip per block; a stopped process leaves the rest of its block unused).",
    )
    inquiries_intake_memory: bool = Field(
        True,
        description="Each inquiries process keeps the intake contexts it read (category, "
        "organization, channel, SLA policy, calendar) until the configuration changes; "
        "false reads them afresh for every intake (README, Benchmarks).",
    )
    outbox_max_attempts: int = Field(8, description="Deliveries tried before dead-letter.")
    outbox_backoff_seconds: float = Field(2.0, description="First retry delay; doubles each time.")
    worker_handler_modules: list[str] = Field(
        default_factory=list, description="Extra modules whose outbox handlers the worker runs."
    )
    worker_heartbeat_seconds: float = Field(
        30.0, description="A job whose worker stopped beating this long is picked up again."
    )
    webhook_allow_private_targets: bool | None = Field(
        None,
        description="Webhook targets on loopback, link-local or private addresses (and plain "
        "http in production) are refused unless true. Unset: true in development only.",
    )
    webhook_timeout_seconds: float = Field(10.0, description="One webhook delivery attempt.")
    webhook_ca_bundle: Path | None = Field(
        None,
        description="PEM file of the certificate authorities that webhook receivers' https "
        "certificates are checked against (a ministry's own PKI); unset: the public ones.",
    )
    webhook_max_attempts: int = Field(
        12, ge=1, description="Attempts of one webhook delivery before it is `dead`."
    )
    webhook_backoff_seconds: float = Field(
        5.0, description="First webhook retry delay; doubles each attempt (at most 6 hours)."
    )
    webhook_disable_after_seconds: float = Field(
        86400.0,
        description="A subscription whose deliveries have failed without a success for this "
        "long is disabled (event `webhook.disabled`).",
    )
    whatsapp_verify_token: str | None = Field(
        None, description="WhatsApp Cloud API: the verify token of the webhook handshake."
    )
    whatsapp_app_secret: str | None = Field(
        None, description="WhatsApp Cloud API: the app secret that signs `X-Hub-Signature-256`."
    )
    whatsapp_access_token: str | None = Field(
        None, description="WhatsApp Cloud API: the token that sends messages (Graph API)."
    )
    whatsapp_graph_url: str = Field(
        "https://graph.facebook.com/v21.0", description="Base URL of the Graph API."
    )
    whatsapp_template_name: str = Field(
        "govhub_notification",
        description="WhatsApp: the approved message template sent instead of free text when "
        "the citizen's last message is more than 24 hours old (Meta's customer-service "
        "window), unless the organization set its own for the notification; its body takes "
        "one parameter, the message.",
    )
    whatsapp_template_languages: dict[str, str] = Field(
        default_factory=lambda: {"ar": "ar", "en": "en"},
        description="WhatsApp: the template language code (JSON) for Arabic and English "
        'notifications, e.g. `{"ar": "ar", "en": "en_US"}`.',
    )
    whatsapp_media_max_bytes: int = Field(
        16 * 1024 * 1024,
        description="WhatsApp: the largest image, document or audio a citizen sends that is "
        "fetched into an attachment (larger ones are refused and noted).",
    )
    sms_gateway_url: str | None = Field(
        None,
        description="HTTP SMS gateway that texts citizens: POST JSON {to, from, text} with "
        "`GOVHUB_SMS_GATEWAY_TOKEN` as bearer. Unset: SMS notifications are only logged.",
    )
    sms_gateway_token: str | None = Field(None, description="Bearer token of the SMS gateway.")
    sms_sender_id: str = Field("GOVHUB", description="Sender name or number of the SMS.")
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail notifications. Unset: they are only logged."
    )
    smtp_port: int = Field(587, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP user (no login when unset).")
    smtp_password: str | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_from: str = Field("govhub@localhost", description="From address of e-mails to citizens.")
    attachments_storage: Literal["local", "s3"] = Field(
        "local",
        description="Where attachments live: `local` (files under the data dir) or `s3` "
        "(any S3-compatible object store, see the `attachments_s3_*` settings).",
    )
    attachments_s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint (e.g. http://127.0.0.1:9000); unset: AWS's."
    )
    attachments_s3_bucket: str = Field("govhub-attachments", description="S3 bucket.")
    attachments_s3_region: str = Field("us-east-1", description="S3 region.")
    attachments_s3_access_key_id: str | None = Field(None, description="S3 access key id.")
    attachments_s3_secret_access_key: str | None = Field(None, description="S3 secret access key.")
    attachments_s3_create_bucket: bool = Field(
        False, description="Create the bucket on start when it does not exist."
    )
    attachments_max_bytes_anonymous: int = Field(
        10 * 1024 * 1024, description="Largest upload of an anonymous citizen (413 above)."
    )
    attachments_max_bytes_staff: int = Field(
        50 * 1024 * 1024, description="Largest upload of staff and machine clients."
    )
    attachments_retention_hours: float = Field(
        24.0, description="An upload nothing references is deleted after this long."
    )
    attachments_chunk_bytes: int = Field(
        64 * 1024, ge=4096, description="Chunk size for reading and serving stored files."
    )
    attachments_clamd_url: str | None = Field(
        None,
        description="ClamAV daemon that scans every upload: `tcp://host:3310` or "
        "`unix:///run/clamav/clamd.ctl`. Unset: uploads are not scanned.",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(True, description="JSON log lines (request id in every line).")

    admin_password: str | None = Field(None, description="Password of the bootstrap `admin`.")
    demo_password: str = Field("Govhub-Demo-2026", description="Password of the demo staff.")
    demo_data: bool = Field(
        True,
        description="`govhub run` loads the demo inquiries (the demo organizations and staff "
        "come with the bootstrap); false skips them.",
    )
    gateway_header_timeout_seconds: float = Field(
        10.0, description="A client must send a request's whole head within this time."
    )
    gateway_keepalive_seconds: float = Field(
        5.0, description="An idle keep-alive connection to the gateway is closed after this."
    )
    gateway_transport: Literal["builtin", "aiohttp"] = Field(
        "builtin",
        description="How the gateway reaches the services: `builtin` (its own keep-alive "
        "HTTP/1.1 transport) or `aiohttp` (aiohttp's client).",
    )
    jwt_issuer: str = Field("govhub", description="`iss` of the tokens govhub signs.")
    jwt_audience: str = Field("govhub", description="`aud` of the tokens govhub signs.")
    jwt_ttl_seconds: int = Field(900, description="Lifetime of access tokens.")
    jwt_private_key: str | None = Field(
        None, description="PEM Ed25519 key that signs tokens; generated in the data dir if unset."
    )
    jwt_previous_public_keys: list[str] = Field(
        default_factory=list,
        description="During a key rotation: the PEM Ed25519 public keys of earlier signing keys, "
        "still accepted and published in the JWKS until their last token has expired.",
    )
    oidc_issuer: str | None = Field(None, description="External OpenID Connect issuer to trust.")
    oidc_audience: str | None = Field(None, description="Audience expected in its tokens.")
    oidc_jwks_url: str | None = Field(None, description="Where its signing keys are published.")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"{entry!r} is not an IP address or network") from exc
        return value

    @model_validator(mode="after")
    def _enough_replica_ports(self) -> GovhubSettings:
        for process, ports in self.replica_ports.items():
            wanted = self.gateways if process == "gateway" else self.replicas
            if len(ports) < wanted:
                raise ValueError(
                    f"replica_ports names {len(ports)} port(s) for {process}, "
                    f"{wanted} replica(s) wanted"
                )
        return self

    def ports_of(self, process: str) -> list[int]:
        """The ports of a service's replicas (`replicas` of them), or of the gateways."""
        gateway = process == "gateway"
        count = self.gateways if gateway else self.replicas
        explicit = self.replica_ports.get(process)
        if explicit:
            return list(explicit[:count])
        first = int(self.port if gateway else getattr(self, f"{process}_port"))
        step = 1 if gateway else 100
        return [first + step * index for index in range(count)]

    def service_urls(self, name: str) -> list[str]:
        """Base URLs of a service's replicas: `<name>_url` (a comma-separated list when
        several), else one per port of `ports_of`."""
        explicit: str | None = getattr(self, f"{name}_url")
        if explicit:
            urls = [url.strip().rstrip("/") for url in explicit.split(",") if url.strip()]
            if urls:
                return urls
        # a wildcard bind address is where we listen, not an address to call
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host  # noqa: S104
        return [f"http://{host}:{port}" for port in self.ports_of(name)]

    def service_url(self, name: str) -> str:
        """The base URL of a service's first replica."""
        return self.service_urls(name)[0]

    @property
    def webhook_private_targets_allowed(self) -> bool:
        if self.webhook_allow_private_targets is not None:
            return self.webhook_allow_private_targets
        return self.environment == "development"

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def attachments_body_limit(self) -> int:
        """Largest request body on `/v1/attachments`: the largest upload and its multipart
        framing (the per-caller limits are checked while the body streams in)."""
        largest = max(self.attachments_max_bytes_anonymous, self.attachments_max_bytes_staff)
        return largest + 64 * 1024


@lru_cache
def get_settings() -> GovhubSettings:
    return GovhubSettings()
