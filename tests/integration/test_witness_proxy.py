"""Witness requests go through the proxy the environment names, as urllib
sent them: http requests as absolute URLs, https through a CONNECT tunnel,
with the proxy's credentials."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import pytest

from ledger.witnessing.client import latest_cosigned
from ledger.witnessing.exchange import WitnessError


class Proxy(http.server.BaseHTTPRequestHandler):
    """Keeps each request line and Proxy-Authorization; answers 404 to a
    request and 502 to a CONNECT."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.requestline, self.headers["Proxy-Authorization"]))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_CONNECT(self) -> None:
        self.seen.append((self.requestline, self.headers["Proxy-Authorization"]))
        self.send_response(502)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str | None]]]:
    """A proxy on 127.0.0.1 the environment names for http and https; the
    requests it saw."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "no_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    where = f"http://user:p%40ss@127.0.0.1:{server.server_port}"
    monkeypatch.setenv("http_proxy", where)
    monkeypatch.setenv("https_proxy", where)
    Proxy.seen = []
    try:
        yield Proxy.seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_witness_is_asked_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed = hashlib.sha256(b"plaint/x").hexdigest()
    with proxy(monkeypatch) as seen:
        assert latest_cosigned("http://witness.invalid:8010", "plaint/x", 2) is None
        with pytest.raises(WitnessError, match=r"^Tunnel connection failed: 502"):
            latest_cosigned("https://witness.invalid", "plaint/x", 2)
    authorization = "Basic dXNlcjpwQHNz"  # user:p@ss
    assert seen == [
        (
            f"GET http://witness.invalid:8010/{hashed}/checkpoint HTTP/1.1",
            authorization,
        ),
        ("CONNECT witness.invalid:443 HTTP/1.0", authorization),
    ]
