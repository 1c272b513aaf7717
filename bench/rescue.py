"""The rescue measured in real browsers: dlrescue against the bare browser, same server.

    python bench/rescue.py                                  # every scenario, both browsers
    python bench/rescue.py --browsers chromium --scenarios cut-once,403 --out /tmp/r.json
    python bench/rescue.py --quick                          # three scenarios: a few minutes
    python bench/rescue.py --scenarios retry-after-503,retry-after-429,twenty-outage
                                     # Retry-After and a site that is down: not in the default

For each browser and scenario (bench/_rescue_scenarios.py) the same download is made twice
against tests/e2e/server.py, the misbehaving loopback server:

- **bare**: the browser alone, with an observer extension in dlrescue's place (manifest v3,
  only the `downloads` permission, no background script: nothing rescues);
- **dlrescue**: the extension with its host registered (`dlrescue register`) and the
  product's default policy (no policy.toml);
- **dlrescue+consent** (the scenarios that ask for it): the same, with the user's consent to
  read the server's answers (the optional permission webRequest, given as
  tests/e2e/consent.py does), so that the host hears the HTTP status and Retry-After.

Measured per scenario and mode: completed or not (with the browser's final state), seconds
from the download's start to its completion (the browser's `endTime`), the body bytes the
server sent divided by the file size, the GET and HEAD requests (the extension's probe is a
HEAD), and the requests answered with an error status (>= 400). A download not complete by
the scenario's deadline counts "not completed"; one left interrupted (the bare browser, or
dlrescue after it gave up) is read 2 s after it stopped. The server's figures are read 1 s
after the end. Where the server answered an error status, the seconds from that answer to
the next request (`retried after`); where the host went down, the requests the kernel saw
while nothing listened (`tried while down`, tests/e2e/connections.py; root on Linux).
Writes the results as JSON (--out) and prints a Markdown table per browser.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import itertools
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _rescue_scenarios import (
    ALL_SCENARIOS,
    BY_ID,
    FOUR_MB,
    PER_HOST,
    QUICK,
    SCENARIOS,
    Scenario,
    write_observer,
)

# The rig of the real-browser suite (tests/e2e) drives the browsers and serves the files.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e import connections, consent, product  # noqa: E402
from tests.e2e.browsers import (  # noqa: E402
    Chromium,
    Firefox,
    Home,
    find_chromium,
    find_firefox,
    wait_for,
)
from tests.e2e.rig import EXTENSION_DIR, Rig, short_root  # noqa: E402
from tests.e2e.server import Behaviour, MisbehavingServer, Request  # noqa: E402

BROWSERS = ("chromium", "firefox")
MODES = ("bare", "dlrescue")
CONSENT = "dlrescue+consent"
ALL_MODES = (*MODES, CONSENT)
POLL = 0.5  # seconds between looks at the download list
HOLD = 2.0  # an interrupted download that stays so this long is read as final
SETTLE = 1.0  # seconds between the end and reading the server's records


def binary(name: str) -> str:
    found = find_chromium() if name == "chromium" else find_firefox()
    if found is None:
        package = "chromium" if name == "chromium" else "firefox-esr"
        raise SystemExit(f"rescue.py: {name} is not installed; apt-get install {package}")
    return found


def browser_version(path: str) -> str:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    return out.strip().splitlines()[-1] if out.strip() else "unknown"


@contextlib.contextmanager
def launched(name: str, mode: str, server: MisbehavingServer) -> Iterator[Rig]:
    """A started browser in a throwaway home: the observer (bare) or dlrescue, registered,
    with the default policy (the e2e suite's short-delay policy.toml is not written), and in
    the mode CONSENT the user's consent given."""
    with short_root(name) as root:
        home = Home(root)
        manifest = EXTENSION_DIR / "manifest.json"
        if not manifest.exists():
            raise SystemExit(f"rescue.py: the extension is not built: {manifest} is missing")
        bare = mode == "bare"
        ext = write_observer(root / "observer", manifest) if bare else EXTENSION_DIR
        cls = Chromium if name == "chromium" else Firefox
        rig = Rig(cls(binary(name), home, ext), server)
        if not bare:
            rig.register()
        rig.browser.start()
        try:
            if mode == CONSENT:
                consent.give(rig)
            yield rig
        finally:
            rig.browser.kill()


def wait_serving(server: MisbehavingServer, timeout: float = 60.0) -> None:
    """Wait until the server accepts connections again (after an outage)."""

    def accepts() -> bool:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return True

    wait_for("the test server to accept connections", accepts, timeout, interval=0.5)


def set_stall_seconds(rig: Rig, seconds: int | None) -> None:
    """dlrescue's setting stallSeconds (storage.local `settings`); None: the default."""
    value = "{}" if seconds is None else f"{{stallSeconds: {seconds}}}"
    rig.browser.ext_eval(f"{rig.browser.api()}.storage.local.set({{settings: {value}}})")


def epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def newest(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return max(items, key=lambda d: d.get("startTime") or "", default=None)


class Watch:
    """Follows the downloads of one scenario until each is final: complete, left
    interrupted for HOLD seconds (dlrescue: and its episode closed `given_up`), or past
    the deadline.

    A download's seconds run from the earliest `startTime` of its URL's items (a restart
    is a new item) to the complete item's `endTime`; not before `not_before` (wall clock),
    when the server held the bodies until every download of the scenario was asked for."""

    def __init__(
        self, rig: Rig, mode: str, urls: list[str], wall_start: float, not_before: float = 0.0
    ) -> None:
        self.rig, self.mode, self.urls, self.wall_start = rig, mode, urls, wall_start
        self.not_before = not_before
        self.started: dict[str, float] = {}  # url -> earliest startTime seen
        self.seconds: dict[str, float] = {}  # url -> seconds to completion
        self.final: dict[str, dict[str, Any] | None] = {}  # url -> its newest item
        self.stopped_since: dict[str, float] = {}
        self.items: dict[str, list[dict[str, Any]]] = {u: [] for u in urls}
        self._history_at = 0.0
        self._given_up: set[str] = set()

    def pending(self) -> list[str]:
        return [u for u in self.urls if u not in self.final]

    def look(self) -> None:
        try:
            every = self.rig.browser.downloads()
        except Exception:
            return  # the browser is starting again; look at the next tick
        now = time.monotonic()
        for url in self.pending():
            items = [d for d in every if url in (d.get("url"), d.get("finalUrl"))]
            self.items[url] = items
            for d in items:
                began = epoch(d.get("startTime"))
                if began is not None and began < self.started.get(url, float("inf")):
                    self.started[url] = began
            done = [d for d in items if d.get("state") == "complete"]
            if done:
                end = epoch(done[0].get("endTime")) or time.time()
                began = max(self.started.get(url, self.wall_start), self.not_before)
                took = end - began
                self.seconds[url] = round(max(took, 0.0), 1)
                self.final[url] = done[0]
                continue
            last = newest(items)
            stopped = (
                last is not None
                and last.get("state") == "interrupted"
                and not any(d.get("state") == "in_progress" for d in items)
            )
            if not stopped:
                self.stopped_since.pop(url, None)
                continue
            since = self.stopped_since.setdefault(url, now)
            if now - since >= HOLD and (self.mode == "bare" or self.given_up(url)):
                self.final[url] = last

    def given_up(self, url: str) -> bool:
        """Whether dlrescue closed the url's episode `given_up` (history read at most every
        2 s: each read is a `dlrescue history` process)."""
        if url not in self._given_up and time.monotonic() - self._history_at >= HOLD:
            self._history_at = time.monotonic()
            for u in self.pending():
                hist = self.rig.history(u)
                if hist and hist[-1].get("outcome") == "given_up":
                    self._given_up.add(u)
        return url in self._given_up

    def run(self, deadline: float) -> None:
        while self.pending() and time.monotonic() < deadline:
            self.look()
            if self.pending():
                time.sleep(POLL)
        for url in self.pending():
            self.final[url] = newest(self.items[url])


def state_of(item: dict[str, Any] | None) -> str:
    if item is None:
        return "no download"
    text = str(item.get("state"))
    if item.get("error"):
        text += f" {item['error']}"
    got = item.get("bytesReceived") or 0
    if item.get("state") != "complete" and got:
        text += f", {got / (1024 * 1024):.1f} MiB"
    return text


def identical(item: dict[str, Any], body: bytes) -> bool:
    try:
        return Path(item["filename"]).read_bytes() == body
    except (KeyError, OSError):
        return False


def retried_after(reqs: list[Request]) -> float | None:
    """Seconds from the first answer with a status >= 400 to the end of the request after it
    (the server records a request when it ends: a 4 MiB body on loopback takes well under a
    second); None when nothing came after."""
    ordered = sorted(reqs, key=lambda r: r.at)
    for answer, after in itertools.pairwise(ordered):
        if answer.status >= 400:
            return round(after.at - answer.at, 1)
    return None


def add_files(server: MisbehavingServer, sc: Scenario, paths: list[str]) -> bool:
    """Register the scenario's files with the server; whether a gate holds their bodies
    (the first PER_HOST only when they come from one host)."""
    gated = paths[:PER_HOST] if sc.one_host else paths
    gate = threading.Barrier(len(gated)) if sc.gate else None
    kwargs: dict[str, Any] = {"size": FOUR_MB, **sc.behaviour}
    for p in paths:
        server.add(p, Behaviour(**kwargs, gate=gate if p in gated else None))
    return gate is not None


@contextlib.contextmanager
def outage_log(server: MisbehavingServer, sc: Scenario) -> Iterator[dict[str, Any]]:
    """Around a scenario with an outage: the connection attempts the kernel saw while the
    server was down. Yields a dict that holds at the end the outage's `seconds` and the
    `requests` made while down (two attempts within 50 ms are one request), or why they
    were not counted (`not_counted`). Waits for the outage to end before counting."""
    found: dict[str, Any] = {}
    why = "no outage in this scenario" if sc.outage is None else connections.available()
    if why is not None:
        if sc.outage is not None:
            found["not_counted"] = why
        yield found
        return
    before = len(server.outages)
    with connections.ConnectionLog(server.port) as log:
        yield found
        if len(server.outages) == before:
            found["not_counted"] = "no body was cut: the server never went down"
            return
        wait_for("the outage to end", lambda: server.outages[-1][1] is not None, 60)
        start, end = server.outages[-1]
        assert end is not None
        tried = connections.requests_among(log.between(start, end))
        found.update(seconds=round(end - start, 1), requests=len(tried))


def request_rows(reqs: list[Request], running: bool) -> list[dict[str, Any]]:
    return [
        {
            "method": r.method,
            "range": r.range,
            "status": r.status,
            "sent": r.sent,
            "cut": r.cut,
            **({"still_sending": True} if running else {}),
        }
        for r in reqs
    ]


def run_scenario(rig: Rig, mode: str, sc: Scenario) -> dict[str, Any]:
    """Make the scenario's download(s) in this browser; measure them."""
    server = rig.server
    wait_serving(server)
    suffix = [f"-{i:02d}" for i in range(sc.count)] if sc.count > 1 else [""]
    paths = [rig.path(f"{sc.id}-{mode.replace('+', '-')}{s}.bin") for s in suffix]
    gated = add_files(server, sc, paths)
    stall = sc.stall_seconds if mode != "bare" else None
    if stall is not None:
        set_stall_seconds(rig, stall)
    try:
        with outage_log(server, sc) as down:
            if sc.outage is not None:
                server.outage_on_next_cut(sc.outage, drop_connections=True)
            # one host: the gated bodies hold its six connections, a click page would wait
            via = (
                "extension" if sc.one_host else sc.firefox_via if rig.name == "firefox" else "page"
            )
            wall_start, start = time.time(), time.monotonic()
            urls = rig.download(*paths, via=via, spread=sc.count > 1 and not sc.one_host)
            if gated:  # it held the bodies until the gated downloads were asked for
                start = time.monotonic()
            watch = Watch(rig, mode, urls, wall_start, time.time() if gated else 0.0)
            if sc.kill_after is not None:
                path = paths[0]
                threshold = sc.kill_after
                wait_for("the kill point", lambda: server.progress(path) >= threshold, 60)
                time.sleep(2.0)  # both browsers save their download list on a timer
                watch.look()  # its startTime before the kill
                rig.browser.kill()
                rig.browser.start()
                start = time.monotonic()
            watch.run(start + sc.deadline)
    finally:
        if stall is not None:
            with contextlib.suppress(Exception):
                set_stall_seconds(rig, None)
    time.sleep(SETTLE)
    hist = product.history(rig.home) if mode != "bare" else []
    result = measure(rig, sc, mode, urls, paths, watch, hist)
    if down:
        result["while_down"] = down
    return result


def measure(
    rig: Rig,
    sc: Scenario,
    mode: str,
    urls: list[str],
    paths: list[str],
    watch: Watch,
    hist: list[dict[str, Any]],
) -> dict[str, Any]:
    server = rig.server
    size = int(sc.behaviour.get("size", FOUR_MB))
    downloads: list[dict[str, Any]] = []
    for url, path in zip(urls, paths, strict=True):
        item = watch.final.get(url)
        done = url in watch.seconds
        reqs = server.requests(path)
        live = server.running(path)
        events = sorted((h for h in hist if h.get("url") == url), key=lambda h: h["event_id"])
        downloads.append(
            {
                "path": path,
                "retried_after": retried_after(reqs),
                "completed": done,
                "identical": done and item is not None and identical(item, server.body(path)),
                "seconds": watch.seconds.get(url),
                "state": state_of(item),
                "items": len(watch.items[url]),
                "requests": request_rows(reqs, False) + request_rows(live, True),
                "history": [
                    [h.get(k) for k in ("reason", "action", "outcome", "http_status", "delay_ms")]
                    for h in events
                ],
            }
        )
    every = [r for d in downloads for r in d["requests"]]
    seconds = [d["seconds"] for d in downloads if d["seconds"] is not None]
    retries = [d["retried_after"] for d in downloads if d["retried_after"] is not None]
    states = collections.Counter(d["state"] for d in downloads)
    return {
        "scenario": sc.id,
        "mode": mode,
        "downloads": len(downloads),
        "completed": sum(d["completed"] for d in downloads),
        "identical": sum(d["identical"] for d in downloads),
        "seconds": max(seconds) if seconds else None,
        "retried_after": max(retries) if retries else None,
        "state": "; ".join(f"{n} {s}" if len(downloads) > 1 else s for s, n in states.items()),
        "bytes_ratio": round(sum(r["sent"] for r in every) / (size * len(downloads)), 2),
        "get": sum(r["method"] == "GET" for r in every),
        "head": sum(r["method"] == "HEAD" for r in every),
        "error_answers": sum(r["status"] >= 400 for r in every),
        "per_download": downloads,
    }


def modes_of(sc: Scenario) -> tuple[str, ...]:
    return ALL_MODES if sc.consent else MODES


def run_browser(
    name: str, chosen: list[Scenario], server: MisbehavingServer
) -> list[dict[str, Any]]:
    """Every chosen scenario in its modes (modes_of). The scenarios that do not need a
    browser of their own share one launch per mode; the others get one launch per mode
    each."""
    results: list[dict[str, Any]] = []

    def one(rig: Rig, mode: str, sc: Scenario) -> None:
        print(f"{name} {mode} {sc.id} ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:
            results.append(run_scenario(rig, mode, sc))
        except Exception as e:
            results.append({"scenario": sc.id, "mode": mode, "error": f"{type(e).__name__}: {e}"})
        print(f"  {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)

    def session(mode: str, scenarios: list[Scenario]) -> None:
        try:
            with launched(name, mode, server) as rig:
                for sc in scenarios:
                    one(rig, mode, sc)
        except Exception as e:  # the launch (or the registration) failed
            done = {(r["scenario"], r["mode"]) for r in results}
            for sc in scenarios:
                if (sc.id, mode) not in done:
                    failed = f"the browser did not start: {type(e).__name__}: {e}"
                    results.append({"scenario": sc.id, "mode": mode, "error": failed})

    for mode in ALL_MODES:
        shared = [s for s in chosen if not s.own_browser and mode in modes_of(s)]
        if shared:
            session(mode, shared)
    for sc in (s for s in chosen if s.own_browser):
        for mode in modes_of(sc):
            session(mode, [sc])
    order = {s.id: i for i, s in enumerate(chosen)}
    return sorted(results, key=lambda r: (order[r["scenario"]], ALL_MODES.index(r["mode"])))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit or "unknown",
    }


def completed_cell(r: dict[str, Any]) -> str:
    n = r["downloads"]
    if n > 1:
        text = f"{r['completed']}/{n}"
        if r["identical"] < r["completed"]:
            text += f" ({r['completed'] - r['identical']} differ)"
        return text if r["completed"] == n else f"{text}: {r['state']}"
    if r["completed"]:
        return "yes" if r["identical"] else "yes, but the bytes differ"
    return f"no: {r['state']}"


#: Columns shown when a result of the browser has the figure.
EXTRA_COLUMNS = {
    "retried_after": "retried after (s)",
    "while_down": "tried while down",
}


def extra_cell(r: dict[str, Any], column: str) -> str:
    value = r.get(column)
    if value is None:
        return ""
    if column == "while_down":
        if "not_counted" in value:
            return f"not counted: {value['not_counted']}"
        return f"{value['requests']} in {value['seconds']:.1f} s"
    return f"{value:.1f}"


def markdown(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['platform']}; {m['date']}; commit "
        f"{m['commit']}; load average at start {m['load_average']}.",
        "",
    ]
    for name, b in results["browsers"].items():
        extra = [c for c in EXTRA_COLUMNS if any(r.get(c) is not None for r in b["results"])]
        head = ["completed", "seconds", "bytes/size", "GET", "HEAD", "error answers"]
        head += [EXTRA_COLUMNS[c] for c in extra]
        lines += [
            f"### {b['version']}",
            "",
            f"| scenario | mode | {' | '.join(head)} |",
            "|---|---|---|" + "---:|" * (len(head) - 1),
        ]
        for r in b["results"]:
            if "error" in r:
                why = r["error"].strip().splitlines()[0][:160].replace("|", "/")
                gap = "|" * (len(head) - 1)
                lines.append(f"| {r['scenario']} | {r['mode']} | not measured: {why} {gap}|")
                continue
            secs = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
            cells = [f"{r['bytes_ratio']:.2f}", r["get"], r["head"], r["error_answers"]]
            cells += [extra_cell(r, c) for c in extra]
            lines.append(
                f"| {r['scenario']} | {r['mode']} | {completed_cell(r)} | {secs} | "
                + " | ".join(str(c) for c in cells)
                + " |"
            )
        ran = {r["scenario"] for r in b["results"]}
        lines += ["", f"Scenarios ({name}; 4 MiB files, deadlines from the download's start):", ""]
        if any(r["mode"] == CONSENT for r in b["results"]):
            lines.append(
                f"- mode `{CONSENT}`: dlrescue with the user's consent to read the server's "
                "answers (the host hears the HTTP status and Retry-After)."
            )
        for sc in ALL_SCENARIOS:
            if sc.id in ran:
                extra = []
                if sc.stall_seconds is not None:
                    extra.append(f"dlrescue's stall time set to {sc.stall_seconds} s, not 60")
                if sc.kill_after is not None:
                    extra.append("deadline from the restart")
                if sc.count > 1:
                    extra.append("seconds: the slowest of those completed")
                if sc.one_host or (name == "firefox" and sc.firefox_via == "extension"):
                    extra.append("started with downloads.download")
                note = f" ({'; '.join(extra)})" if extra else ""
                lines.append(f"- `{sc.id}`: {sc.what}; deadline {sc.deadline:.0f} s{note}.")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browsers", default=",".join(BROWSERS), help="comma-separated")
    asked = ", ".join(s.id for s in ALL_SCENARIOS if s not in SCENARIOS)
    parser.add_argument("--scenarios", help=f"comma-separated ids (default: all but {asked})")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "rescue.json")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = parser.parse_args(argv)
    browsers = [b.strip() for b in args.browsers.split(",") if b.strip()]
    if bad := sorted(set(browsers) - set(BROWSERS)):
        parser.error(f"unknown browser(s) {', '.join(bad)}; choose from {', '.join(BROWSERS)}")
    ids = [s.id for s in SCENARIOS]
    if args.scenarios:
        ids = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    elif args.quick:
        ids = list(QUICK)
    if bad := [i for i in ids if i not in BY_ID]:
        parser.error(f"unknown scenario(s) {', '.join(bad)}; choose from {', '.join(BY_ID)}")
    chosen = [BY_ID[i] for i in ids]
    results: dict[str, Any] = {
        "command": shlex.join(["python", "bench/rescue.py", *sys.argv[1:]]),
        "machine": machine(),
        "policy": "the product's defaults (no policy.toml)",
        "browsers": {},
    }
    versions = {name: browser_version(binary(name)) for name in browsers}
    server = MisbehavingServer().start()
    try:
        for name in browsers:
            results["browsers"][name] = {
                "version": versions[name],
                "results": run_browser(name, chosen, server),
            }
    finally:
        server.stop()
    print("\n".join(markdown(results)))
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    failed = [r for b in results["browsers"].values() for r in b["results"] if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
