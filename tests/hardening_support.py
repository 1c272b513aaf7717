"""Helpers for tests/test_hardening_*.py: tests/hostio.py's host driver with every reply
checked against the contract (what a valid reply looks like), and the storage tricks (a full
file system, a read-only folder) that make a failure real instead of mocked.

Where this machine cannot set a trick up (no mount, no chattr), the test skips with the
reason on a developer's machine and fails with CI=true, where a skip would hide a hole.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import hostio
import pytest
from hostio import frame

from native_host import framing
from native_host.errors import ERROR_CODES
from native_host.fields import MAX_SAFE_INT
from native_host.messages import DecisionReply, ErrorReply, HelloReply, OutcomeReply

IN_CI = os.environ.get("CI", "").lower() == "true"

#: The history file the host writes in an XDG world.
db_file = hostio.history_file

#: The protocol's error codes (PROTOCOL.md, "Errors"); internal_error is a bug, never expected.
CONTRACT_CODES = frozenset(ERROR_CODES) - {"internal_error"}


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail in CI, where a skip would hide a hole."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def log_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_STATE_HOME"]) / "dlrescue" / "log" / "host.log"


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` of a history file ('ok' when sound), read-only."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        db.close()
    text = "\n".join(str(r[0]) for r in rows)
    return text if not problems else f"{text}\nforeign keys: {problems}"


def events(path: Path) -> dict[int, tuple[Any, ...]]:
    """event id -> (kind, browser, download_id, reason) for every event in the history.

    A host killed during its first start can leave a file whose schema was never committed:
    that history holds no event (an acknowledged one would then show up as lost).
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
            return {}
        rows = db.execute("SELECT id, kind, browser, download_id, reason FROM events").fetchall()
    finally:
        db.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def stored_download_id(request: dict[str, Any]) -> Any:
    """The download id an acknowledged event's row holds: the request's, or None for an
    incognito one (SECURITY.md: an incognito event keeps no download id or byte counts)."""
    download = request["download"]
    return None if download.get("incognito") is True else download["id"]


# -- replies ---------------------------------------------------------------------------------


def echoable(rid: object) -> bool:
    """PROTOCOL.md, "Requests": a rid is a string of at most 128 characters or an integer."""
    if isinstance(rid, bool):
        return False
    if isinstance(rid, str):
        return len(rid) <= 128
    return isinstance(rid, int) and -MAX_SAFE_INT <= rid <= MAX_SAFE_INT


def _no_constants(name: str) -> NoReturn:
    raise ValueError(name)


def request_of(body: bytes) -> dict[str, Any] | None:
    """The frame as a JSON object, or None when it is not one (the contract's view).

    Raises RecursionError for JSON nested about as deeply as Python can parse: whether the
    host (at another stack depth) could parse it is then unknown.
    """
    try:
        obj = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def expected_rid(body: bytes | framing.Oversize) -> object:
    """The rid a reply to this frame must carry: the request's own when valid, else null."""
    if isinstance(body, framing.Oversize):
        return None
    obj = request_of(body)
    if obj is None:
        return None
    rid = obj.get("rid")
    return rid if echoable(rid) else None


def check_reply(raw: bytes, request: bytes | framing.Oversize) -> dict[str, Any]:
    """Assert raw is a valid reply to request (contract sections 1 and 2); return it decoded."""
    assert len(raw) <= framing.MAX_FRAME, f"a {len(raw)}-byte reply passes the frame cap"
    text = raw.decode("utf-8")  # raises on anything but UTF-8
    reply = json.loads(text, parse_constant=_no_constants)
    assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), reply
    try:
        want = expected_rid(request)
    except RecursionError:  # too deep to tell here; the reply must still be well formed
        assert reply["rid"] is None or echoable(reply["rid"]), reply["rid"]
        if not reply["ok"]:
            assert reply["error"]["code"] in CONTRACT_CODES, reply
        return reply
    assert reply["rid"] == want and type(reply["rid"]) is type(want), (reply["rid"], want)
    shape = {**reply, "rid": None}  # the rid is checked above; it may hold lone surrogates
    if not reply["ok"]:
        ErrorReply.model_validate(shape)
        error = reply["error"]
        assert error["code"] in CONTRACT_CODES, f"{error['code']}: {error['message']}"
        assert error["message"].strip(), reply
        if isinstance(request, framing.Oversize):
            assert error["code"] == "too_large"
        return reply
    kind = (request_of(request) or {}).get("type") if isinstance(request, bytes) else None
    model = {
        "hello": HelloReply,
        "interrupted": DecisionReply,
        "outcome": OutcomeReply,
    }.get(str(kind))
    if model is not None:
        model.model_validate(shape)
    elif kind == "history":
        assert isinstance(reply["items"], list) and isinstance(reply["truncated"], bool)
    elif kind == "stats":
        assert isinstance(reply["by_category"], list) and isinstance(reply["by_reason"], list)
    else:
        raise AssertionError(f"an ok reply to a request of type {kind!r}: {reply}")
    return reply


