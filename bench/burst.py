"""Burst: N `interrupted` messages written at once into one port, ours against the reference.

The host is started and answers `hello` first (start-up is not part of this figure). Then a
writer thread pushes N frames into the pipe as fast as the pipe takes them, noting when each
one went in, while the main thread reads the N replies, noting when each one came out.

- throughput: N / (last reply read - first frame written), messages per second;
- latency of a decision: its reply read - its frame written; p50 and p99 (a host that reads
  ahead takes frames out of the pipe earlier, so their clocks start earlier);
- time to a decision: its reply read - the burst's first frame written, p50 and p99 (when
  fifty downloads fail together, how long each waits from the failure to its decision);
- peak memory: the host's peak RSS (ru_maxrss from wait4), start-up included;
- durability: after the host exits, the N events are counted in its store.

The messages look like a network drop cutting many downloads at once: 50 download ids on
10 mirrors, each interrupted repeatedly, mostly NETWORK_* reasons.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from _common import Sandbox, finish, frame, interrupted, median, percentile, ratio, read_reply

REASONS = ("NETWORK_FAILED", "NETWORK_DISCONNECTED", "NETWORK_TIMEOUT", "SERVER_FAILED")


def messages(count: int) -> list[bytes]:
    return [
        interrupted(
            rid=index + 1,
            download_id=index % 50,
            url=f"https://mirror{index % 10}.example.org/pub/dist/file-{index % 50}.iso?v=2",
            error=REASONS[index % 7 % len(REASONS)],
        )
        for index in range(count)
    ]


def once(sandbox: Sandbox, argv: list[str], frames: list[bytes]) -> dict[str, Any]:
    proc = sandbox.spawn(argv)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(frame({"type": "hello", "rid": 0}))
    if not read_reply(proc.stdout).get("ok"):
        raise RuntimeError(f"{argv!r} refused hello")
    fd = proc.stdin.fileno()
    sent = [0.0] * len(frames)

    def write() -> None:
        for index, data in enumerate(frames):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            sent[index] = time.perf_counter()

    writer = threading.Thread(target=write)
    start = time.perf_counter()
    writer.start()
    received = []
    for index in range(len(frames)):
        reply = read_reply(proc.stdout)
        received.append(time.perf_counter())
        if not reply.get("ok") or reply.get("rid") != index + 1:
            raise RuntimeError(f"{argv!r}: reply {index + 1} was {reply!r}")
    end = time.perf_counter()
    writer.join()
    _, peak_kib = finish(proc)
    latencies = [(r - s) * 1000 for r, s in zip(received, sent, strict=True)]
    waits = [(r - start) * 1000 for r in received]
    return {
        "seconds": end - start,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "wait_p50_ms": percentile(waits, 50),
        "wait_p99_ms": percentile(waits, 99),
        "peak_rss_mib": peak_kib / 1024,
    }


def recorded(path: str) -> int:
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT count(*) FROM events WHERE kind = 'interrupted'").fetchone()
    return int(count)


def recorded_reference(path: str) -> int:
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT count(*) FROM events").fetchone()
    return int(count)


def run(count: int, runs: int) -> dict[str, Any]:
    frames = messages(count)
    results: dict[str, list[dict[str, Any]]] = {"ours": [], "reference": []}
    for index in range(runs):
        sandbox = Sandbox()  # a fresh store each run: every run starts from the same state
        try:
            pair = [("ours", sandbox.ours()), ("reference", sandbox.reference())]
            for name, argv in pair if index % 2 == 0 else pair[::-1]:
                results[name].append(once(sandbox, argv, frames))
            stored = (recorded(str(sandbox.ours_db)), recorded_reference(str(sandbox.reference_db)))
            if stored != (count, count):
                raise RuntimeError(f"recorded {stored} events, expected {count} each")
        finally:
            sandbox.cleanup()

    def summary(name: str) -> dict[str, float]:
        rows = results[name]
        return {
            "msgs_per_s": round(count / median(r["seconds"] for r in rows)),
            "p50_ms": round(median(r["p50_ms"] for r in rows), 1),
            "p99_ms": round(median(r["p99_ms"] for r in rows), 1),
            "wait_p50_ms": round(median(r["wait_p50_ms"] for r in rows), 1),
            "wait_p99_ms": round(median(r["wait_p99_ms"] for r in rows), 1),
            "peak_rss_mib": round(median(r["peak_rss_mib"] for r in rows), 1),
        }

    ours, reference = summary("ours"), summary("reference")
    return {
        "messages": count,
        "runs": runs,
        "ours": ours,
        "reference": reference,
        "throughput_ratio": ratio(ours["msgs_per_s"], reference["msgs_per_s"]),
        "p50_ratio": ratio(ours["p50_ms"], reference["p50_ms"]),
        "p99_ratio": ratio(ours["p99_ms"], reference["p99_ms"]),
        "wait_p50_ratio": ratio(ours["wait_p50_ms"], reference["wait_p50_ms"]),
        "wait_p99_ratio": ratio(ours["wait_p99_ms"], reference["wait_p99_ms"]),
        "rss_ratio": ratio(ours["peak_rss_mib"], reference["peak_rss_mib"]),
    }


if __name__ == "__main__":
    import json
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(json.dumps(run(count, runs), indent=2))
