"""The `dlrescue` command never prints a traceback, and never prints raw control or bidi
characters: the installed command on real files under temporary XDG folders."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from historyfill import DAY, NOW, interrupt
from hostio import dlrescue as installed
from hostio import run_cli

from native_host.commands import stats as stats_command
from native_host.options import parse_when
from native_host.store import Store

#: The forms the messages name as allowed.
RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


def dlrescue(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `dlrescue` command in the C.UTF-8 locale (messages in English)."""
    return installed(*argv, env={**env, "LANG": "C.UTF-8"})


def one_sentence(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The single stderr line of a refused command, checked for the usual shape."""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"dlrescue {command}: ")
    return lines[0]


@pytest.fixture
def history(xdg: dict[str, str]) -> Path:
    """A history with one download that ended 10 days before NOW and one still open."""
    path = Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3"
    store = Store(path)
    interrupt(store, NOW - 10 * DAY, "https://old.example/a.iso", "FILE_FAILED", action="none")
    interrupt(store, NOW, "https://open.example/b.iso")
    store.close()
    return path


def counts(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        (events,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
        (episodes,) = db.execute("SELECT COUNT(*) FROM episodes").fetchone()
    finally:
        db.close()
    return events, episodes


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["stats", "--since", "999999999w"], "reaches back before the year 1"),
        (["prune", "--older-than", "999999999w"], "reaches back before the year 1"),
        (["history", "--since", "999999999.999w"], "give a span of at most"),
        (["stats", "--since", "0001-01-01T00:00:00+01:00"], f"outside the dates allowed, {RANGE}"),
        (["history", "--since", "0001-01-01T00:00:00+01:00"], "outside the dates allowed"),
        (["history", "--until", "0001-01-01T00:00:00+01:00"], "outside the dates allowed"),
        (["export", "--until", "0001-01-01T00:00:00+01:00"], "outside the dates allowed"),
        (["history", "--since", "9999-12-31T23:59:59.999999-01:00"], "outside the dates allowed"),
        (["prune", "--older-than", "9999-12-31T23:59:59-00:30"], "outside the dates allowed"),
        (["history", "--browser", "a\udcff"], "is not a browser name"),
        (["history", "--domain", "a\udcff"], "is not a host name"),
    ],
)
def test_an_extreme_or_undecodable_value_is_one_sentence_exit_2_and_prunes_nothing(
    history: Path, xdg: dict[str, str], argv: list[str], said: str
) -> None:
    """Spans and dates past what a date can hold (year 1 to 9999 UTC), and bytes that are not
    UTF-8, are refused before anything is read or removed: exit 2, one sentence that names
    the flag, the value and what is allowed, nothing on stdout, every row still there."""
    before = counts(history)
    done = dlrescue(*argv, env=xdg)
    line = one_sentence(done, argv[0])
    assert done.returncode == 2 and done.stdout == ""
    assert argv[1] in line and said in line
    assert counts(history) == before


def test_the_extreme_dates_that_are_allowed_work_at_both_ends(
    history: Path, xdg: dict[str, str]
) -> None:
    """The first and last instants a date can hold are accepted by every command, and the
    longest span allowed reaches the year 1 (written with four digits)."""
    for argv in (
        ["stats", "--since", "9999-12-31T23:59:59.999999"],
        ["stats", "--since", "0001-01-01T00:00:00-01:00"],
        ["history", "--since", "0001-01-01", "--until", "9999-12-31T23:59:59.999999Z"],
        ["export", "--until", "0001-01-01T00:00:00Z"],
        ["prune", "--dry-run", "--older-than", "0001-01-01"],
    ):
        done = dlrescue(*argv, env=xdg)
        assert (done.returncode, done.stderr) == (0, ""), argv
    done = dlrescue("stats", "--since", "0001-01-01T00:00:00-01:00", env=xdg)
    assert done.stdout.startswith("Since 0001-01-01 01:00 UTC:")
    done = dlrescue("prune", "--dry-run", "--older-than", "0001-01-01", env=xdg)
    assert done.stdout == "Nothing to prune: no download ended before 0001-01-01 00:00 UTC.\n"
    longest = (NOW - parse_when("0001-01-01T00:00:00Z", NOW)) // (7 * DAY)
    assert parse_when(f"{longest}w", NOW) >= parse_when("0001-01-01T00:00:00Z", NOW)
    with pytest.raises(ValueError, match=f"at most {longest:,}w"):
        parse_when(f"{longest + 1}w", NOW)


def test_prune_with_a_far_past_date_prunes_and_reports_without_crashing(
    history: Path, xdg: dict[str, str]
) -> None:
    """The old crash: prune removed the rows, then failed to print the date. Now the date
    is printed and the counts are right; the open download stays."""
    done = dlrescue("prune", "--older-than", "9999-12-31", env=xdg)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(
        "Removed 1 download that ended before 9999-12-31 00:00 UTC, and 1 event in all."
    )
    assert counts(history) == (1, 1)


def test_the_last_resort_is_one_sentence_exit_1_and_the_traceback_in_a_private_log(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error no command foresaw (a bug, simulated by a command that raises) is one line
    naming the error and the log, exit 1; the traceback is in the log, mode 0600."""

    def broken(args: object) -> int:
        raise RuntimeError("a bug \x1b[31m here")

    monkeypatch.setattr(stats_command, "stats_run", broken)
    code, out, err = run_cli(capsys, "stats")
    log = Path(xdg["XDG_STATE_HOME"]) / "dlrescue" / "log" / "cli.log"
    assert (code, out) == (1, "")
    assert err == (
        "dlrescue stats: failed unexpectedly (RuntimeError: a bug \\x1b[31m here); the "
        f"details are in {log}; please report this as a dlrescue bug\n"
    )
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "def broken" not in text
    assert "RuntimeError: a bug" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_manifest_that_cannot_be_read_is_a_broken_row_not_a_traceback(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder where the manifest belongs: doctor reports it broken with a fix, exit 1."""
    manifest = home / ".mozilla" / "native-messaging-hosts" / "org.dlrescue.host.json"
    manifest.mkdir(parents=True)
    (home / ".mozilla" / "firefox").mkdir()
    code, out, err = run_cli(capsys, "doctor", "--browser", "firefox", "--no-hello")
    assert (code, err) == (1, "")
    assert "it cannot be read (Is a directory); move it away, then run" in out


# -- nothing raw reaches the terminal ------------------------------------------------------------

#: Unknown tables are reported first, alone; keys and values inside a known table next.
HOSTILE_TABLES = (
    '[categories."NETWORK\\u001b[31m"]\nmax_attempts = 3\n'
    '[reasons."\\u202eEVIL"]\naction = "resume"\n'
)
HOSTILE_KEYS = '[categories.SERVER]\naction = "\\u001b]0;title\\u0007"\n"\\u200bmax_attempts" = 2\n'


def write_policy(xdg: dict[str, str], text: str) -> Path:
    path = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def assert_no_raw_controls(text: str) -> None:
    raw = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    raw += [c for c in text if c in "\u202e\u200b\u2066\u2067\u2068\u2069\u202a\u202b"]
    assert not raw, raw


def test_policy_keys_and_values_are_escaped_in_policy_and_doctor(
    xdg: dict[str, str], home: Path
) -> None:
    """Keys and values of policy.toml carrying an escape sequence, a bidi override or a
    zero-width space reach stderr (`policy`) and stdout (`doctor`) escaped, as `history`
    shows URLs: \\x1b, \\u202e, \\u200b."""
    env = {**xdg, "HOME": str(home)}
    write_policy(xdg, HOSTILE_KEYS)
    done = dlrescue("policy", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert_no_raw_controls(done.stdout + done.stderr)
    assert "\\x1b]0;title\\x07" in done.stderr and "\\u200bmax_attempts" in done.stderr
    done = dlrescue("doctor", "--no-hello", env=env)
    assert_no_raw_controls(done.stdout)
    assert "\\u200bmax_attempts" in done.stdout
    write_policy(xdg, HOSTILE_TABLES)
    done = dlrescue("policy", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert_no_raw_controls(done.stdout + done.stderr)
    assert "NETWORK\\x1b[31m" in done.stderr and "\\u202eEVIL" in done.stderr
    done = dlrescue("doctor", "--no-hello", env=env)
    assert done.returncode == 0 and done.stderr == ""
    assert_no_raw_controls(done.stdout)
    policy_lines = [line for line in done.stdout.splitlines() if line.startswith("policy: ")]
    assert any("NETWORK\\x1b[31m" in line for line in policy_lines)
    assert any("\\u202eEVIL" in line for line in policy_lines)
    done = dlrescue("policy", "--format", "json", env=env)
    assert_no_raw_controls(done.stdout)
    assert "EVIL" in done.stdout and "NETWORK" in done.stdout


def test_a_sentence_quoting_a_hostile_path_is_escaped(xdg: dict[str, str], tmp_path: Path) -> None:
    """An error naming a folder whose name holds an escape sequence prints it escaped."""
    odd = tmp_path / "data\x1b[2J"
    (odd / "dlrescue" / "history.sqlite3").mkdir(parents=True)  # a folder: cannot be opened
    done = dlrescue("history", env={**xdg, "XDG_DATA_HOME": str(odd)})
    assert done.returncode == 1
    line = one_sentence(done, "history")
    assert "data\\x1b[2J" in line
    assert_no_raw_controls(done.stderr)
