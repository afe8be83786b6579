"""`govhub` — the command line of the hub."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from services.common.settings import SERVICE_NAMES, get_settings

app = typer.Typer(help="govhub — the unified government communication hub.", no_args_is_help=True)


@app.command()
def run(
    replicas: Annotated[
        int | None,
        typer.Option(min=1, help="Processes of each service and workers (GOVHUB_REPLICAS)."),
    ] = None,
    gateways: Annotated[
        int | None,
        typer.Option(min=1, help="Gateway processes, on GOVHUB_PORT, +1, … (GOVHUB_GATEWAYS)."),
    ] = None,
) -> None:
    """Start everything: database, migrations, services, worker and gateway."""
    from govhub.supervisor import run as run_all

    settings = get_settings()
    chosen = {"replicas": replicas, "gateways": gateways}
    overrides = {name: value for name, value in chosen.items() if value is not None}
    if overrides:
        # validated again, like the environment (the replica ports must be enough)
        try:
            settings = type(settings).model_validate(settings.model_dump() | overrides)
        except ValidationError as exc:
            typer.echo("; ".join(str(error["msg"]) for error in exc.errors()), err=True)
            raise typer.Exit(2) from exc
    raise typer.Exit(run_all(settings))


@app.command()
def migrate(revision: str = "head") -> None:
    """Apply the migrations to the configured (or embedded) database."""
    from services.common.db import resolve_database_url
    from services.common.migrate import upgrade

    upgrade(resolve_database_url(get_settings()), revision)
    typer.echo(f"database at {revision}")


@app.command()
def bootstrap() -> None:
    """Create the `admin` sector administrator if missing (no demo data): the one-shot job
    after `govhub migrate` in a deployment (compose, Kubernetes)."""
    from services.common.db import resolve_database_url
    from services.directory.bootstrap import run_bootstrap

    settings = get_settings()
    password = asyncio.run(run_bootstrap(resolve_database_url(settings), settings, demo=False))
    typer.echo("admin created" if password else "admin present")


@app.command()
def serve(
    process: Annotated[
        str, typer.Argument(help="gateway, or a service: " + ", ".join(SERVICE_NAMES))
    ],
    port: Annotated[int | None, typer.Option(help="Default: the process's port setting.")] = None,
) -> None:
    """Run one process in the foreground (one container, one process): a service or the
    gateway, on `GOVHUB_HOST`. SIGTERM drains in-flight requests, then exits."""
    import os

    from govhub.supervisor import uvicorn_argv

    settings = get_settings()
    if process == "gateway":
        # as the supervisor starts it: gateway/server.py (a deadline on request heads),
        # without proxy headers (the gateway decides whom to believe, GOVHUB_TRUSTED_PROXIES)
        gateway_port = str(port or settings.port)
        argv = [sys.executable, "-m", "gateway.server", "--host", settings.host]
        argv += ["--port", gateway_port, "--no-proxy-headers"]
    elif process in SERVICE_NAMES:
        own_port = port or int(getattr(settings, f"{process}_port"))
        argv = uvicorn_argv(f"services.{process}.app:create_app", settings.host, own_port)
    else:
        typer.echo(f"unknown process {process!r}: gateway, {', '.join(SERVICE_NAMES)}", err=True)
        raise typer.Exit(2)
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter and arguments


@app.command()
def worker() -> None:
    """Run one worker (outbox delivery and periodic jobs)."""
    from govhub.worker import main

    main()


@app.command()
def demo() -> None:
    """Load the demo organizations, staff, channels and inquiries (idempotent)."""
    from govhub.demo import load_all_demo
    from services.common.db import resolve_database_url
    from services.directory.bootstrap import run_bootstrap

    settings = get_settings()
    if settings.environment == "production":
        typer.echo("The demo data is never loaded in production (GOVHUB_ENVIRONMENT).", err=True)
        raise typer.Exit(2)
    database_url = resolve_database_url(settings)
    password = asyncio.run(run_bootstrap(database_url, settings, demo=True))
    if password:
        typer.echo(f"admin password: {password}")
    loaded = asyncio.run(load_all_demo(database_url, settings))
    typer.echo("demo data loaded" + "".join(f", {n} new {name}" for name, n in loaded.items()))


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="inquiries, entries, initiatives or kpi_values.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option(help="Validate and count only.")] = False,
    source: Annotated[
        str | None, typer.Option(help="external_source of rows that name none.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="CSV charset when not detected (windows-1256).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="The gateway (default http://127.0.0.1:GOVHUB_PORT).")
    ] = None,
    token: Annotated[str | None, typer.Option(envvar="GOVHUB_TOKEN", help="Bearer token.")] = None,
    client_id: Annotated[str | None, typer.Option(envvar="GOVHUB_CLIENT_ID")] = None,
    client_secret: Annotated[str | None, typer.Option(envvar="GOVHUB_CLIENT_SECRET")] = None,
    username: Annotated[str | None, typer.Option(envvar="GOVHUB_USERNAME")] = None,
    password: Annotated[str | None, typer.Option(envvar="GOVHUB_PASSWORD")] = None,
    language: Annotated[str, typer.Option(help="Language of the reasons: ar or en.")] = "ar",
) -> None:
    """Import a file into a running hub, with a progress bar (exit 2 when rows were
    rejected, 1 when the job failed)."""
    from govhub.importer import KINDS, Credentials, ImportFailed, run_import

    if kind not in KINDS:
        raise typer.BadParameter(f"one of {', '.join(KINDS)}", param_hint="KIND")
    settings = get_settings()
    credentials = Credentials(token, client_id, client_secret, username, password)
    try:
        code = run_import(
            url or f"http://127.0.0.1:{settings.port}",
            kind,
            file,
            credentials,
            dry_run=dry_run,
            source=source,
            encoding=encoding,
            language=language,
        )
    except ImportFailed as exc:
        typer.echo(f"govhub import: {exc}", err=True)
        raise typer.Exit(1) from exc
    raise typer.Exit(code)


def merged_openapi() -> dict[str, Any]:
    import importlib

    from gateway.openapi import build_merged_openapi

    settings = get_settings()
    apps = {
        name: importlib.import_module(f"services.{name}.app").create_app(settings)
        for name in SERVICE_NAMES
    }
    return build_merged_openapi(apps)


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@app.command()
def openapi(
    write: Annotated[Path | None, typer.Option(help="Write the merged spec to this file.")] = None,
    check: Annotated[
        Path | None, typer.Option(help="Fail when this file differs from the served spec.")
    ] = None,
) -> None:
    """Print, write or check the merged OpenAPI document the gateway serves."""
    text = render(merged_openapi())
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {write}")
    elif check is not None:
        current = check.read_text(encoding="utf-8") if check.exists() else ""
        if current != text:
            typer.echo(
                f"{check} is out of date with the code: run `make openapi` and commit it.",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"{check} matches the code")
    else:
        sys.stdout.write(text)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
