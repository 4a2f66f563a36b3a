"""One HTTP request to a witness, bounded as a whole: connecting, sending,
and reading the status, the headers and the answer all end by one
deadline. A socket's own timeout bounds each read, so a server that sends
a byte a second keeps it waiting forever; here the request runs in a
daemon thread the caller waits on until the deadline, and a watchdog then
shuts its socket down, which ends the thread's blocked read too.

Only http and https: whoever can write the database can change a witness's
address, and no other scheme (file:, ftp:) is ever opened. Through the
proxy the environment names (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as urllib
does; never following a redirect."""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import threading
import urllib.request
from urllib.parse import SplitResult, unquote, urlsplit

# The most of an answer that is read: a witness answers a few lines.
LIMIT = 65536


class WitnessError(Exception):
    """A witness could not be asked: bad address, unreachable, too slow, or
    an answer that is not HTTP. Its text is one sentence for a warning."""


class BadAnswer(WitnessError):
    """A witness answered, but not with what was asked for."""


class _Request:
    """The connection of one request, and whether its caller gave up."""

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self.abandoned = False
        self.answer: tuple[int, bytes] | None = None
        self.error: BaseException | None = None

    def run(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> None:
        try:
            self.connection.connect()
            with self.lock:
                if self.abandoned:
                    return
            if body is not None:
                headers = {**headers, "Content-Type": "text/plain"}
            self.connection.request(method, target, body=body, headers=headers)
            response = self.connection.getresponse()
            self.answer = (int(response.status), response.read(LIMIT))
        except BaseException as error:
            self.error = error
        finally:
            self.connection.close()

    def abandon(self) -> None:
        """Give up: wake the thread from any blocked read, and close."""
        with self.lock:
            self.abandoned = True
            sock = self.connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def exchange(
    method: str, url: str, body: bytes | None, timeout: float
) -> tuple[int, bytes]:
    """The status and (the first LIMIT bytes of) the answer of one `method`
    request to `url`, all within `timeout` seconds; WitnessError if not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WitnessError(f"{url!r} is not an http or https URL")
    if timeout <= 0:
        raise WitnessError("no time was left to ask it")
    try:
        connection, target, headers = _connection(parts, timeout)
    except ValueError:
        raise WitnessError(f"{url!r} or its proxy has a bad port") from None
    request = _Request(connection)
    thread = threading.Thread(
        target=request.run, args=(method, target, body, headers), daemon=True,
        name="plaint-witness-request",
    )  # fmt: skip
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        request.abandon()
        raise WitnessError(f"it did not answer within {seconds(timeout)}")
    if request.answer is not None:
        return request.answer
    error = request.error
    if isinstance(error, OSError):
        raise WitnessError(str(error) or type(error).__name__) from None
    if isinstance(error, http.client.HTTPException):
        raise WitnessError(f"its answer is not HTTP ({type(error).__name__})") from None
    raise WitnessError(f"asking it failed ({type(error).__name__}: {error})") from None


def _connection(
    parts: SplitResult, timeout: float
) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """The connection for the URL `parts`, the request target and the
    headers that go with it: straight to the host, or through the http
    proxy the environment names for its scheme (HTTPS through a tunnel)."""
    host = str(parts.hostname)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    secure = parts.scheme == "https"
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        return kind(host, parts.port, timeout=timeout), target, {}
    via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if via.scheme != "http" or not via.hostname:
        raise WitnessError(f"the proxy {proxy!r} is not an http:// proxy")
    headers = {}
    if via.username is not None:
        secret = f"{unquote(via.username)}:{unquote(via.password or '')}"
        credentials = base64.b64encode(secret.encode()).decode()
        headers["Proxy-Authorization"] = f"Basic {credentials}"
    if not secure:
        connection = http.client.HTTPConnection(via.hostname, via.port, timeout=timeout)
        return connection, parts.geturl(), headers
    tunnel = http.client.HTTPSConnection(via.hostname, via.port, timeout=timeout)
    tunnel.set_tunnel(host, parts.port, headers)
    return tunnel, target, {}


def seconds(timeout: float) -> str:
    """`timeout` as words: "5 seconds", "1 second", "0.5 seconds"."""
    number = f"{timeout:.2g}"
    return f"{number} second" + ("" if number == "1" else "s")
