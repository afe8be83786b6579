"""A stand-in for the WhatsApp Graph API on loopback: records what is sent to
`POST /{phone-number-id}/messages` and answers as the Cloud API does."""

from __future__ import annotations

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
class FakeGraph:
    status: int = 200
    sent: list[Sent] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v21.0"

    def start(self) -> FakeGraph:
        graph = self
        counter = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                graph.sent.append(
                    Sent(self.path, self.headers.get("authorization"), json.loads(raw))
                )
                if graph.status == 200:
                    answer: dict[str, Any] = {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": "x", "wa_id": "x"}],
                        "messages": [{"id": f"wamid.OUT{next(counter)}"}],
                    }
                else:
                    answer = {"error": {"message": "Service unavailable", "code": 2}}
                payload = json.dumps(answer).encode()
                self.send_response(graph.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
