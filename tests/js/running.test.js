import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { sourcePage } from "../../extension/modules/notify.js";
import { probe, probeUrl, serverWaitMs } from "../../extension/modules/probe.js";
import { STALL_REASON } from "../../extension/modules/catcher.js";
import { DEFAULT_STALL_MS, SETTINGS_KEY, WATCH_TICK_MS, stallMsOf, step } from "../../extension/modules/running.js";
import { CHROME_MAX_RESUMES } from "./fakes.js";
import { makeRig } from "./rig.js";

const opts = { browser: "chrome", stallMs: 60_000 };

/** A download that runs, watched from its creation as the browser reports it. */
function started(rig, extra = {}) {
  const item = rig.api.downloads.add({ state: "in_progress", url: "https://example.org/big.iso", totalBytes: 4000, ...extra });
  rig.api.downloads.onCreated.emit(item);
  return item;
}

/** The download received more bytes (onChanged says nothing of bytes, as in both browsers). */
function receive(rig, id, bytes) {
  rig.api.downloads.items.get(id).bytesReceived = bytes;
}

describe("running watch: one tick's choice (pure)", () => {
  test("Chrome: a running download that received more since the last reset is paused and resumed (its count back to 0)", () => {
    let { seen, act } = step(undefined, { state: "in_progress", bytesReceived: 100 }, 0, opts);
    assert.equal(act, "reset");
    ({ seen, act } = step(seen, { state: "in_progress", bytesReceived: 100 }, 1000, opts));
    assert.equal(act, null, "no new bytes, no reset");
    ({ act } = step(seen, { state: "in_progress", bytesReceived: 150 }, 2000, opts));
    assert.equal(act, "reset");
  });

  test("Firefox: never paused for a count it does not have (its pause drops the connection)", () => {
    const { act } = step(undefined, { state: "in_progress", bytesReceived: 100 }, 0, { ...opts, browser: "firefox" });
    assert.equal(act, null);
  });

  test("a download we paused that is still paused is resumed again; one the user paused is left alone", () => {
    const ours = step(undefined, { state: "in_progress", bytesReceived: 100 }, 0, opts).seen;
    assert.equal(step(ours, { state: "in_progress", paused: true, bytesReceived: 100 }, 1000, opts).act, "unpause");
    assert.equal(step(undefined, { state: "in_progress", paused: true, bytesReceived: 100 }, 1000, opts).act, null);
  });

  test("a stall: nothing received for stallMs (and not paused) is reported once per period", () => {
    let { seen } = step(undefined, { state: "in_progress", bytesReceived: 100 }, 0, { ...opts, browser: "firefox" });
    let act;
    ({ seen, act } = step(seen, { state: "in_progress", bytesReceived: 100 }, 59_999, { ...opts, browser: "firefox" }));
    assert.equal(act, null);
    ({ seen, act } = step(seen, { state: "in_progress", bytesReceived: 100 }, 60_000, { ...opts, browser: "firefox" }));
    assert.equal(act, "stall");
    ({ act } = step(seen, { state: "in_progress", bytesReceived: 100 }, 61_000, { ...opts, browser: "firefox" }));
    assert.equal(act, null, "not again before another period");
  });

  test("a download with every announced byte in is not stalled (Chrome's Save As dialog after a full disk waits on the user)", () => {
    const all = { state: "in_progress", bytesReceived: 2048, totalBytes: 2048 };
    const { seen } = step(undefined, all, 0, { ...opts, browser: "firefox" });
    assert.equal(step(seen, all, 10 * 60_000, { ...opts, browser: "firefox" }).act, null);
    const short = { ...all, bytesReceived: 2047 };
    const first = step(undefined, short, 0, { ...opts, browser: "firefox" }).seen;
    assert.equal(step(first, short, 60_000, { ...opts, browser: "firefox" }).act, "stall", "one byte short is a stall");
    const unknown = { ...all, totalBytes: 0 };
    const begun = step(undefined, unknown, 0, { ...opts, browser: "firefox" }).seen;
    assert.equal(step(begun, unknown, 60_000, { ...opts, browser: "firefox" }).act, "stall", "an unknown size is no proof");
  });

  test("the stall time comes from the settings (stallSeconds); odd values mean 60 s", () => {
    assert.equal(stallMsOf({ stallSeconds: 5 }), 5000);
    for (const bad of [undefined, {}, { stallSeconds: 0 }, { stallSeconds: "x" }, { stallSeconds: -3 }, { stallSeconds: 1e9 }]) {
      assert.equal(stallMsOf(bad), DEFAULT_STALL_MS, JSON.stringify(bad));
    }
  });
});

