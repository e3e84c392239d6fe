"""A webhook receiver on loopback for the tests: a real HTTP server in a thread that records every
request and answers what the test scripts (`answers`: status and headers, one per request, then 200)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """The next requests are answered these statuses (with `headers`), then 200 again."""
        with self.changed:
            self.answers.extend((s, headers or {}) for s in statuses)

    def types(self) -> list[str]:
        return [r.event["type"] for r in self.received]

    def wait_for(self, count: int, *, seconds: float = 60) -> list[Received]:
        """Block until `count` requests have arrived (an AssertionError after `seconds`)."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.received) >= count, timeout=seconds):
                raise AssertionError(f"the receiver has {len(self.received)} requests, not {count}, after {seconds} s")
            return list(self.received)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender went away mid-request (a service killed): nothing was delivered
                self.close_connection = True
                return
            with receiver.changed:
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.changed.notify_all()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
