"""The native-messaging host: read a frame, validate, decide, record, reply.

A reader thread turns stdin into frames; the main thread takes every frame that is waiting,
handles the writes among them in one transaction (group commit), and writes their replies
only after the commit. Replies leave in request order. stdout carries frames and nothing
else: at start-up the real stdout is kept for frames and fd 1 is pointed at stderr, so a
stray print (ours or a library's) cannot corrupt the stream.

Exit status: 0 at end of input between frames, 1 when input ends inside a frame, 3 when the
caller is an extension that is not allowed to use this host.
"""

from __future__ import annotations

import json
import os
import queue
import random
import sys
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from . import CHROME_EXTENSION_ID, GECKO_ID, PROTOCOL, __version__, cache, framing, parser, paths
from ._startup import without_gc, without_pydantic_plugins
from .errors import HostError
from .log import Log
from .parser import parse, rid_of
from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from .policy import Interruption

#: At most this many waiting frames are committed together.
MAX_BATCH = 256
#: Frames read ahead of the batch being handled. Memory for frames is bounded by
#: (MAX_QUEUE + MAX_BATCH + 1) x 1 MiB at worst: the queue, the batch, the frame being read.
MAX_QUEUE = 64

_EOF = object()


class Caller(Record):
    """Who launched the host, from its argv (lenient: sandboxes may pass nothing)."""

    browser: str | None = None
    origin: str | None = None
    addon_id: str | None = None


def identify(argv: Sequence[str]) -> Caller:
    """Chrome passes `chrome-extension://ID/` (and `--parent-window=N` on Windows); Firefox
    passes the manifest path and the add-on id; a Flatpak or Snap portal may pass nothing."""
    origin = next((a for a in argv if a.startswith("chrome-extension://")), None)
    if origin is not None:
        return Caller("chrome", origin=origin)
    rest = [a for a in argv if not a.startswith("-")]
    if len(rest) >= 2 and rest[0].endswith(".json"):
        return Caller("firefox", addon_id=rest[1])
    return Caller()


def refusal(caller: Caller, allowed_file: Path) -> str | None:
    """Why this caller may not use the host, or None when it may."""
    if caller.origin is None and caller.addon_id is None:
        return None
    if caller.origin == f"chrome-extension://{CHROME_EXTENSION_ID}/" or caller.addon_id == GECKO_ID:
        return None
    try:
        extra = json.loads(cache.read_regular(allowed_file, cache.MAX_CACHE))
        origins = extra.get("allowed_origins", [])
        addons = extra.get("allowed_extensions", [])
    except (OSError, ValueError, AttributeError, RecursionError):
        origins, addons = [], []
    # Only lists count: `in` on a string would match any part of it, and on a number raise.
    if (isinstance(origins, list) and caller.origin in origins) or (
        isinstance(addons, list) and caller.addon_id in addons
    ):
        return None
    who = caller.origin or caller.addon_id
    ident = (caller.origin or "").removeprefix("chrome-extension://").rstrip("/") or caller.addon_id
    return (
        f"refusing {who}: it is not a registered dlrescue extension; if you trust it, run "
        f"`dlrescue register --extension-id {ident}`"
    )


class Port:
    """What the host knows about the extension on the other end of this port."""

    __slots__ = ("browser", "caller", "incognito", "lang")

    def __init__(self, caller: Caller, *, browser: str | None = None) -> None:
        self.caller = caller
        self.lang = "en"
        self.browser = browser
        #: Incognito episodes, in memory only: URL key -> its interruptions so far.
        self.incognito: dict[str, list[Interruption]] = {}