describe("running watch in the rescuer", () => {
  test("Chrome: a download cut many times keeps its resume count at 0, so the extension's resume still works after Chrome's own retries", async () => {
    const rig = makeRig();
    await rig.start();
    const item = started(rig, { bytesReceived: 100 });
    for (let cut = 1; cut <= 10; cut += 1) {
      // Chrome's silent retry after a cut: its count goes up, and the download goes on
      rig.api.downloads.items.get(item.id).resumeCount = (rig.api.downloads.items.get(item.id).resumeCount ?? 0) + 1;
      receive(rig, item.id, 100 + cut * 300);
      await rig.clock.tick(WATCH_TICK_MS);
      assert.equal(rig.api.downloads.items.get(item.id).resumeCount, 0, `count after cut ${cut}`);
    }
    assert.ok(rig.api.downloads.calls.pause.length >= 10);
    // the next cut reaches the extension: its resume works
    rig.api.downloads.interrupt(item.id, "SERVER_CONTENT_LENGTH_MISMATCH", { bytesReceived: 3200 });
    await rig.clock.tick(1000);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
    assert.deepEqual(rig.api.downloads.calls.download, [], "no restart");
    assert.ok(rig.api.downloads.items.get(item.id).resumeCount < CHROME_MAX_RESUMES);
  });

  test("Chrome: a download cut while we held it paused is resumed at once (count reset), and the host hears nothing of it", async () => {
    const rig = makeRig();
    await rig.start();
    const item = started(rig, { bytesReceived: 100 });
    rig.api.downloads.pause = async (id) => {
      rig.api.downloads.calls.pause.push(id);
      // the cut lands while paused: Chrome reports interrupted AND paused
      rig.api.downloads.change(id, { state: "interrupted", error: "SERVER_CONTENT_LENGTH_MISMATCH", paused: true, canResume: true });
    };
    rig.api.downloads.items.get(item.id).resumeCount = 4;
    await rig.clock.tick(WATCH_TICK_MS);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
    assert.equal(rig.api.downloads.items.get(item.id).resumeCount, 0);
    assert.equal(rig.host.ofType("interrupted").length, 0);
  });

  test("Chrome: a worker that dies while it holds a download paused does not leave it paused: the next worker resumes it", async () => {
    const rig = makeRig();
    await rig.start();
    const item = started(rig, { bytesReceived: 100 });
    const real = rig.api.downloads.resume;
    rig.api.downloads.resume = async (id) => {
      rig.api.downloads.calls.resume.push(id); // between two of Chrome's retries: a no-op
    };
    await rig.clock.tick(WATCH_TICK_MS);
    assert.equal(rig.api.downloads.items.get(item.id).paused, true);
    rig.kill();
    const api = rig.api;
    api.downloads.resume = real;
    const next = makeRig({ api, clock: rig.clock, host: rig.host });
    await next.start();
    await next.clock.tick(WATCH_TICK_MS);
    assert.equal(api.downloads.items.get(item.id).paused, false, "resumed by the next worker");
  });

  test("Firefox: a stalled download goes to the host as NETWORK_STALLED and is reconnected by pause + resume (Range), not restarted", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.api.storage.local.set({ [SETTINGS_KEY]: { stallSeconds: 5 } });
    rig.host.decide = (m) => ({ action: "resume", delay_ms: 0, attempt: 1, max_attempts: 8, reason: m.download.error, category: "NETWORK", notify: false, explanation: "" });
    await rig.start();
    const item = started(rig, { bytesReceived: 1000 });
    await rig.clock.tick(6000);
    const sent = rig.host.ofType("interrupted");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].download.error, STALL_REASON);
    assert.equal(sent[0].download.bytesReceived, 1000);
    assert.equal(sent[0].reachable, true, "a stall is probed: the server answers, so it is reconnected");
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.pause, [item.id]);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    assert.deepEqual(rig.api.downloads.calls.download, []);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
  });

  test("Chrome: a stalled download (a pause keeps the same connection) starts again as a new download, and the stalled one is cancelled", async () => {
    const rig = makeRig();
    await rig.api.storage.local.set({ [SETTINGS_KEY]: { stallSeconds: 5 } });
    rig.host.decide = (m) => ({ action: "resume", delay_ms: 0, attempt: 1, max_attempts: 8, reason: m.download.error, category: "NETWORK", notify: false, explanation: "" });
    await rig.start();
    const item = started(rig, { bytesReceived: 1000 });
    await rig.clock.tick(8000);
    assert.equal(rig.host.ofType("interrupted")[0].download.error, STALL_REASON);
    assert.equal(rig.api.downloads.calls.download.length, 1);
    assert.deepEqual(rig.api.downloads.calls.cancel, [item.id]);
  });
});

