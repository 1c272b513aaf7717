"""The native-messaging host: read a frame, validate, decide, record, reply.

A reader thread turns stdin into frames; the main thread takes every frame that is waiting,
handles the writes among them in one transaction (group commit), and writes their replies
only after the commit. Replies leave in request order. The pipeline of one frame:
framing.py (the frame) -> parser.py (the validated request) -> handlers/ (one module per
request type: policy.py decides, store/ records) -> replies.py (the reply's body).

Exit status: 0 at end of input between frames, 1 when input ends inside a frame, 3 when the
caller is an extension that is not allowed to use this host (caller.py).
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from . import __version__, framing, parser, paths, replies, stdio
from ._startup import without_gc, without_pydantic_plugins
from .caller import Caller, identify, refusal
from .errors import HostError
from .handlers.events import WRITES, record
from .handlers.hello import hello, warnings
from .handlers.history import history
from .handlers.interrupted import Counts
from .handlers.port import Port
from .handlers.stats import stats
from .history_file import HistoryFile
from .inbox import END, Frame, Inbox
from .log import Log
from .policy import browser_key
from .policy_in_force import PolicyInForce
from .record import TYPE_CHECKING
from .store import Store, StoreUnavailable

if TYPE_CHECKING:
    from typing import Any, BinaryIO


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
        self.port = Port(caller, browser=caller.browser, log=log)
        self.log = log
        self.rng = rng
        self.policy_path = policy_path or paths.policy_path()
        system = paths.system_policy_path()
        self.policies = PolicyInForce(self.policy_path, system, log, warnings)
        self.history = HistoryFile(db_path or paths.db_path(), log)

    def manage(self, sent: object) -> list[str]:
        """Apply the managed policy a hello sent (or none), keeping it for `dlrescue policy`;
        the policy's problems. Nothing to keep when there was none and none was kept."""
        kept = paths.managed_path(browser_key(self.port.browser) or "other")
        policies = self.policies
        if sent is not None or policies.managed is not None or kept.exists():
            from .handlers.managed import managed  # only with a managed policy

            policies.managed, policies.managed_problems = managed(kept, sent, self.log)
        policies.refresh()
        return policies.problems

    def store(self) -> Store:
        """The store, reopened if it failed before; HostError store_unavailable if it cannot."""
        return self.history.store()

    def close(self) -> None:
        self.history.close()

    # -- a batch: the writes in one transaction, replies in request order ---------------------

    def handle_batch(self, frames: Sequence[Frame]) -> list[bytes]:
        """Replies (encoded JSON bodies) for a batch of frames, in order.

        Consecutive writes share one transaction; a read or a hello first commits the writes
        before it, so what it reports is durable. The policy files are looked at once per
        batch (a burst of decisions stats them once, not once a decision): a policy.toml
        changed by hand or by another host is used from the next batch on.
        """
        self.policies.refresh()
        answers: list[bytes | None] = [None] * len(frames)
        writes: list[tuple[int, object, Any]] = []
        for index, frame in enumerate(frames):
            parsed = self._parse(frame)
            if isinstance(parsed, bytes):
                self._flush(writes, answers)
                answers[index] = parsed
            elif parsed[1].type in WRITES:
                writes.append((index, *parsed))
            else:
                self._flush(writes, answers)
                answers[index] = self._guarded(parsed[0], partial(self._read, parsed[1]))
        self._flush(writes, answers)
        return [r for r in answers if r is not None]

    def _parse(self, frame: Frame) -> tuple[object, Any] | bytes:
        """(rid, validated request), or the frame's error reply."""
        if isinstance(frame, framing.Oversize):
            too_large = (
                f"the frame declared {frame.length} bytes; the limit is "
                f"{framing.MAX_FRAME} bytes (1 MiB): send less, e.g. fewer items at once"
            )
            return replies.error(None, HostError("too_large", too_large))
        try:
            return parser.parse(frame)
        except HostError as exc:
            return replies.error(exc.rid, exc)
        except BaseException as exc:  # a bug in parsing: this frame's error, never the host's
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return self.failed(parser.rid_of(frame), exc)

    def _flush(self, writes: list[tuple[int, object, Any]], answers: list[bytes | None]) -> None:
        """Record every pending write in one transaction, then fill in their replies."""
        if not writes:
            return
        jobs = list(writes)
        writes.clear()
        counts: Counts = {}  # this batch's incognito episodes, kept on commit
        try:
            store = self.store()
            with store.transaction():
                for index, rid, request in jobs:
                    write = partial(self._write, store, request, counts)
                    answers[index] = self._guarded(rid, write, savepoint=store)
        except (StoreUnavailable, HostError) as exc:
            error = (
                exc
                if isinstance(exc, HostError)
                else HostError("store_unavailable", self.history.set_aside(exc) or str(exc))
            )
            self.log(f"could not record {len(jobs)} event(s): {error.message}")
            for index, rid, _request in jobs:
                answers[index] = replies.error(rid, error)
            return
        for key, seen in counts.items():
            if seen:
                self.port.incognito[key] = seen
            else:
                self.port.incognito.pop(key, None)

    def _guarded(
        self, rid: object, work: Callable[[], dict[str, Any]], savepoint: Store | None = None
    ) -> bytes:
        """Run one request; a bug in it answers `internal_error` and never stops the host."""
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
            return replies.error(rid, exc)
        except Exception as exc:
            if savepoint is not None:
                _undo(savepoint.db)
            if isinstance(exc, StoreUnavailable | sqlite3.OperationalError | sqlite3.DatabaseError):
                if savepoint is not None:
                    raise  # the whole transaction fails; _flush answers every write in it
                message = self.history.set_aside(exc) or str(exc)
                return replies.error(rid, HostError("store_unavailable", message))
            return self.failed(rid, exc)

    def _ok(self, rid: object, payload: dict[str, Any]) -> bytes:
        try:
            return replies.ok(rid, payload)
        except framing.FrameTooLarge as exc:
            return self.failed(rid, exc)

    def _read(self, request: Any) -> dict[str, Any]:
        return READS[request.type](self, request)

    def _write(self, store: Store, request: Any, counts: Counts) -> dict[str, Any]:
        policy = self.policies.policy
        return record(store, self.port, request, policy=policy, rng=self.rng, counts=counts)

    def failed(self, rid: object, exc: BaseException) -> bytes:
        """`internal_error` for a request the host failed on (a bug); the log has why."""
        return internal_error(self.log, rid, exc)


