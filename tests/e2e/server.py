"""A loopback-only HTTP server that misbehaves on purpose, for the real-browser suite.

Every file is registered with a `Behaviour` before the browser asks for it. The server
serves deterministic bodies (so the bytes on disk can be compared), honours or abuses
Range, answers error statuses, cuts bodies, lies about Content-Length, trickles, and
records every request it got per path (method, Range header, status, bytes sent).

It listens on 127.0.0.1 on an ephemeral port in a daemon thread; nothing else is reached.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EVERY_TIME = 1_000_000  # a count that never runs out


def body_bytes(name: str, size: int) -> bytes:
    """The deterministic body of file `name`: SHA-256 blocks of the name and a counter."""
    seed = name.encode()
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


@dataclass
class Behaviour:
    """How the server answers the requests for one path.

    Counters are per path and count every request (with or without Range).
    """

    size: int = 256 * 1024
    #: Answer these statuses, in order, to the first requests; then serve normally.
    statuses: list[int] = field(default_factory=list)
    #: Answer this status to every request (a server that never recovers).
    status_always: int | None = None
    #: Cut the body of the first `cut_times` bodies served (EVERY_TIME for all).
    cut_times: int = 0
    #: Where to cut, as a fraction of the part being served.
    cut_fraction: float = 0.5
    #: Or cut each body after this many bytes (a flaky mirror that drops every N bytes).
    cut_bytes: int | None = None
    #: After the first `cut_times` requests, answer this status to every request (an
    #: expired signed link: the first response is cut, the resume is refused).
    then_status: int | None = None
    #: "honour" (206), "ignore" (200 with the full body) or "416".
    range_mode: str = "honour"
    #: Declare this many more bytes in Content-Length than are sent, then close.
    extra_length: int = 0
    #: Send the body with chunked transfer encoding and no Content-Length.
    chunked: bool = False
    #: Trickle: send `trickle_chunk` bytes every `trickle_interval` seconds ...
    trickle_chunk: int = 0
    trickle_interval: float = 0.0
    #: ... for the first `trickle_times` bodies only.
    trickle_times: int = EVERY_TIME
    #: Send ETag and Last-Modified (Chrome restarts instead of resuming without them).
    validators: bool = True
    #: Filename offered in Content-Disposition (default: the last path segment).
    filename: str | None = None
    #: Hold each cut body (before its first byte) until every path sharing this barrier
    #: has been asked for, so that the cuts happen at once.
    gate: threading.Barrier | None = None
    #: Send `Retry-After: <this>` with every error status (delta-seconds as an int, or the
    #: header's text as given, e.g. an HTTP-date).
    retry_after: int | str | None = None


@dataclass
class Request:
    method: str
    range: str | None
    status: int
    sent: int  # body bytes written before the response ended
    cut: bool
    at: float


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.behaviours: dict[str, Behaviour] = {}
        self.requests: dict[str, list[Request]] = {}
        self.bodies_served: dict[str, int] = {}
        self.started: dict[str, int] = {}
        self.progress: dict[str, int] = {}
        #: Bodies still being sent (a stall keeps one here), each until it is recorded.
        self.running: dict[str, list[Request]] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    _live: Request | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the records are the log

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # -- pages -------------------------------------------------------------------------

    def _page(self, query: dict[str, list[str]]) -> None:
        """A page that clicks one `<a download>` link per `href` (a download by request)."""
        links = "\n".join(
            f'<a class="dl" href="{html.escape(h)}" download>{html.escape(h)}</a><br>'
            for h in query.get("href", [])
        )
        doc = (
            "<!doctype html><meta charset=utf-8><title>dlrescue e2e</title>\n"
            f"{links}\n<script>for (const a of document.querySelectorAll('a.dl')) a.click();"
            "document.title = 'clicked';</script>\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(doc)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(doc)

    # -- files -------------------------------------------------------------------------

    def _serve(self, head: bool) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/click":
            self._page(urllib.parse.parse_qs(parsed.query))
            return
        if parsed.path == "/blank":
            self._plain(200, b"<!doctype html><title>blank</title>", "text/html")
            return
        state = self.server.state
        path = parsed.path
        with state.lock:
            b = state.behaviours.get(path)
            # numbered when they arrive: a body still being sent (a stall) counts already
            index = state.started.get(path, 0)
            state.started[path] = index + 1
        rng = self.headers.get("Range")
        if b is None:
            self._record(path, rng, 404, 0, False)
            self._plain(404, b"not registered", "text/plain")
            return
        # Error statuses first.
        status = None
        if b.status_always is not None:
            status = b.status_always
        elif index < len(b.statuses):
            status = b.statuses[index]
        elif b.then_status is not None and index >= b.cut_times:
            status = b.then_status
        if status is not None:
            self._record(path, rng, status, 0, False)
            extra = {} if b.retry_after is None else {"Retry-After": str(b.retry_after)}
            self._plain(status, f"status {status}".encode(), "text/plain", extra)
            return
        body = body_bytes(path, b.size)
        start = 0
        partial = False
        if rng and b.range_mode != "ignore":
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if b.range_mode == "416" or m is None or int(m.group(1)) >= b.size:
                self._record(path, rng, 416, 0, False)
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{b.size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = int(m.group(1))
            partial = True
        part = body[start:]
        with state.lock:
            served = state.bodies_served.get(path, 0)
            state.bodies_served[path] = served + 1
        cut = index < b.cut_times
        trickle = b.trickle_chunk > 0 and index < b.trickle_times
        status = 206 if partial else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        name = b.filename or path.rsplit("/", 1)[-1]
        self.send_header("Content-Disposition", f'attachment; filename="{name}"')
        self.send_header("Accept-Ranges", "bytes")
        if b.validators:
            self.send_header("ETag", f'"{hashlib.sha1(body).hexdigest()}"')
            self.send_header("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
        if partial:
            self.send_header("Content-Range", f"bytes {start}-{b.size - 1}/{b.size}")
        if b.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(part) + b.extra_length))
        if cut or b.extra_length:
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            self._record(path, rng, status, 0, False)
            return
        live = self._live = Request(self.command, rng, status, 0, cut, time.monotonic())
        with state.lock:
            state.running.setdefault(path, []).append(live)
        if cut and b.gate is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                b.gate.wait(timeout=20)
        if not cut:
            limit = len(part)
        elif b.cut_bytes is not None:
            limit = min(len(part) - 1, b.cut_bytes)
        else:
            limit = int(len(part) * b.cut_fraction)
        sent = 0
        try:
            while sent < limit:
                step = b.trickle_chunk if trickle else 64 * 1024
                piece = part[sent : min(limit, sent + step)]
                if b.chunked:
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
                live.sent = sent
                self._progress(path, start + sent)
                if trickle and sent < limit:
                    time.sleep(b.trickle_interval)
            if b.chunked and not cut:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            self._record(path, rng, status, sent, True)
            self.close_connection = True
            return
        self._record(path, rng, status, sent, cut or bool(b.extra_length))
        if cut:
            self.server.owner.outage_now()
        if cut or b.extra_length:
            self._drop()

    def _drop(self) -> None:
        """End the connection abruptly, as a dying server would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _plain(
        self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _record(self, path: str, rng: str | None, status: int, sent: int, cut: bool) -> None:
        st = self.server.state
        with st.lock:
            if self._live is not None:
                for bodies in st.running.values():
                    bodies[:] = [r for r in bodies if r is not self._live]
                self._live = None
            st.requests.setdefault(path, []).append(
                Request(self.command, rng, status, sent, cut, time.monotonic())
            )

    def _progress(self, path: str, offset: int) -> None:
        st = self.server.state
        with st.lock:
            st.progress[path] = max(st.progress.get(path, 0), offset)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State
    owner: MisbehavingServer

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.owner._open_lock:
            self.owner._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.owner._open_lock:
            self.owner._open.discard(request)
        super().shutdown_request(request)


class MisbehavingServer:
    """The test server: `add()` a behaviour, give the browser `url()`, read `requests()`."""

    def __init__(self) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = _State()
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._extra: dict[int, tuple[_Server, threading.Thread]] = {}
        self._outage_lock = threading.Lock()
        self._outage_armed: float | None = None
        self._outage_drops = False
        self._outage_started = threading.Event()
        self._down_until = 0.0
        #: Each outage as (start, end) in time.monotonic(), the end once it served again.
        self.outages: list[tuple[float, float | None]] = []
        self._open_lock = threading.Lock()
        self._open: set[socket.socket] = set()  # accepted connections not yet closed

    @property
    def port(self) -> int:
        return self.port_number

    @functools.cached_property
    def port_number(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MisbehavingServer:
        self.port_number  # noqa: B018 (fixed before any outage replaces the listener)
        self._thread.start()
        return self

    def stop(self) -> None:
        for httpd, _ in [(self._httpd, self._thread), *self._extra.values()]:
            httpd.shutdown()
            httpd.server_close()

    # -- outages -----------------------------------------------------------------------

    def outage_on_next_cut(self, seconds: float, *, drop_connections: bool = False) -> None:
        """At the next cut of any body, every address stops listening for `seconds`
        (connections are refused, as when a network drops), then serves again. The cut
        body is dropped only once nothing listens, so a browser's immediate retry is
        refused too. `drop_connections`: every open connection is dropped as well (bodies
        being sent, and idle keep-alive ones a browser would reuse for its retry)."""
        with self._outage_lock:
            self._outage_armed = seconds
            self._outage_drops = drop_connections
            self._outage_started.clear()

    def outage_now(self) -> None:
        """Called by a handler at a cut: start the armed outage (once), or wait for it."""
        starting = False
        with self._outage_lock:
            seconds, self._outage_armed = self._outage_armed, None
            if seconds is not None:
                self._down_until = time.monotonic() + seconds
                self.outages.append((time.monotonic(), None))
            elif self._down_until:
                starting = not self._outage_started.is_set()
        if seconds is None:
            if self._down_until and starting:
                self._outage_started.wait(5)
            return
        ports = [(self._httpd, "127.0.0.1", 0)] + [
            (h, f"127.0.0.{n}", n) for n, (h, _) in self._extra.items()
        ]
        for httpd, _, _ in ports:
            httpd.shutdown()
            httpd.server_close()
        if self._outage_drops:
            with self._open_lock:
                open_now = list(self._open)
            for conn in open_now:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._outage_started.set()
        threading.Timer(seconds, self._serve_again, args=([(a, n) for _, a, n in ports],)).start()

    def _serve_again(self, addresses: list[tuple[str, int]]) -> None:
        for address, n in addresses:
            httpd = _Server((address, self.port_number), _Handler)
            httpd.state = self._httpd.state
            httpd.owner = self
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()
            if n == 0:
                self._httpd, self._thread = httpd, thread
            else:
                self._extra[n] = (httpd, thread)
        self._down_until = 0.0
        with self._outage_lock:
            self.outages[-1] = (self.outages[-1][0], time.monotonic())

    def host(self, n: int) -> str:
        """The origin of loopback address 127.0.0.n (same port, same files). A browser opens
        at most 6 connections per host, so twenty downloads at once need several hosts."""
        assert 1 <= n <= 250
        if n > 1 and n not in self._extra:
            httpd = _Server((f"127.0.0.{n}", self.port), _Handler)
            httpd.state = self._httpd.state
            httpd.owner = self
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()
            self._extra[n] = (httpd, thread)
        return f"http://127.0.0.{n}:{self.port}"

    def add(self, path: str, behaviour: Behaviour | None = None) -> str:
        """Register `path` (it must start with '/') and return its absolute URL."""
        assert path.startswith("/") and path not in ("/click", "/blank")
        with self._httpd.state.lock:
            self._httpd.state.behaviours[path] = behaviour or Behaviour()
        return self.url(path)

    def url(self, path: str, host: int = 1) -> str:
        return self.host(host) + path

    def click_page(self, *paths: str, origin: str | None = None) -> str:
        """The URL of a page that requests each path as a download, by clicking a link with
        the `download` attribute (honoured for same-origin links only: the page is served
        from `origin`, the links' own)."""
        q = urllib.parse.urlencode([("href", p) for p in paths])
        return f"{origin or self.origin}/click?{q}"

    def body(self, path: str) -> bytes:
        with self._httpd.state.lock:
            size = self._httpd.state.behaviours[path].size
        return body_bytes(path, size)

    def requests(self, path: str) -> list[Request]:
        with self._httpd.state.lock:
            return list(self._httpd.state.requests.get(path, []))

    def running(self, path: str) -> list[Request]:
        """Requests for `path` whose body is still being sent (a stalled one sleeps in the
        server): they join `requests()` only when they end; `sent` is what was written."""
        with self._httpd.state.lock:
            return [replace(r) for r in self._httpd.state.running.get(path, [])]

    def count(self, path: str) -> int:
        return len(self.requests(path))

    def progress(self, path: str) -> int:
        """The highest body offset sent for `path` so far."""
        with self._httpd.state.lock:
            return self._httpd.state.progress.get(path, 0)

    def sent(self, path: str) -> int:
        """Body bytes sent for `path`, all requests together."""
        return sum(r.sent for r in self.requests(path))

    def describe(self, path: str) -> str:
        """One line per request, for assertion messages."""
        return "; ".join(
            f"{r.method} range={r.range} -> {r.status} sent={r.sent}{' CUT' if r.cut else ''}"
            for r in self.requests(path)
        )