describe("the server probe", () => {
  test("the probe is one HEAD without credentials, user-info or fragment; no answer is false", async () => {
    const calls = [];
    const fetch = async (url, init) => {
      calls.push({ url, ...init });
      return { type: "opaque" };
    };
    assert.equal(await probe("https://u:p@example.org/f.iso?sig=1#frag", { fetch }), true);
    assert.equal(calls[0].url, "https://example.org/f.iso?sig=1");
    assert.equal(calls[0].method, "HEAD");
    assert.equal(calls[0].credentials, "omit");
    assert.equal(calls[0].mode, "no-cors");
    const down = async () => {
      throw new TypeError("Failed to fetch");
    };
    assert.equal(await probe("https://example.org/f.iso", { fetch: down }), false);
    assert.equal(await probe("blob:https://example.org/x", { fetch }), undefined);
    assert.equal(probeUrl("data:text/plain,hi"), null);
  });

  test("waits between probes grow from 1 s to at most 60 s", () => {
    assert.deepEqual([0, 1, 2, 3, 6, 7, 30].map((n) => serverWaitMs(n)), [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  test("an attempt that added bytes is not probed; one that added nothing is, and the host hears `reachable`", async () => {
    const rig = makeRig();
    await rig.start();
    const item = started(rig, { bytesReceived: 500 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 500 });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 0, "500 bytes came since the start: progress");
    assert.ok(!("reachable" in rig.host.ofType("interrupted")[0]));
    await rig.clock.tick(1000); // resumed; it fails at once, nothing added
    rig.api.serverDown = true;
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 500 });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 1);
    assert.equal(rig.api.fetches[0].method, "HEAD");
    assert.equal(rig.host.ofType("interrupted")[1].reachable, false);
  });

  test("a SERVER_* reason is the server's own answer: reachable without a probe; a file reason is not probed", async () => {
    const rig = makeRig();
    rig.host.decide = () => ({ action: "none", delay_ms: 0, attempt: 1, max_attempts: 0, reason: "x", category: "SERVER", notify: false, explanation: "" });
    await rig.start();
    const a = started(rig, { bytesReceived: 0 });
    rig.api.downloads.interrupt(a.id, "SERVER_FORBIDDEN", { bytesReceived: 0 });
    const b = started(rig, { bytesReceived: 0, url: "https://example.org/b.iso" });
    rig.api.downloads.interrupt(b.id, "FILE_NO_SPACE", { bytesReceived: 0 });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 0, "no request to a server that said no");
    const [forbidden, noSpace] = rig.host.ofType("interrupted");
    assert.equal(forbidden.reachable, true);
    assert.ok(!("reachable" in noSpace));
  });

  test("Firefox: a resume with canResume false was answered (no probe); bytes back to 0 are probed (a refused connection does that too)", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    const item = started(rig, { bytesReceived: 500 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 500 });
    await rig.clock.tick(1000);
    rig.api.serverDown = true;
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 0 });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 1, "Firefox counts from 0 after a refused connection as after a 403");
    assert.equal(rig.host.ofType("interrupted")[1].reachable, false);
    rig.api.serverDown = false;
    const other = started(rig, { bytesReceived: 300, url: "https://other.example/b.iso" });
    rig.api.downloads.interrupt(other.id, "NETWORK_FAILED", { bytesReceived: 300 });
    await rig.clock.tick(5000); // resumed by then
    const before = rig.api.fetches.length;
    rig.api.downloads.interrupt(other.id, "NETWORK_FAILED", { bytesReceived: 0, canResume: false });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, before, "no HEAD to a server that said it cannot resume");
    assert.equal(rig.host.ofType("interrupted").at(-1).reachable, true);
  });

  test("Firefox: a fresh attempt (a first try or a restart) refused with nothing received and canResume false is probed, not taken for an answer", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    rig.api.serverDown = true;
    const fresh = started(rig, { bytesReceived: 0, url: "https://down.example/c.iso" });
    rig.api.downloads.interrupt(fresh.id, "NETWORK_FAILED", { bytesReceived: 0, canResume: false });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 1, "the server is probed");
    assert.equal(rig.host.ofType("interrupted")[0].reachable, false, "a site that is down is not an answer");
  });

  test("while the server does not answer, a due resume is not spent: it probes again with growing waits and resumes once it answers", async () => {
    const rig = makeRig();
    rig.host.decide = () => ({ action: "resume", delay_ms: 200, attempt: 2, max_attempts: 8, reason: "NETWORK_FAILED", category: "NETWORK", notify: false, explanation: "" });
    await rig.start();
    const item = started(rig, { bytesReceived: 0 });
    rig.api.serverDown = true;
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 0 });
    await rig.clock.tick(200 + 1000 + 2000 + 4000);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "no resume while the server does not answer");
    assert.equal(rig.api.fetches.length, 4, "the first probe, then one per wait of the site (1, 2, 4 s after it)");
    rig.api.serverDown = false;
    await rig.clock.tick(8000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    assert.equal(rig.host.ofType("interrupted").length, 1, "the outage spent one event, not one per probe");
  });
});