def _on_first_use(host: Host, request: Any) -> dict[str, Any]:
    """The reads whose handler is imported when first asked: space imports shutil, doctor
    reads the registrations, policy and set_policy import pydantic."""
    if request.type == "space":
        from .handlers.space import space

        return space(request)
    if request.type == "doctor":
        from .handlers.doctor import doctor

        return doctor(request)
    if request.type == "policy":
        from .handlers.policy import policy

        return policy(host.port, request, host.policy_path)
    from .handlers.set_policy import set_policy

    reply = set_policy(host.port, request, host.policy_path, host.policies.managed)
    host.policies.refresh()  # the next decision, in this batch too, uses what was saved
    return reply


#: The reads, each to its handler; the writes (handlers/events.WRITES) go to `record`.
READS: dict[str, Callable[[Host, Any], dict[str, Any]]] = {
    "hello": lambda host, request: hello(host.port, request, host.manage),
    "history": lambda host, request: history(host.store(), host.port, request),
    "stats": lambda host, request: stats(host.store(), host.port, request),
    **dict.fromkeys(("space", "policy", "set_policy", "doctor"), _on_first_use),
}


def internal_error(log: Callable[[str], None], rid: object, exc: BaseException) -> bytes:
    """`internal_error` for a request the host failed on (a bug), with the traceback in
    the log."""
    import traceback  # only on a bug

    log(f"internal error: {''.join(traceback.format_exception(exc))}")
    message = (
        f"the host failed on this request ({type(exc).__name__}); "
        f"it was not recorded and the host keeps serving; the log has details"
    )
    return replies.error(rid, HostError("internal_error", message))


def _undo(db: sqlite3.Connection) -> None:
    """Roll back one request's savepoint, if the transaction still stands."""
    try:
        db.execute("ROLLBACK TO request")
        db.execute("RELEASE request")
    except sqlite3.Error:
        pass


# -- the loop -----------------------------------------------------------------------------------


def serve(stdin: BinaryIO, stdout: BinaryIO, host: Host) -> int:
    """Serve one port until end of input. Returns the exit status."""
    inbox = Inbox(stdin)
    while True:
        batch, end = inbox.next_batch()
        if batch:
            try:
                answers = host.handle_batch(batch)
            except Exception as exc:  # a bug outside any one request: each frame answered
                answers = [host.failed(None, exc)] * len(batch)
            try:
                stdio.write_all(stdout, b"".join(_framed(r, host) for r in answers))
            except OSError:
                host.log("the browser closed the port while replies were pending")
                return 0
        if end is END:
            return 0
        if end is not None:
            host.log(f"stopping: {end}")
            return 1


def _framed(reply: bytes, host: Host) -> bytes:
    """A reply as a frame; one that passes the frame cap becomes its request's error."""
    try:
        return framing.encode_frame(reply)
    except framing.FrameTooLarge:
        failed = framing.FrameTooLarge(replies.too_large(len(reply)))
        return framing.encode_frame(host.failed(parser.rid_of(reply), failed))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point browsers launch (`dlrescue-host`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        print(f"dlrescue-host {__version__}")
        return 0
    stdio.end_on_sigterm()
    os.umask(0o077)  # the database, its journal and the log are the user's alone
    without_pydantic_plugins()
    with without_gc():
        frames_out = stdio.claim_stdout()
        log = Log(paths.log_path())
        caller = identify(args)
        why = refusal(caller, paths.extensions_path())
        if why is not None:
            log(why)
            return 3
        host = Host(caller, log)
        parser.load(log)  # every frame needs the validators: ready them with the collector off
    try:
        return serve(stdio.frames_in(), frames_out, host)
    except KeyboardInterrupt:
        return 130
    finally:
        host.close()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
