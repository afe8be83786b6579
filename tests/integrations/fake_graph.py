"""A stand-in for the WhatsApp Graph API on loopback: records what is sent to
`POST /{phone-number-id}/messages` and answers as the Cloud API does; serves media as the
Cloud API does (`GET /{media-id}` → a URL, `GET` of that URL with the token → the bytes)."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Sent:
    path: str
    authorization: str | None
    body: dict[str, Any]


@dataclass
class Media:
    content: bytes
    mime_type: str
    # what the media object says (Meta's `sha256`, `file_size`); None: the true values
    sha256: str | None = None
    file_size: int | None = None


@dataclass
class FakeGraph:
    status: int = 200
    token: str = "EAAG-test-token"  # the access token it accepts for media
    # answer a free-form (text) message as Meta does outside the 24-hour window
    refuse_text: bool = False
    sent: list[Sent] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    fetched: list[tuple[str, str | None]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/v21.0"

    def start(self) -> FakeGraph:
        graph = self
        counter = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _json(self, status: int, answer: dict[str, Any]) -> None:
                self._answer(status, json.dumps(answer).encode(), "application/json")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                body = json.loads(raw)
                graph.sent.append(Sent(self.path, self.headers.get("authorization"), body))
                if graph.refuse_text and body.get("type") == "text":
                    self._json(
                        400,
                        {
                            "error": {
                                "message": "(#131047) Re-engagement message",
                                "type": "OAuthException",
                                "code": 131047,
                            }
                        },
                    )
                elif graph.status == 200:
                    self._json(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "contacts": [{"input": "x", "wa_id": "x"}],
                            "messages": [{"id": f"wamid.OUT{next(counter)}"}],
                        },
                    )
                else:
                    self._json(graph.status, {"error": {"message": "Unavailable", "code": 2}})

            def do_GET(self) -> None:
                authorization = self.headers.get("authorization")
                graph.fetched.append((self.path, authorization))
                if authorization != f"Bearer {graph.token}":
                    self._json(401, {"error": {"message": "Invalid OAuth token", "code": 190}})
                    return
                parts = self.path.strip("/").split("/")
                if len(parts) == 2 and parts[0] == "v21.0" and parts[1] in graph.media:
                    media = graph.media[parts[1]]
                    self._json(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "url": f"{graph.base}/download/{parts[1]}?ext=1",
                            "mime_type": media.mime_type,
                            "sha256": media.sha256 or hashlib.sha256(media.content).hexdigest(),
                            "file_size": media.file_size or len(media.content),
                            "id": parts[1],
                        },
                    )
                elif len(parts) == 2 and parts[0] == "download":
                    media_id = parts[1].split("?")[0]
                    if media_id in graph.media:
                        media = graph.media[media_id]
                        self._answer(200, media.content, media.mime_type)
                        return
                    self._json(404, {"error": {"message": "not found", "code": 100}})
                else:
                    self._json(404, {"error": {"message": "not found", "code": 100}})

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