describe("a download left alone points back to where it came from", () => {
  test("the page to open: the referrer when it is a web page, else the download's site; nothing for blob:/data:", () => {
    assert.equal(sourcePage({ referrer: "https://shop.example/item?id=3#x", url: "https://cdn.example/f.iso?sig=1" }), "https://shop.example/item?id=3");
    assert.equal(sourcePage({ referrer: "", url: "https://u:p@cdn.example/f.iso?sig=1" }), "https://cdn.example/");
    assert.equal(sourcePage({ referrer: null, url: "blob:https://x.example/1" }), null);
  });

  test("an expired link left with a notification: Chrome shows an 'Open the page' button, and a click opens the referrer", async () => {
    const rig = makeRig();
    rig.host.decide = () => ({ action: "none", delay_ms: 0, attempt: 2, max_attempts: 2, reason: "NETWORK_FAILED", category: "NETWORK", notify: true, explanation: "The link has probably expired." });
    await rig.start();
    const item = started(rig, { bytesReceived: 0, referrer: "https://shop.example/item?id=3" });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(0);
    const shown = rig.api.notifications.created.at(-1);
    assert.match(shown.id, /^dlrescue:left:/);
    assert.equal(shown.options.message, "The link has probably expired.");
    assert.equal(shown.options.buttons[0].title, "Open the page");
    rig.api.notifications.onButtonClicked.emit(shown.id, 0);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.tabs.created, [{ url: "https://shop.example/item?id=3" }]);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "nothing is retried");
  });
});