class Host:
    """Handles requests for one port. Owns the store connection and the policy."""

    def __init__(
        self,
        caller: Caller,
        log: Callable[[str], None],
        *,
        db_path: Path | None = None,
        policy_path: Path | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        from .policy import DEFAULT_POLICY

        self.port = Port(caller, browser=caller.browser)
        self.log = log
        self.rng = rng
        self.db_path = db_path or paths.db_path()
        self.policy_path = policy_path or paths.policy_path()
        self.policy = DEFAULT_POLICY
        self.policy_problems: list[str] = []
        if self.policy_path.exists():
            from .policy_file import load_policy

            self.policy, problems = load_policy(self.policy_path, paths.policy_cache_path(), log)
            self.policy_problems = warnings(problems)
            for problem in self.policy_problems:
                log(problem)
        self._store: Any = None
        self._store_error: str | None = None
        self._open_store()

    # -- store ------------------------------------------------------------------------------

    def _open_store(self) -> Any:
        from .store import Store, StoreUnavailable

        if self._store is None:
            try:
                self._store = Store(self.db_path, log=self.log)
                self._store_error = None
            except StoreUnavailable as exc:
                if str(exc) != self._store_error:
                    self.log(str(exc))
                self._store_error = str(exc)
        return self._store

    def store(self) -> Any:
        """The store, reopened if it failed before; HostError store_unavailable if it cannot."""
        store = self._open_store()
        if store is None:
            raise HostError("store_unavailable", self._store_error or "the history is unavailable")
        return store

    def _set_aside(self, exc: BaseException) -> str | None:
        """When exc says the history file is damaged, move it aside (kept, never deleted) so
        the next request starts a new one; returns what to tell the caller, else None."""
        from .store import is_damage

        store = self._store
        if store is None or not is_damage(exc):
            return None
        self._store = None
        aside = store.set_aside()
        moved = f"moved it to {aside}" if aside else "another dlrescue host moved it aside"
        message = (
            f"the history {store.path} was damaged; {moved} and starts a new one: "
            "send the request again"
        )
        self.log(message)
        return message

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # -- the loop's one entry point ---------------------------------------------------------

    def handle_batch(self, frames: Sequence[bytes | framing.Oversize]) -> list[bytes]:
        """Replies (encoded JSON bodies) for a batch of frames, in order.

        Consecutive writes share one transaction; a read or a hello first commits the writes
        before it, so what it reports is durable.
        """
        replies: list[bytes | None] = [None] * len(frames)
        writes: list[tuple[int, object, Any]] = []
        for index, frame in enumerate(frames):
            if isinstance(frame, framing.Oversize):
                self._flush(writes, replies)
                replies[index] = self._error(
                    None,
                    HostError(
                        "too_large",
                        f"the frame declared {frame.length} bytes; the limit is "
                        f"{framing.MAX_FRAME} bytes (1 MiB): send less, e.g. fewer items at once",
                    ),
                )
                continue
            try:
                rid, request = parse(frame)
            except HostError as exc:
                self._flush(writes, replies)
                replies[index] = self._error(exc.rid, exc)
                continue
            except BaseException as exc:  # a bug in parsing: this frame's error, never the host's
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                self._flush(writes, replies)
                replies[index] = self._failed(rid_of(frame), exc)
                continue
            if request.type in ("interrupted", "outcome"):
                writes.append((index, rid, request))
                continue
            self._flush(writes, replies)
            replies[index] = self._guarded(rid, partial(self._read, request))
        self._flush(writes, replies)
        return [r for r in replies if r is not None]

    def _flush(self, writes: list[tuple[int, object, Any]], replies: list[bytes | None]) -> None:
        """Record every pending write in one transaction, then fill in their replies."""
        if not writes:
            return
        from .store import StoreUnavailable

        jobs = list(writes)
        writes.clear()
        # This batch's incognito episodes, kept on commit.
        incognito: dict[str, list[Interruption]] = {}
        try:
            store = self.store()
            with store.transaction():
                for index, rid, request in jobs:
                    replies[index] = self._guarded(
                        rid,
                        partial(self._write, store, request, incognito),
                        savepoint=store,
                    )
        except (StoreUnavailable, HostError) as exc:
            error = (
                exc
                if isinstance(exc, HostError)
                else HostError("store_unavailable", self._set_aside(exc) or str(exc))
            )
            self.log(f"could not record {len(jobs)} event(s): {error.message}")
            for index, rid, _request in jobs:
                replies[index] = self._error(rid, error)
            return
        for key, seen in incognito.items():
            if seen:
                self.port.incognito[key] = seen
            else:
                self.port.incognito.pop(key, None)

    def _guarded(
        self, rid: object, work: Callable[[], dict[str, Any]], savepoint: Any = None
    ) -> bytes:
        """Run one request; a bug in it answers `internal_error` and never stops the host."""
        from .store import StoreUnavailable

        try:
            if savepoint is not None:
                savepoint.db.execute("SAVEPOINT request")
            payload = work()
            if savepoint is not None:
                savepoint.db.execute("RELEASE request")
            return self._ok(rid, payload)
        except HostError as exc:
            if savepoint is not None:
                _undo(savepoint.db)  # a refused write leaves nothing behind
            return self._error(rid, exc)
        except Exception as exc:
            if savepoint is not None:
                _undo(savepoint.db)
            if isinstance(exc, StoreUnavailable) or _is_store_failure(exc):
                if savepoint is not None:
                    raise  # the whole transaction fails; _flush answers every write in it
                message = self._set_aside(exc) or str(exc)
                return self._error(rid, HostError("store_unavailable", message))
            return self._failed(rid, exc)

    def _failed(self, rid: object, exc: BaseException) -> bytes:
        """`internal_error` for a request the host failed on (a bug), with the traceback in
        the log."""
        import traceback

        self.log(f"internal error: {''.join(traceback.format_exception(exc))}")
        return self._error(
            rid,
            HostError(
                "internal_error",
                f"the host failed on this request ({type(exc).__name__}); "
                f"it was not recorded and the host keeps serving; the log has details",
            ),
        )

    # -- replies ----------------------------------------------------------------------------

    def _ok(self, rid: object, payload: dict[str, Any]) -> bytes:
        body = _encode({"rid": rid, "ok": True, **payload})
        if len(body) <= framing.MAX_FRAME:
            return body
        return self._failed(rid, framing.FrameTooLarge(_too_large(len(body))))

    @staticmethod
    def _error(rid: object, error: Any) -> bytes:
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.field:
            body["field"] = error.field
        return _encode({"rid": rid, "ok": False, "error": body})

    # -- requests ---------------------------------------------------------------------------

    def _read(self, request: Any) -> dict[str, Any]:
        kind = request.type
        if kind == "hello":
            from .explanations import normalize_lang

            self.port.lang = normalize_lang(request.lang)
            self.port.browser = request.browser or self.port.browser
            reply: dict[str, Any] = {"host_version": __version__, "protocol": PROTOCOL}
            if self.policy_problems:
                reply["warnings"] = self.policy_problems
            return reply
        if kind == "history":
            return self._history(request)
        return self._stats(request)

    def _write(
        self, store: Any, request: Any, incognito: dict[str, list[Interruption]]
    ) -> dict[str, Any]:
        key = _event_key(request.event_key)
        if key is not None:
            seen = store.find_event(key)
            if seen is not None and seen["kind"] != request.type:
                # Replaying it would answer an interruption without a decision (or the
                # reverse); recording it would reuse the key.
                raise HostError(
                    "invalid_message",
                    f"event_key: an event of kind {seen['kind']!r} was recorded under this "
                    f"key; send a new key for a new {request.type!r} event",
                    "event_key",
                )
            if seen is not None:
                return self._replay(seen)
        if request.type == "interrupted":
            reply = self._interrupted(store, request, incognito, key)
        else:
            reply = self._outcome(store, request, incognito, key)
        return reply

    def _replay(self, seen: dict[str, Any]) -> dict[str, Any]:
        """The reply an event already recorded under the same key got: nothing is counted."""
        if seen["kind"] != "interrupted":
            return {"event_id": seen["id"]}
        from .explanations import explain
        from .policy import Decision, browser_key

        decision = Decision(
            seen["action"],
            seen["delay_ms"],
            seen["attempt"],
            seen["max_attempts"],
            seen["reason"],
            seen["category"],
            bool(seen["notify"]),
            seen["cause"] or "policy",
            browser_key(seen["browser"]),
        )
        return {
            "event_id": seen["id"],
            "decision": _decision_out(decision, explain, self.port.lang),
        }

    def _interrupted(
        self, store: Any, request: Any, counts: dict[str, list[Interruption]], event_key: str | None
    ) -> dict[str, Any]:
        from .explanations import explain
        from .policy import Interruption, browser_key, decide, rule_for, tally
        from .privacy import domain, is_refetchable, scrub_filename, scrub_url, url_key
        from .reasons import PAUSED, Reason
        from .store import now_ms

        item = request.download
        reason: Reason = item.error
        paused = item.paused is True and reason.name == "USER_CANCELED"  # Firefox's pause
        if paused:
            reason = Reason(PAUSED, "USER", True)
        incognito = item.incognito is True
        key = url_key(item.url)
        at = now_ms()
        episode = None
        if incognito:  # counted in memory only, never on disk
            seen = counts.get(key, self.port.incognito.get(key, []))
            before = sum(i.reason != PAUSED for i in seen)
        else:
            episode = store.open_episode(key, at)
            before, seen = episode.attempts, store.interruptions(episode.id)
        attempt = before if reason.name == PAUSED else before + 1
        browser = browser_key(self._browser(request))
        past = tally(seen, reason.name, item.bytesReceived)
        rule = rule_for(self.policy, reason.name, reason.category, browser)
        decision = decide(
            rule,
            reason=reason.name,
            category=reason.category,
            known=reason.known,
            attempt=max(attempt, 1),
            earlier_same_reason=past.spent,
            can_resume=item.canResume,
            http=is_refetchable(item.url),
            paused=paused,
            jitter=self.rng(),
            progress=past.progress,
            reachable=request.reachable,
            streak=past.streak,
            stuck=past.stuck,
            browser=browser,
        )
        closes = decision.action == "none" and reason.name != PAUSED
        outcome = "cancelled" if reason.name == "USER_CANCELED" else "given_up"
        if episode is not None:
            if reason.name != PAUSED:
                store.count_attempt(episode.id, retried=decision.action != "none")
            if closes:
                store.close_episode(episode.id, outcome, at)
        else:
            this = Interruption(reason.name, item.bytesReceived, request.reachable, decision.action)
            counts[key] = [] if closes else [*seen, this]
        event_id = store.add_event(
            {
                "at_ms": at,
                "kind": "interrupted",
                "browser": self._browser(request),
                "download_id": item.id,
                "episode_id": episode.id if episode else None,
                "url": None if incognito else scrub_url(item.url),
                "domain": None if incognito else domain(item.url),
                "filename": None if incognito else scrub_filename(item.filename),
                "reason": reason.name,
                "category": reason.category,
                "known": int(reason.known),
                "action": decision.action,
                "delay_ms": decision.delay_ms,
                "attempt": decision.attempt,
                "max_attempts": decision.max_attempts,
                "notify": int(decision.notify),
                "incognito": int(incognito),
                "bytes_received": item.bytesReceived,
                "total_bytes": item.totalBytes,
                "event_key": event_key,
                "cause": decision.cause,
                "reachable": None if request.reachable is None else int(request.reachable),
            }
        )
        return {"event_id": event_id, "decision": _decision_out(decision, explain, self.port.lang)}

    def _outcome(
        self, store: Any, request: Any, counts: dict[str, list[Interruption]], event_key: str | None
    ) -> dict[str, Any]:
        from .privacy import url_key
        from .store import now_ms

        item = request.download
        incognito = item.incognito is True
        at = now_ms()
        episode_id = None if incognito else store.find_open_episode(url_key(item.url))
        reason = item.error
        # `truncated` (complete in the browser's eyes, bytes short) keeps the episode open: the
        # extension then sends an interruption (SERVER_CONTENT_LENGTH_MISMATCH) for it.
        closing = {"complete": "complete", "given_up": "given_up"}.get(item.state)
        if item.state == "interrupted" and reason is not None and reason.name == "USER_CANCELED":
            closing = "cancelled"
        if episode_id is not None and closing is not None:
            store.close_episode(episode_id, closing, at)
        if incognito and closing is not None:
            counts[url_key(item.url)] = []
        event_id = store.add_event(
            {
                "at_ms": at,
                "kind": "outcome",
                "browser": self._browser(request),
                "download_id": item.id,
                "episode_id": episode_id,
                "state": item.state,
                "reason": reason.name if reason else None,
                "category": reason.category if reason else None,
                "known": int(reason.known) if reason else None,
                "incognito": int(incognito),
                "bytes_received": item.bytesReceived,
                "total_bytes": item.totalBytes,
                "event_key": event_key,
            }
        )
        return {"event_id": event_id}

    def _history(self, request: Any) -> dict[str, Any]:
        from .explanations import describe_reason

        store = self.store()
        items = store.history(
            limit=request.limit,
            since_ms=_ms(request.since),
            until_ms=_ms(request.until),
            category=request.category,
            reason=request.reason,
            domain=request.domain and request.domain.lower(),
            outcome=request.outcome,
        )
        for item in items:
            item["explanation"] = describe_reason(item["reason"], self.port.lang)
        return shrink({"items": items, "truncated": False}, "items")

    def _stats(self, request: Any) -> dict[str, Any]:
        from .explanations import describe_category, describe_reason

        stats: dict[str, Any] = self.store().stats(since_ms=_ms(request.since))
        for row in stats["by_category"]:
            row["explanation"] = describe_category(row["category"] or "", self.port.lang)
        for row in stats["by_reason"]:
            row["explanation"] = describe_reason(row["reason"] or "", self.port.lang)
        return shrink(stats, "by_reason")

    def _browser(self, request: Any) -> str | None:
        browser: str | None = request.browser or self.port.browser
        return browser


def _decision_out(decision: Any, explain: Callable[[Any, str], str], lang: str) -> dict[str, Any]:
    """The reply's `decision` object."""
    return {
        "action": decision.action,
        "delay_ms": decision.delay_ms,
        "attempt": decision.attempt,
        "max_attempts": decision.max_attempts,
        "reason": decision.reason,
        "category": decision.category,
        "notify": decision.notify,
        "explanation": explain(decision, lang),
    }


def _event_key(raw: str | None) -> str | None:
    """The extension's event key as stored: hashed, so it cannot carry a URL to the disk."""
    if raw is None:
        return None
    import hashlib

    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:32]


