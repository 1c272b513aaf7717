"""What the host and `dlrescue history` leave unimported at start-up (bench/RESULTS.md says
what each costs). Each probe runs a fresh interpreter without site (-S), whose .pth hooks may
import anything, on this interpreter's module path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hostio import frame, interrupted, run_host

import native_host

PATH = [str(Path(native_host.__file__).parents[1]), *(p for p in sys.path if p)]


def imported(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level names of the modules imported by running `code`."""
    probe = f"import sys\nsys.path[:] = {PATH!r}\n{code}\nprint(*sorted(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_host_and_history_modules_load_without_importing_typing() -> None:
    """typing costs 4 to 7 ms; native_host.record is how the records do without it."""
    modules = (
        "host, cli, store, explanations, policy, reasons, framing, "
        "errors, fields, parser, schema_cache, cache, options"
    )
    commands = ", ".join(f"native_host.commands.{c}" for c in ("history", "stats", "export"))
    reports = ", ".join(f"native_host.report.{r}" for r in ("formats", "history", "stats"))
    code = f"from native_host import {modules}\nimport {commands}, {reports}"
    assert "typing" not in imported(code)


def imported_after_a_decision(code: str, xdg: dict[str, str], **env: str) -> set[str]:
    """`imported(code)` once the real host has decided one interruption in `xdg`: the history
    holds it and the compiled request schema is in the cache, as after any real start."""
    assert run_host(frame({"type": "hello", "rid": 0}) + frame(interrupted()), env=xdg).stdout
    return imported(code, env={**xdg, **env})


def test_the_hashing_of_a_host_start_leaves_openssl_unloaded(xdg: dict[str, str]) -> None:
    """hashlib loads OpenSSL (3.5 ms of CPU; native_host/digest.py): the host's start, which
    computes the compiled schema's cache key and an episode's and an event's keys, does not
    import it."""
    code = (
        "from native_host import host, parser, privacy\n"
        "from native_host.handlers.port import stored_key\n"
        "parser.load(print)\n"
        "privacy.url_key('https://example.org/big.iso'); stored_key('k')"
    )
    loaded = imported_after_a_decision(code, xdg)
    assert loaded.isdisjoint({"hashlib", "_hashlib"})
    assert {"_sha2", "_sha256"} & loaded  # the probe sees the hashing
    assert "pydantic" not in loaded  # the cached schema's key was computed and matched


def test_history_as_json_runs_without_typing_textwrap_or_unicodedata(
    xdg: dict[str, str],
) -> None:
    """`dlrescue history --format json` on a real history: only tables need textwrap and
    unicodedata. (datetime is no saving: sqlite3 imports it.)"""
    code = (
        "import contextlib, io, json\n"
        "from native_host.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['history', '--since', '7d', '--format', 'json']) == 0\n"
        "assert len(json.loads(out.getvalue())) == 1"
    )
    loaded = imported_after_a_decision(code, xdg, PATH="/usr/bin:/bin")
    assert loaded.isdisjoint({"typing", "textwrap", "unicodedata", "pydantic"})
    assert {"sqlite3", "argparse", "platformdirs"} <= loaded  # the probe sees imports
