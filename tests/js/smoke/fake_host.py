#!/usr/bin/env python3
"""A stand-in for org.dlrescue.host, for loading the extension in a real browser by hand.

Speaks the framing (4-byte native-order length + UTF-8 JSON), logs every message it gets as
one JSON line to $DLRESCUE_SMOKE_LOG, and answers: hello -> version "smoke"; interrupted ->
resume after 300 ms (restart for SERVER_NO_RANGE); outcome -> an event id; history -> the
interruptions it saw, newest first, in the contract's item shape.
"""

import datetime
import json
import os
import struct
import sys

LOG = os.environ.get("DLRESCUE_SMOKE_LOG", "/tmp/dlrescue-smoke-host.jsonl")


def log(entry):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def send(obj):
    data = json.dumps(obj).encode()
    sys.stdout.buffer.write(struct.pack("=I", len(data)) + data)
    sys.stdout.buffer.flush()


def main():
    # replay what earlier host processes heard, so `history` survives a browser restart
    state = {"seen": [], "next_id": 1, "lang": "en"}
    if os.path.exists(LOG):
        with open(LOG, encoding="utf-8") as f:
            for line in f:
                msg = json.loads(line)
                if msg.get("type") in ("interrupted", "outcome"):
                    handle(msg, state, lambda _reply: None)
    log({"argv": sys.argv[1:]})
    while True:
        head = sys.stdin.buffer.read(4)
        if len(head) < 4:
            log({"eof": True})
            return 0
        (size,) = struct.unpack("=I", head)
        msg = json.loads(sys.stdin.buffer.read(size))
        log(msg)
        handle(msg, state, send)


def handle(msg, state, send):
    seen = state["seen"]
    next_id = state["next_id"]
    lang = state["lang"]
    rid = msg.get("rid")
    kind = msg.get("type")
    if kind == "hello":
        state["lang"] = msg.get("lang", "en")
        send({"rid": rid, "ok": True, "host_version": "smoke", "protocol": 1})
    elif kind == "interrupted":
        d = msg["download"]
        action = "restart" if d["error"] == "SERVER_NO_RANGE" else "resume"
        attempt = 1 + sum(1 for s in seen if s["url"] == d["url"])
        if attempt > 5:
            action = "none"
        text = {"en": "The connection dropped; resuming.", "fr": "La connexion a lâché ; reprise."}[
            lang
        ]
        decision = {
            "action": action,
            "delay_ms": 300,
            "attempt": attempt,
            "max_attempts": 5,
            "reason": d["error"],
            "category": d["error"].split("_")[0],
            "notify": False,
            "explanation": text,
        }
        item = {
            "event_id": next_id,
            "at": datetime.datetime.now(datetime.UTC).isoformat(),
            "browser": msg.get("browser"),
            "download_id": d["id"],
            "url": d["url"],
            "filename": d.get("filename", ""),
            "reason": d["error"],
            "known": True,
            "category": decision["category"],
            "action": action,
            "delay_ms": 300,
            "attempt": attempt,
            "max_attempts": 5,
            "outcome": None,
            "explanation": text,
        }
        seen.append(item)
        send({"rid": rid, "ok": True, "event_id": next_id, "decision": decision})
        state["next_id"] = next_id + 1
    elif kind == "outcome":
        d = msg["download"]
        for s in seen:
            if s["url"] == d["url"]:
                s["outcome"] = d["state"]
        send({"rid": rid, "ok": True, "event_id": next_id})
        state["next_id"] = next_id + 1
    elif kind == "history":
        send({"rid": rid, "ok": True, "items": list(reversed(seen)), "truncated": False})
    else:
        send({"rid": rid, "ok": False, "error": {"code": "unknown_type", "message": kind}})


if __name__ == "__main__":
    sys.exit(main())