def _ms(moment: Any) -> int | None:
    """An aware datetime in whole ms since the epoch, rounded down, exactly: a float
    timestamp rounds 9999-12-31T23:59:59.999999Z up into year 10000."""
    if moment is None:
        return None
    from datetime import UTC, datetime, timedelta

    ms: int = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return ms


def _is_store_failure(exc: BaseException) -> bool:
    import sqlite3

    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError)


def _undo(db: Any) -> None:
    """Roll back one request's savepoint, if the transaction still stands."""
    import sqlite3

    try:
        db.execute("ROLLBACK TO request")
        db.execute("RELEASE request")
    except sqlite3.Error:
        pass


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def _too_large(size: int) -> str:
    return f"the reply would be {size:,} bytes, more than a frame's {framing.MAX_FRAME:,}"


#: At most this many of policy.toml's problems reach the log and `hello`'s warnings, each at
#: most WARNING_CHARS long: a file with thousands of mistakes, or one huge value, must not
#: make a `hello` reply larger than a frame (then every hello would fail).
MAX_WARNINGS = 20
WARNING_CHARS = 1000


def warnings(problems: Sequence[object]) -> list[str]:
    """The first MAX_WARNINGS problems, each cut to WARNING_CHARS with its control and bidi
    characters escaped (as `dlrescue history` shows URLs), then how many more there are."""
    from .textsafe import escape, shorten

    shown = [
        shorten(escape(shorten(str(problem), WARNING_CHARS)), WARNING_CHARS)
        for problem in problems[:MAX_WARNINGS]
    ]
    if len(problems) > MAX_WARNINGS:
        shown.append(
            f"... and {len(problems) - MAX_WARNINGS:,} more problems in the policy file "
            "(`dlrescue policy` lists them all); the default policy is used until they are fixed"
        )
    return shown