# -- the host as a subprocess ----------------------------------------------------------------


class Host(hostio.Host):
    """tests/hostio.py's driver, with every reply to ask() checked against the contract."""

    def ask(self, message: Any, timeout: float = 30) -> dict[str, Any]:
        """Send one request and return its reply, checked against the contract."""
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.send_raw(frame(body))
        return check_reply(self.reply_bytes(timeout), body)


def peak_rss_kib(usage: Any) -> int:
    """ru_maxrss of a reaped child: KiB on Linux."""
    return int(usage.ru_maxrss)


def interrupted(rid: Any, download_id: int, *, browser: str = "chrome", **item: Any) -> bytes:
    """An interrupted request as bytes."""
    download = {
        "id": download_id,
        "url": f"https://example.org/file-{download_id}.iso",
        "error": "NETWORK_FAILED",
        "canResume": True,
    }
    download.update(item)
    return json.dumps(
        {"type": "interrupted", "rid": rid, "browser": browser, "download": download}
    ).encode()


# -- storage tricks --------------------------------------------------------------------------


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@contextmanager
def small_filesystem(where: Path, size_kib: int) -> Iterator[Path]:
    """A real file system of size_kib at `where` (tmpfs), removed afterwards. Needs root (or
    CAP_SYS_ADMIN); without it the test skips locally and fails in CI."""
    where.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(where))
    if done.returncode != 0:
        unavailable(f"cannot mount a {size_kib} KiB tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))


def fill(folder: Path) -> Path:
    """Fill the file system holding `folder` to the last byte; returns the filler file."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(chunk)
            except OSError:
                break
        for size in (512, 64, 1):  # the last partial block
            while True:
                try:
                    handle.write(b"\0" * size)
                except OSError:
                    break
    return filler


def _writable(folder: Path) -> bool:
    probe = folder / f".probe-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"x")
    except OSError:
        return False
    probe.unlink()
    return True


@contextmanager
def read_only_folder(folder: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """Make `folder` read-only for real for this user, and yield (how, make_writable_again).

    Permission bits do not stop root, so as root the folder becomes a read-only bind mount,
    or else immutable (chattr +i); as any other user it is chmod 0500.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    undo: list[Callable[[], object]] = []

    def release() -> None:
        while undo:
            undo.pop()()

    tried = []
    if os.geteuid() != 0:
        folder.chmod(0o500)
        undo.append(lambda: folder.chmod(0o700))
        tried.append("chmod 0500")
    else:
        bind = _run("mount", "--bind", str(folder), str(folder))
        if bind.returncode == 0:
            undo.append(lambda: _run("umount", str(folder)))
            ro = _run("mount", "-o", "remount,bind,ro", str(folder))
            tried.append(f"read-only bind mount ({ro.stderr.strip() or 'ok'})")
        else:
            tried.append(f"bind mount ({bind.stderr.strip()})")
        if _writable(folder):
            release()
            immutable = _run("chattr", "+i", str(folder))
            tried.append(f"chattr +i ({immutable.stderr.strip() or 'ok'})")
            if immutable.returncode == 0:
                undo.append(lambda: _run("chattr", "-i", str(folder)))
    if _writable(folder):
        release()
        unavailable(f"cannot make a folder read-only for this user here; tried {tried}")
    try:
        yield tried[-1].split(" (")[0], release
    finally:
        release()
