"""`govhub import KIND FILE`: uploads a file to a running hub (through the gateway), then
follows the job with a progress bar until it ends.

The upload is streamed from disk. Sign-in: `--token` (or `GOVHUB_TOKEN`), a machine
client's `--client-id`/`--client-secret` (`GOVHUB_CLIENT_ID`, `GOVHUB_CLIENT_SECRET`), or a
staff member's `--username`/`--password` (`GOVHUB_USERNAME`, `GOVHUB_PASSWORD`). Exit code
0 when every row was imported, 2 when rows were rejected (their CSV is saved beside the
file), 1 when the job failed or was cancelled, or the hub refused the upload.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

# the kind as typed on the command line → (service path, kind parameter)
KINDS = {
    "inquiries": ("/v1/inquiries/imports", "inquiries"),
    "entries": ("/v1/calendar/imports", "entries"),
    "initiatives": ("/v1/campaigns/imports", "initiatives"),
    "kpi-values": ("/v1/campaigns/imports", "kpi_values"),
    "kpi_values": ("/v1/campaigns/imports", "kpi_values"),
}
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ics": "text/calendar",
}
CHUNK = 256 * 1024
FINAL = ("succeeded", "failed", "cancelled")


class ImportFailed(Exception):
    pass


@dataclass
class Credentials:
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None


def sign_in(http: httpx.Client, credentials: Credentials) -> dict[str, str]:
    if credentials.token:
        return {"Authorization": f"Bearer {credentials.token}"}
    if credentials.client_id and credentials.client_secret:
        form = {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        }
    elif credentials.username and credentials.password:
        form = {
            "grant_type": "password",
            "username": credentials.username,
            "password": credentials.password,
        }
    else:
        raise ImportFailed(
            "sign in with --token, --client-id/--client-secret or --username/--password"
        )
    response = http.post("/v1/auth/token", data=form)
    if response.status_code != 200:
        raise ImportFailed(f"sign-in refused: {_problem(response)}")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") or body.get("title") or ""
    errors = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors", []))
    return f"HTTP {response.status_code} {detail} {errors}".strip()


def media_type_of(path: Path, encoding: str | None) -> str:
    media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    if encoding and media_type == "text/csv":
        media_type += f"; charset={encoding}"
    return media_type


def _chunks(path: Path, progress: Progress, task: Any) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            progress.advance(task, len(chunk))
            yield chunk


def run_import(
    base_url: str,
    kind: str,
    path: Path,
    credentials: Credentials,
    *,
    dry_run: bool = False,
    source: str | None = None,
    encoding: str | None = None,
    language: str = "ar",
    poll_seconds: float = 0.5,
    console: Console | None = None,
) -> int:
    """Runs the whole import; returns the exit code."""
    console = console or Console(stderr=True)
    prefix, kind_parameter = KINDS[kind]
    size = path.stat().st_size
    params: dict[str, Any] = {"kind": kind_parameter, "filename": path.name}
    if dry_run:
        params["dry_run"] = "true"
    if source:
        params["source"] = source
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        headers = sign_in(http, credentials) | {"Accept-Language": language}
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
        )
        with Progress(
            *columns, DownloadColumn(), TransferSpeedColumn(), console=console, transient=True
        ) as progress:
            task = progress.add_task(f"uploading {path.name}", total=size)
            response = http.post(
                prefix,
                params=params,
                content=_chunks(path, progress, task),
                headers=headers
                | {"Content-Type": media_type_of(path, encoding), "Content-Length": str(size)},
            )
        if response.status_code != 202:
            raise ImportFailed(f"upload refused: {_problem(response)}")
        job = response.json()
        location = response.headers.get("location", f"{prefix}/{job['id']}")
        console.print(f"job {job['id']} queued ({job['format']}, {size} bytes)")
        with Progress(
            *columns,
            TextColumn("{task.fields[rows]} rows · {task.fields[rate]}/s"),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"importing {kind}", total=1.0, rows=0, rate="–")
            while job["state"] not in FINAL:
                time.sleep(poll_seconds)
                polled = http.get(location, headers=headers)
                if polled.status_code != 200:
                    raise ImportFailed(f"job lost: {_problem(polled)}")
                job = polled.json()
                rate = job.get("rows_per_second")
                progress.update(
                    task,
                    completed=job["progress"],
                    rows=job["rows_seen"],
                    rate=f"{rate:,.0f}" if rate else "–",
                )
        return _summary(http, headers, job, path, console)


def _summary(
    http: httpx.Client, headers: dict[str, str], job: dict[str, Any], path: Path, console: Console
) -> int:
    rate = job.get("rows_per_second")
    console.print(
        f"{job['state']}{' (dry run)' if job['dry_run'] else ''}: "
        f"{job['rows_seen']} rows, {job['rows_imported']} imported, "
        f"{job['rows_updated']} updated, {job['rows_unchanged']} unchanged, "
        f"{job['rows_rejected']} rejected" + (f" · {rate:,.0f} rows/s" if rate else "")
    )
    if job["state"] == "failed":
        console.print(f"[red]failed:[/red] {job.get('error')}")
        return 1
    if job["state"] == "cancelled":
        return 1
    if job["rows_rejected"]:
        saved = path.with_name(path.name + ".errors.csv")
        with saved.open("wb") as out, http.stream("GET", job["errors_url"], headers=headers) as r:
            for chunk in r.iter_bytes():
                out.write(chunk)
        console.print(f"rejected rows: {saved} (also at {job['errors_url']})")
        return 2
    return 0
