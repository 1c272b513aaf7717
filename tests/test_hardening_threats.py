"""The threats of SECURITY.md's threat model, each tried for real: a huge declared length, a
caller that is not ours, other users on the machine, secrets and incognito downloads that
must leave no trace on disk, and control characters aimed at the user's terminal.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hardening_support import Host, check_reply, db_file, integrity, interrupted, log_file
from hostio import CHROME_ORIGIN, frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from native_host import CHROME_EXTENSION_ID, GECKO_ID, framing
from native_host.caller import Caller
from native_host.host import Host as InProcessHost
from native_host.privacy import REDACTED

GIB = 1 << 30
MIB = 1 << 20

# -- memory ----------------------------------------------------------------------------------


def _peak_rss_after(xdg: dict[str, str], declared: int | None, send: int) -> tuple[Host, int]:
    """Run a host: hello, then (optionally) a frame declaring `declared` bytes followed by
    `send` bytes of it (then, when that was all of it, another hello); returns the finished
    host and its exit status. Its peak RSS is in host.rusage."""
    host = Host(xdg)
    hello = b'{"type":"hello","rid":"before"}'
    host.send_raw(frame(hello))
    if declared is not None:
        host.send_raw(declared.to_bytes(4, sys.byteorder))
        chunk = bytes(MIB)
        left = send
        while left:
            host.send_raw(chunk[: min(left, MIB)])
            left -= min(left, MIB)
        if send == declared:
            host.send_raw(frame(b'{"type":"hello","rid":"after"}'))
    status = host.finish(timeout=300)
    return host, status


@pytest.mark.slow
def test_a_declared_length_of_4_gib_allocates_nothing(xdg: dict[str, str]) -> None:
    """A frame declaring 4 GiB - 1 bytes, all of them sent, is answered too_large and skipped
    in bounded chunks; the next frame is served; the host's peak memory stays within 16 MiB
    of a host that only said hello. Cut short after 64 MiB instead, the host exits 1 with a
    line on stderr, its memory just as flat."""
    baseline, status = _peak_rss_after(xdg, None, 0)
    assert status == 0
    floor = baseline.rusage.ru_maxrss  # KiB on Linux

    whole, status = _peak_rss_after(xdg, 2**32 - 1, 2**32 - 1)
    assert status == 0
    replies = [json.loads(whole.replies.get(timeout=5) or b"null") for _ in range(3)]
    assert replies[0]["rid"] == "before" and replies[2]["rid"] == "after"
    assert replies[1]["rid"] is None and replies[1]["error"]["code"] == "too_large"
    assert "4294967295" in replies[1]["error"]["message"]
    assert whole.rusage.ru_maxrss - floor < 16 * 1024, (whole.rusage.ru_maxrss, floor)

    cut, status = _peak_rss_after(xdg, 2**32 - 1, 64 * MIB)
    assert status == 1
    assert "ended inside an oversize frame" in cut.stderr_text()
    assert cut.rusage.ru_maxrss - floor < 16 * 1024, (cut.rusage.ru_maxrss, floor)


@pytest.mark.slow
def test_a_flood_of_full_size_frames_keeps_memory_bounded(xdg: dict[str, str]) -> None:
    """500 frames of almost 1 MiB each (interruptions whose file name fills the frame), sent
    as fast as the pipe takes them: every one is answered, and the host's peak memory grows
    by far less than it was sent (frames wait in a bounded queue; the rest in the pipe)."""
    baseline, status = _peak_rss_after(xdg, None, 0)
    assert status == 0
    request = json.loads(interrupted(1, 1))
    request["download"]["filename"] = "a" * (MIB - 300)
    body = json.dumps(request).encode()
    assert len(body) <= framing.MAX_FRAME
    with Host(xdg) as host:
        for _ in range(500):
            host.send_raw(frame(body))
        for _ in range(500):
            assert json.loads(host.reply_bytes(timeout=300))["ok"]
        assert host.finish() == 0
    grew = (host.rusage.ru_maxrss - baseline.rusage.ru_maxrss) // 1024
    assert grew < 320, f"peak memory grew by {grew} MiB for 500 MiB of frames"


# -- who may call ------------------------------------------------------------------------------

STRANGERS = [
    ("chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/",),
    (f"chrome-extension://{CHROME_EXTENSION_ID}.evil/",),
    ("chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/", "--parent-window=0"),
    ("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", "evil@example.org"),
    ("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", f"{GECKO_ID}.evil"),
]


@pytest.mark.parametrize("argv", STRANGERS)
def test_a_caller_that_is_not_ours_is_refused(xdg: dict[str, str], argv: tuple[str, ...]) -> None:
    """An extension origin or add-on id that is neither dlrescue's nor registered: exit 3,
    a stderr line naming it and the command that would allow it, not one byte on stdout, no
    history created, even though requests were sent."""
    host = Host(xdg, *argv)
    host.send_raw(frame(b'{"type":"hello","rid":1}') + frame(interrupted(2, 2)))
    assert host.finish() == 3
    assert host.replies.get(timeout=5) is None, "a refused caller got a reply"
    line = host.stderr_text()
    assert "refusing" in line and "dlrescue register --extension-id" in line, line
    assert not db_file(xdg).exists()
    assert "refusing" in log_file(xdg).read_text()


@pytest.mark.parametrize(
    "argv",
    [
        (CHROME_ORIGIN,),
        (CHROME_ORIGIN, "--parent-window=0"),
        ("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", GECKO_ID),
        (),  # a Flatpak or Snap portal may pass nothing: lenient, defence in depth only
    ],
)
def test_our_own_extensions_are_served(xdg: dict[str, str], argv: tuple[str, ...]) -> None:
    """dlrescue's own Chrome origin, its Firefox add-on id, and no arguments at all are
    served (the refusal above is a check, not a lock: see SECURITY.md)."""
    with Host(xdg, *argv, bare=not argv) as host:
        assert host.ask({"type": "hello", "rid": 1})["ok"]
        assert host.finish() == 0


@pytest.mark.parametrize(
    "allowed",
    [
        b"not json",
        b'["chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/"]',
        b'{"allowed_origins": "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/x"}',
        b'{"allowed_origins": [["nested"]], "allowed_extensions": 7}',
        b"\xff\xfe",
    ],
)
def test_a_damaged_allow_list_refuses_strangers_without_crashing(
    xdg: dict[str, str], allowed: bytes
) -> None:
    """extensions.json (written by `dlrescue register --extension-id`) that is garbage or of
    the wrong shape never lets a stranger in and never crashes the host: exit 3, one line."""
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "extensions.json").write_bytes(allowed)
    host = Host(xdg, "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/")
    assert host.finish() == 3
    assert "refusing" in host.stderr_text() and "Traceback" not in host.stderr_text()


def test_a_registered_extra_extension_is_served_and_only_it(xdg: dict[str, str]) -> None:
    """An id listed in extensions.json is served; a neighbour that is not listed is not."""
    listed = "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/"
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "extensions.json").write_text(json.dumps({"allowed_origins": [listed]}))
    with Host(xdg, listed) as host:
        assert host.ask({"type": "hello"})["ok"]
        assert host.finish() == 0
    stranger = Host(xdg, "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhi/")
    assert stranger.finish() == 3


# -- other users on the machine -----------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_history_and_log_are_private_to_the_user(xdg: dict[str, str]) -> None:
    """Started with a permissive umask (022) and no folders yet, the host creates its data
    and log folders 0700 and the history, its -wal and -shm, and the log 0600, all owned by
    the user: nothing another user could read or replace."""
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "policy.toml").write_text("[nonsense]\n")  # a problem to log: opens the log
    previous = os.umask(0o022)
    try:
        host = Host(xdg)
    finally:
        os.umask(previous)
    with host:
        assert host.ask(interrupted(1, 1))["ok"]
        db = db_file(xdg)
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), log_file(xdg)]
        folders = [db.parent, Path(xdg["XDG_DATA_HOME"]), log_file(xdg).parent]
        for path in files:
            assert _mode(path) == 0o600, f"{path} is {oct(_mode(path))}"
        for path in folders:
            assert _mode(path) == 0o700, f"{path} is {oct(_mode(path))}"
        for path in files + folders:
            assert path.stat().st_uid == os.geteuid()
        assert host.finish() == 0


def _register(xdg: dict[str, str], user_data_dir: Path) -> subprocess.CompletedProcess[str]:
    home = Path(xdg["XDG_DATA_HOME"]).parent / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [
            *(sys.executable, "-m", "native_host.cli", "register", "--browser", "chrome"),
            *("--user-data-dir", str(user_data_dir)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **xdg, "HOME": str(home)},
        timeout=60,
        check=False,
    )


def test_registration_refuses_a_manifest_folder_others_can_write(
    xdg: dict[str, str], tmp_path: Path
) -> None:
    """`dlrescue register` into a world-writable NativeMessagingHosts folder is refused with
    the chmod that fixes it, and writes nothing there (registration/writers.py, end to end)."""
    hosts = tmp_path / "profile" / "NativeMessagingHosts"
    hosts.mkdir(parents=True)
    hosts.chmod(0o777)
    done = _register(xdg, tmp_path / "profile")
    assert done.returncode != 0
    assert "world-writable" in done.stderr and "chmod go-w" in done.stderr, done.stderr
    assert list(hosts.iterdir()) == []


def test_registration_replaces_a_planted_symlink_instead_of_following_it(
    xdg: dict[str, str], tmp_path: Path
) -> None:
    """A symlink planted where the manifest goes is replaced by the manifest; its target is
    never created or written (registration/writers.py, end to end)."""
    hosts = tmp_path / "profile" / "NativeMessagingHosts"
    hosts.mkdir(parents=True)
    target = tmp_path / "somewhere-else.json"
    (hosts / "org.dlrescue.host.json").symlink_to(target)
    done = _register(xdg, tmp_path / "profile")
    assert done.returncode == 0, done.stderr
    manifest = hosts / "org.dlrescue.host.json"
    assert not manifest.is_symlink() and not target.exists()
    assert json.loads(manifest.read_text())["name"] == "org.dlrescue.host"


@pytest.mark.parametrize("field", ["filename", "url"])
def test_a_giant_file_name_or_host_can_neither_empty_the_history_nor_bloat_it(
    xdg: dict[str, str], field: str
) -> None:
    """One interruption whose file name, or URL host name, fills most of a frame (non-ASCII,
    so six times as long once escaped in a reply) is recorded cut short: the history grows by
    kilobytes, not a megabyte, and a later `history` request still returns it and every older
    item, instead of dropping them all to fit the 1 MiB reply cap."""
    giant = "\u00e9" * 450_000
    value = f"/home/u/{giant}" if field == "filename" else f"https://{giant}.example/f.iso"
    request = json.loads(interrupted(9, 9))
    request["download"][field] = value
    body = json.dumps(request, ensure_ascii=False).encode()  # 900 KB as UTF-8
    assert len(body) < framing.MAX_FRAME
    with Host(xdg) as host:
        for n in range(3):
            assert host.ask(interrupted(n, n))["ok"]
        host.ask({"type": "hello"})
        before = db_file(xdg).stat().st_size + Path(f"{db_file(xdg)}-wal").stat().st_size
        assert host.ask(body)["ok"]
        after = db_file(xdg).stat().st_size + Path(f"{db_file(xdg)}-wal").stat().st_size
        history = host.ask({"type": "history", "rid": "h"})
        assert host.finish() == 0
    # About 16 pages of 4 KiB in the write-ahead log: the event with its cut name, its
    # indexes, its episode, and its domain's failures (schema 6: one page more).
    assert after - before < 72 * 1024, f"one event took {after - before} bytes"
    items = history["items"]
    assert [item["download_id"] for item in items] == [9, 2, 1, 0], history["truncated"]
    assert value.startswith(items[0][field].rstrip("\u2026"))


# -- what reaches the disk ---------------------------------------------------------------------


def _disk_bytes(xdg: dict[str, str]) -> bytes:
    """Every byte dlrescue has on disk: history, WAL, shared memory, log, anything else."""
    blobs = []
    for key in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        for path in sorted(Path(xdg[key]).rglob("*")):
            if path.is_file():
                blobs.append(path.read_bytes())
    return b"\n".join(blobs)


SECRETS = {
    "user": "usr-Q7Z",
    "password": "pw-Q7Z",
    "token": "tok-Q7Z",
    "signature": "sig-Q7Z",
    "fragment": "frag-Q7Z",
    "incognito host": "incog-host-Q7Z",
    "incognito path": "incog-path-Q7Z",
    "incognito file": "incog-file-Q7Z",
    "incognito referrer": "incog-ref-Q7Z",
}


def _secret_session() -> list[bytes]:
    s = SECRETS
    signed = (
        f"https://{s['user']}:{s['password']}@example.org/visible-K4M.iso"
        f"?ok=1&access_token={s['token']}&X-Amz-Signature={s['signature']}#{s['fragment']}"
    )
    private = f"https://{s['incognito host']}.example/{s['incognito path']}.iso"
    private_item = {
        "url": private,
        "finalUrl": private,
        "referrer": f"https://{s['incognito referrer']}.example/",
        "filename": f"/home/u/{s['incognito file']}.iso",
        "incognito": True,
    }
    bodies = [interrupted(1, 1, url=signed), interrupted(2, 1, url=signed)]
    for n, error in enumerate(["NETWORK_FAILED", "NETWORK_FAILED", "SERVER_FORBIDDEN"]):
        bodies.append(interrupted(10 + n, 10, error=error, **private_item))
    bodies.append(interrupted(20, 11, error="USER_CANCELED", paused=True, **private_item))
    bodies.append(interrupted(21, 12, error="not a reason", **private_item))  # refused
    for state in ("interrupted", "complete"):
        bodies.append(
            json.dumps(
                {
                    "type": "outcome",
                    "rid": state,
                    "download": {"id": 10, "state": state, **private_item},
                }
            ).encode()
        )
    bodies.append(b'{"type":"history","rid":"h","limit":500}')
    return bodies


def test_incognito_items_and_url_credentials_never_reach_the_disk(xdg: dict[str, str]) -> None:
    """User name, password, credential query values and fragment of a signed URL, and the URL,
    final URL, referrer and file name of incognito downloads (interruptions, a pause, a
    refused one, outcomes) appear nowhere in the history, its WAL, its shared memory or the
    log, neither while the host runs nor after; the rest of the signed URL is there (so
    the search would have seen them)."""
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "policy.toml").write_text("[nonsense]\n")  # the log exists and is searched
    with Host(xdg) as host:
        replies = [host.ask(body) for body in _secret_session()]
        assert [r["ok"] for r in replies].count(False) == 1
        running = _disk_bytes(xdg)
        assert host.finish() == 0
    stopped = _disk_bytes(xdg)
    assert b"visible-K4M" in running and b"visible-K4M" in stopped
    assert REDACTED.encode() in stopped
    for name, secret in SECRETS.items():
        for when, blob in (("while running", running), ("after exit", stopped)):
            assert secret.encode() not in blob, f"the {name} reached the disk {when}"
    items = replies[-1]["items"]
    assert all(item["url"] is None for item in items if item["incognito"])


_secret_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=4, max_size=12
)


@pytest.fixture(scope="module")
def quiet_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessHost, Path]]:
    """An in-process host on a history of its own, for many examples in a row."""
    folder = tmp_path_factory.mktemp("secrets")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(folder / name.lower()))
        host = InProcessHost(Caller(), lambda _line: None, db_path=folder / "h.sqlite3")
        yield host, folder
        host.close()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    user=_secret_text,
    password=_secret_text,
    value=_secret_text,
    name=st.sampled_from(
        ["token", "access_token", "X-Amz-Signature", "sig", "Signature", "api_key", "code"]
    ),
    position=st.integers(0, 2),
)
def test_credentials_in_any_browser_url_never_reach_the_history(
    quiet_host: tuple[InProcessHost, Path],
    user: str,
    password: str,
    value: str,
    name: str,
    position: int,
) -> None:
    """For URLs as a browser serialises them (percent-encoded user-info, a credential query
    parameter anywhere in the query), the user name, password and credential value are
    nowhere in the history file or its WAL, in any spelling the URL could carry them."""
    host, folder = quiet_host
    user, password, value = ("QZ" + text for text in (user, password, value))
    params = ["a=1", "b=2"]
    params.insert(position, f"{name}={quote(value, safe='')}")
    url = (
        f"https://{quote(user, safe='')}:{quote(password, safe='')}@example.org/f.iso"
        f"?{'&'.join(params)}"
    )
    body = interrupted(1, 1, url=url)
    (reply,) = host.handle_batch([body])
    assert check_reply(reply, body)["ok"]
    blob = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    for secret in (user, password, value):
        for spelling in {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}:
            assert spelling.encode() not in blob, (secret, spelling)


# -- the user's terminal -----------------------------------------------------------------------

#: Bytes that must never reach a terminal raw: C0 controls but tab and newline, DEL, and the
#: UTF-8 of C1 controls, bidi overrides and isolates.
RAW_CONTROL = [bytes([c]) for c in range(32) if c not in (9, 10)] + [b"\x7f"]
RAW_CONTROL += [chr(c).encode() for c in range(0x80, 0xA0)]
RAW_CONTROL += [chr(c).encode() for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.mark.parametrize("output", ["table", "json"])
def test_control_characters_in_stored_urls_never_reach_a_terminal_raw(
    xdg: dict[str, str], output: str
) -> None:
    """URLs, domains and file names holding ESC sequences, BEL, CR, C1 CSI and bidi overrides
    are stored as sent, and `dlrescue history` (table or JSON) prints them escaped: none of
    those bytes reaches the terminal raw."""
    nasty = "\x1b[2J\x1b]0;pwned\x07\r\x9b31m\u202egpj.exe\u2066"
    with Host(xdg) as host:
        reply = host.ask(
            interrupted(1, 1, url=f"https://ex{nasty}ample.org/a{nasty}b?q={nasty}", filename=nasty)
        )
        assert reply["ok"], reply
        assert host.finish() == 0
    shown = subprocess.run(
        [sys.executable, "-m", "native_host.cli", "history", "--format", output],
        capture_output=True,
        env={**os.environ, **xdg, "COLUMNS": "200"},
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    escaped = {"table": b"\\x1b", "json": b"\\u001b"}[output]
    assert escaped in shown.stdout, "the URL should be shown, escaped"
    for raw in RAW_CONTROL:
        assert raw not in shown.stdout, f"{raw!r} reached the terminal raw ({output})"
    assert integrity(db_file(xdg)) == "ok"


def test_check_reply_rejects_what_it_should() -> None:
    """The reply checker these tests lean on fails on a wrong rid, an unknown error code and
    a reply over the frame cap (so the tests above can fail)."""
    good = b'{"type":"hello","rid":5}'
    bad: list[Any] = [
        b'{"rid":6,"ok":true,"host_version":"x","protocol":1}',
        b'{"rid":5,"ok":false,"error":{"code":"internal_error","message":"x"}}',
        b'{"rid":5,"ok":true,"host_version":"' + b"x" * framing.MAX_FRAME + b'","protocol":1}',
    ]
    assert check_reply(b'{"rid":5,"ok":true,"host_version":"x","protocol":1}', good)
    for raw in bad:
        with pytest.raises(AssertionError):
            check_reply(raw, good)