def shrink(
    payload: dict[str, Any], key: str, limit: int = framing.MAX_FRAME - 512
) -> dict[str, Any]:
    """Drop items from payload[key] (oldest last in the list) until the reply fits in a frame."""
    items = payload[key]
    while items and len(_encode(payload)) > limit:
        keep = max(0, min(len(items) - 1, len(items) * limit // len(_encode(payload))))
        items = items[:keep]
        payload = {**payload, key: items, "truncated": True}
    return payload


# ---------------------------------------------------------------------------------------------


def _reader(stream: BinaryIO, inbox: queue.Queue[object]) -> None:
    """Frames from stream onto inbox; then _EOF, or the TruncatedFrame/OSError that ended it."""
    try:
        while True:
            frame = framing.read_frame(stream)
            if frame is None:
                break
            inbox.put(frame)
    except Exception as exc:  # TruncatedFrame, OSError, or a bug: the port ends either way
        inbox.put(exc)
        return
    inbox.put(_EOF)


def serve(stdin: BinaryIO, stdout: BinaryIO, host: Host) -> int:
    """Serve one port until end of input. Returns the exit status."""
    inbox: queue.Queue[object] = queue.Queue(maxsize=MAX_QUEUE)
    threading.Thread(target=_reader, args=(stdin, inbox), daemon=True, name="frames").start()
    while True:
        batch: list[bytes | framing.Oversize] = []
        end: object = None
        item = inbox.get()
        while True:
            if isinstance(item, bytes | framing.Oversize):
                batch.append(item)
            else:
                end = item
                break
            if len(batch) >= MAX_BATCH:
                break
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                break
        if batch:
            try:
                replies = host.handle_batch(batch)
            except Exception as exc:  # a bug outside any one request: each frame answered
                failed = host._failed(None, exc)
                replies = [failed] * len(batch)
            try:
                _write_all(stdout, b"".join(_framed(r, host) for r in replies))
            except OSError:
                host.log("the browser closed the port while replies were pending")
                return 0
        if end is _EOF:
            return 0
        if end is not None:
            host.log(f"stopping: {end}")
            return 1


def _framed(reply: bytes, host: Host) -> bytes:
    """A reply as a frame; one that passes the frame cap becomes its request's error."""
    try:
        return framing.encode_frame(reply)
    except framing.FrameTooLarge:
        failed = framing.FrameTooLarge(_too_large(len(reply)))
        return framing.encode_frame(host._failed(rid_of(reply), failed))


def _write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte: a raw stream's write may take only part of them."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if written is None:
            raise BlockingIOError("stdout is non-blocking and full")
        view = view[written:]
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point browsers launch (`dlrescue-host`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        print(f"dlrescue-host {__version__}")
        return 0
    _end_on_sigterm()
    os.umask(0o077)  # the database, its journal and the log are the user's alone
    without_pydantic_plugins()
    with without_gc():
        frames_out = _claim_stdout()
        log = Log(paths.log_path())
        caller = identify(args)
        why = refusal(caller, paths.extensions_path())
        if why is not None:
            log(why)
            return 3
        host = Host(caller, log)
        parser.load(log)  # every frame needs the validators: ready them with the collector off
    try:
        return serve(_frames_in(), frames_out, host)
    except KeyboardInterrupt:
        return 130
    finally:
        host.close()
        log.close()


def _frames_in() -> BinaryIO:
    """stdin without a buffer: the reader thread may still be blocked reading when the host
    ends (the browser closed stdout first), and a thread blocked inside sys.stdin.buffer holds
    its lock, which the interpreter's shutdown then fails to take: it aborts (SIGABRT,
    "could not acquire lock for <_io.BufferedReader name='<stdin>'>"). A raw file has no
    lock; framing reads exactly the bytes of each frame, so no buffer is needed."""
    return open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)


def _end_on_sigterm() -> None:
    """SIGTERM (Firefox's way of closing a port, and the system's) ends the host at once with
    status 0, as the end of input does, not killed by the signal. Nothing is lost: a reply is
    written only after its events are committed, and an event committed but not yet answered
    is found again by its event_key. The C module `_signal` is enough here; `signal` would
    also build its enums (0.6 ms of every start)."""
    if sys.platform == "win32":
        return
    from importlib import import_module

    signals = import_module("_signal")
    signals.signal(signals.SIGTERM, _terminated)


def _terminated(signum: int, frame: object) -> None:
    os._exit(0)


def _claim_stdout() -> BinaryIO:
    """Keep the real stdout for frames only; point fd 1 and sys.stdout at stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(fd, os.O_BINARY)
        msvcrt.setmode(0, os.O_BINARY)
    return os.fdopen(fd, "wb", buffering=0)


if __name__ == "__main__":
    sys.exit(main())
