"""`doctor` over the real host's pipes: the settings page's view of `dlrescue doctor`, the
registrations of this user's browsers checked as the command checks them."""

from __future__ import annotations

import os
from pathlib import Path

from hostio import Host, dlrescue

from native_host.messages import DoctorReply


def test_doctor_lists_what_register_wrote_and_says_so_in_its_summary(home: Path) -> None:
    """In a fresh home: nothing registered, the summary says to run `dlrescue register`;
    after `dlrescue register --browser firefox`, Firefox's registration is listed `ok`
    with its manifest, as `dlrescue doctor` lists it."""
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    with Host(env=env) as host:
        before = host.ask({"type": "doctor", "rid": 1})
        assert before["ok"], before
        DoctorReply.model_validate(before)
        assert before["summary"] == "no registration found: run `dlrescue register`"
        assert host.close()[0] == 0
    done = dlrescue("register", "--browser", "firefox", env=env)
    assert done.returncode == 0, done.stderr
    with Host(env=env) as host:
        after = host.ask({"type": "doctor", "rid": 2})
        assert host.close()[0] == 0
    firefox = [r for r in after["registrations"] if r["browser"] == "Firefox"]
    manifest = home / ".mozilla" / "native-messaging-hosts" / "org.dlrescue.host.json"
    assert [(r["status"], r["where"]) for r in firefox] == [("ok", str(manifest))], after
    assert after["summary"].endswith("registration(s) healthy"), after
    assert dlrescue("doctor", "--browser", "firefox", "--no-hello", env=env).returncode == 0
