import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { recordKey } from "../../extension/modules/keys.js";
import { RECONCILE_HORIZON_MS } from "../../extension/modules/catcher.js";
import { LAST_MANAGED_KEY, MANAGED_WAIT_MS } from "../../extension/modules/managed.js";
import { VERIFY_AFTER_MS } from "../../extension/modules/resume_check.js";
import { WAKE_ALARM, WATCH_ALARM } from "../../extension/modules/schedule.js";
import { FakeHost } from "./fakes.js";
import { addInterrupted, makeRig } from "./rig.js";

const decision = (extra = {}) => ({
  action: "resume", delay_ms: 1000, attempt: 1, max_attempts: 5, reason: "NETWORK_FAILED",
  category: "NETWORK", notify: false, explanation: "The connection dropped.", ...extra,
});

/** A running download in the rig's browser. */
function running(rig, extra = {}) {
  return rig.api.downloads.add({ state: "in_progress", url: "https://example.org/big.iso", ...extra });
}

describe("catching interruptions", () => {
  test("a Chrome interruption is forwarded once, with the whole item read by search({id})", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig, { bytesReceived: 300, totalBytes: 1000 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(0);
    const sent = rig.host.ofType("interrupted");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].browser, "chrome");
    assert.equal(sent[0].download.id, item.id);
    assert.equal(sent[0].download.error, "NETWORK_FAILED");
    assert.equal(sent[0].download.totalBytes, 1000, "fields the delta lacks come from the full item");
    assert.ok(rig.api.downloads.calls.search.some((q) => q.id === item.id));
  });

  test("a Firefox interruption (delta with nulls) is forwarded with browser firefox", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    const item = running(rig);
    const delta = rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    assert.equal(delta.error.previous, null, "the fake sends Firefox's shape");
    await rig.clock.tick(0);
    const sent = rig.host.ofType("interrupted");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].browser, "firefox");
  });

  test("a Firefox pause (interrupted, USER_CANCELED, paused) is not forwarded", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.change(item.id, { state: "interrupted", error: "USER_CANCELED", paused: true, canResume: true });
    await rig.clock.tick(0);
    assert.equal(rig.host.ofType("interrupted").length, 0);
    assert.ok(rig.log.lines.some((l) => /paused/.test(l.text)));
  });

  test("state changes other than interrupted are not forwarded", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig);
    rig.api.downloads.change(item.id, { state: "complete" });
    rig.api.downloads.change(item.id, { filename: "/tmp/x" });
    await rig.clock.tick(0);
    assert.equal(rig.host.ofType("interrupted").length, 0);
    assert.equal(rig.host.ofType("outcome").length, 0, "a download we never touched has no outcome");
  });
});

describe("reconciliation on every start", () => {
  test("start-up forwards interrupted downloads never decided, found by search({}) and filtered here", async () => {
    const rig = makeRig();
    addInterrupted(rig.api, { url: "https://example.org/a", error: "CRASH" });
    addInterrupted(rig.api, { url: "https://example.org/b", error: "NETWORK_FAILED" });
    running(rig, { url: "https://example.org/c" });
    rig.api.downloads.add({ url: "https://example.org/d", state: "complete" });
    await rig.start();
    const sent = rig.host.ofType("interrupted").map((m) => m.download.url).sort();
    assert.deepEqual(sent, ["https://example.org/a", "https://example.org/b"]);
    assert.ok(rig.api.downloads.calls.search.some((q) => Object.keys(q).length === 0), "searched everything");
    assert.ok(!rig.api.downloads.calls.search.some((q) => "state" in q), "never trusted search({state})");
  });

  test("several interruptions missed by a silently dead worker are all caught by the next start", async () => {
    const first = makeRig();
    await first.start();
    const a = running(first, { url: "https://example.org/1" });
    first.api.downloads.interrupt(a.id);
    await first.clock.tick(0);
    first.kill(); // Chromium's worker dies, no onDisconnect, no more events
    const b = running(first, { url: "https://example.org/2" });
    const c = running(first, { url: "https://example.org/3" });
    first.api.downloads.interrupt(b.id);
    first.api.downloads.interrupt(c.id);
    assert.equal(first.host.ofType("interrupted").length, 1);

    const second = makeRig({ api: first.api, host: first.host, clock: first.clock });
    await second.start();
    const urls = second.host.ofType("interrupted").map((m) => m.download.url);
    assert.deepEqual(urls.sort(), ["https://example.org/1", "https://example.org/2", "https://example.org/3"],
      "the two missed ones are forwarded; the decided one is not sent again");
  });

  test("while a download runs a periodic watch alarm exists, and it brings back a silently dead worker", async () => {
    const first = makeRig();
    await first.start();
    assert.equal(first.api.alarms.alarms.has(WATCH_ALARM), false, "no download, no alarm");
    const item = running(first);
    first.api.downloads.onCreated.emit(item);
    await first.clock.tick(0);
    assert.equal(first.api.alarms.alarms.get(WATCH_ALARM).periodInMinutes, 1);
    first.kill();
    first.api.downloads.interrupt(item.id); // nobody listens
    await first.clock.tick(60_000);
    const second = makeRig({ api: first.api, host: first.host, clock: first.clock });
    first.api.alarms.fire(WATCH_ALARM); // the browser starts a new worker for the alarm
    await second.start();
    assert.equal(second.host.ofType("interrupted").length, 1);
    assert.equal(first.api.alarms.alarms.has(WATCH_ALARM), false, "nothing runs: the alarm is dropped");
  });

  test("a decided download is not forwarded again by the next worker", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none", delay_ms: 0 });
    addInterrupted(rig.api, { url: "https://example.org/a" });
    await rig.start();
    rig.kill();
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    assert.equal(next.host.ofType("interrupted").length, 1);
  });

  test("Firefox's new session reuses id 1: the new download 1 is forwarded, not taken for the old one", async () => {
    const rig = makeRig({ browser: "firefox" });
    rig.host.decide = () => decision({ action: "none" });
    addInterrupted(rig.api, { id: 1, url: "https://example.org/a", startTime: "2026-01-14T10:00:00.000Z" });
    await rig.start();
    rig.kill();
    rig.api.restartBrowser();
    rig.api.downloads.items.clear(); // the old one was cleared from the list
    addInterrupted(rig.api, { id: 1, url: "https://example.org/a", startTime: "2026-01-15T11:00:00.000Z" });
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    assert.equal(next.host.ofType("interrupted").length, 2);
  });

  test("Firefox renumbers the old interrupted downloads after a browser restart: they are recognised, not sent again", async () => {
    const rig = makeRig({ browser: "firefox" });
    rig.host.decide = () => decision({ action: "none" });
    running(rig, { url: "https://example.org/keep" });
    addInterrupted(rig.api, { url: "https://example.org/a" });
    await rig.start();
    assert.equal(rig.host.ofType("interrupted").length, 1);
    rig.kill();
    rig.api.restartBrowser(); // "a" is now download 2 with the same startTime
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    assert.equal(next.host.ofType("interrupted").length, 1);
    assert.equal(next.rescuer.ledger.get(recordKey(rig.api.downloads.items.get(2))).status, "left");
  });

  test("Chrome's downloads cut by a browser restart come back as CRASH and are forwarded", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none" });
    addInterrupted(rig.api, { url: "https://example.org/old" });
    await rig.start();
    running(rig, { url: "https://example.org/running" });
    rig.kill();
    rig.api.restartBrowser();
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    const sent = next.host.ofType("interrupted").map((m) => `${m.download.url} ${m.download.error}`);
    assert.deepEqual(sent, ["https://example.org/old NETWORK_FAILED", "https://example.org/running CRASH"]);
  });

  test("interrupted downloads older than the horizon are left alone on first install", async () => {
    const rig = makeRig();
    const old = new Date(rig.clock.now() - RECONCILE_HORIZON_MS - 1000).toISOString();
    addInterrupted(rig.api, { url: "https://example.org/old", startTime: old, endTime: old });
    await rig.start();
    assert.equal(rig.host.ofType("interrupted").length, 0);
  });
});

describe("the queue when the host is missing or busy", () => {
  test("with no host, the event is kept in storage.local and the popup state says host_missing", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    assert.equal(rig.port.status().status, "host_missing");
    assert.equal(rig.api.storage.local.data.outbox.items.length, 1);
    assert.equal(rig.api.storage.local.data.outbox.items[0].message.download.id, item.id);
  });

  test("the queue survives the worker's death and is flushed when the host is back", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    rig.kill();

    const host = new FakeHost();
    const next = makeRig({ api: rig.api, host, clock: rig.clock });
    await next.start();
    assert.equal(host.ofType("interrupted").length, 1);
    assert.equal(host.received[0].type, "hello", "hello first");
    assert.equal(next.rescuer.outbox.size, 0);
    assert.equal(rig.api.storage.local.data.outbox.items.length, 0);
  });

  test("an event sent again after the worker died mid-way carries the same event_key (the host can drop the repeat)", async () => {
    const rig = makeRig();
    await rig.start();
    rig.host.silent = true; // the host records it, the reply never reaches the stored queue
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(100);
    rig.kill();
    rig.host.silent = false;
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    const sent = rig.host.ofType("interrupted");
    assert.equal(sent.length, 2);
    assert.match(sent[0].event_key, /^[0-9a-f-]{36}$/);
    assert.equal(sent[1].event_key, sent[0].event_key);
  });

  test("different events get different event_keys", async () => {
    const rig = makeRig();
    await rig.start();
    const a = running(rig, { url: "https://example.org/a" });
    const b = running(rig, { url: "https://example.org/b" });
    rig.api.downloads.interrupt(a.id);
    rig.api.downloads.interrupt(b.id);
    await rig.clock.tick(0);
    const keys = rig.host.received.filter((m) => m.event_key).map((m) => m.event_key);
    assert.equal(new Set(keys).size, keys.length);
  });

  test("a host that appears while the worker lives gets the queue on the reconnect", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    rig.api.host = new FakeHost();
    await rig.clock.tick(60_000);
    assert.equal(rig.api.host.ofType("interrupted").length, 1);
  });

  test("store_unavailable keeps the event queued and retries with backoff until it is stored", async () => {
    const rig = makeRig();
    let refusals = 2;
    rig.host.errorFor = (m) => (m.type === "interrupted" && refusals-- > 0
      ? { code: "store_unavailable", message: "database is locked" } : null);
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    assert.equal(rig.host.ofType("interrupted").length, 1);
    assert.equal(rig.rescuer.outbox.size, 1);
    await rig.clock.tick(1999);
    assert.equal(rig.host.ofType("interrupted").length, 1, "waits 2 s");
    await rig.clock.tick(1);
    assert.equal(rig.host.ofType("interrupted").length, 2);
    await rig.clock.tick(4000);
    assert.equal(rig.host.ofType("interrupted").length, 3, "then 4 s");
    assert.equal(rig.rescuer.outbox.size, 0);
    assert.equal(rig.rescuer.ledger.get(recordKey(rig.api.downloads.items.get(item.id))).status, "acted");
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "its 1 s counted from the cut, 6 s ago: resumed at once");
  });

  test("invalid_reason drops the event (logged), never loops on it, and the queue goes on", async () => {
    const rig = makeRig();
    rig.host.errorFor = (m) => (m.type === "interrupted" && m.download.error === "bad reason"
      ? { code: "invalid_reason", message: "lower-case junk", field: "download.error" } : null);
    await rig.start();
    const bad = running(rig, { url: "https://example.org/bad" });
    const good = running(rig, { url: "https://example.org/good" });
    rig.api.downloads.interrupt(bad.id, "bad reason");
    rig.api.downloads.interrupt(good.id, "NETWORK_FAILED");
    await rig.clock.tick(60_000);
    const sent = rig.host.ofType("interrupted");
    assert.equal(sent.filter((m) => m.download.url.endsWith("bad")).length, 1);
    assert.equal(sent.filter((m) => m.download.url.endsWith("good")).length, 1);
    assert.equal(rig.rescuer.outbox.size, 0);
    assert.ok(rig.log.lines.some((l) => l.level === "error" && /invalid_reason/.test(l.text)));
    const badKey = recordKey(rig.api.downloads.items.get(bad.id));
    assert.equal(rig.rescuer.ledger.get(badKey).status, "refused");
  });

  test("a hung host (no reply) keeps the event and tries again later", async () => {
    const rig = makeRig();
    await rig.start();
    rig.host.silent = true;
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(10_000);
    assert.equal(rig.rescuer.outbox.size, 1);
    rig.host.silent = false;
    await rig.clock.tick(2000);
    assert.equal(rig.rescuer.outbox.size, 0);
  });
});

describe("carrying out decisions", () => {
  test("resume calls downloads.resume after delay_ms, not before", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 4000 });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(3999);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    await rig.clock.tick(1);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
  });

  for (const browser of ["chrome", "firefox"]) {
    test(`${browser}: the host's wait counts from the cut, not from its decision 3 s later (a hello held at the browser's start)`, async () => {
      const rig = makeRig({ browser, helloDelayMs: 3000 });
      rig.host.decide = () => decision({ delay_ms: 15_000, reason: "SERVER_FAILED", category: "SERVER" });
      const item = running(rig);
      rig.rescuer.start("test start");
      await rig.clock.tick(0);
      assert.equal(rig.api.runtime.ports.length, 1, "the host is started while the hello's fields are read");
      const cutAt = rig.clock.now();
      rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
      await rig.clock.tick(2999);
      assert.equal(rig.host.ofType("interrupted").length, 0, "the host hears of it only once the hello went");
      await rig.clock.tick(1);
      const rec = rig.rescuer.ledger.get(recordKey(item));
      assert.equal(rec.status, "decided");
      assert.equal(rec.pending.dueAt, cutAt + 15_000, "15 s from the cut, not 18 s");
      await rig.clock.tick(cutAt + 14_999 - rig.clock.now());
      assert.deepEqual(rig.api.downloads.calls.resume, [], "never sooner than the 15 s the host decided");
      await rig.clock.tick(1);
      assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    });
  }

  test("a backoff shorter than the host's delay in answering runs as soon as the decision comes, never before", async () => {
    const rig = makeRig({ helloDelayMs: 3000 });
    rig.host.decide = () => decision({ delay_ms: 1000 });
    const item = running(rig);
    rig.rescuer.start("test start");
    await rig.clock.tick(0);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(2999);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "nothing before the decision");
    await rig.clock.tick(1);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "its 1 s had passed: resumed at once, not 1 s later");
  });

  test("chrome: with the last managed policy kept, an interruption at the browser's start is decided and resumed at once, not once storage.managed answers 2.8 s later; its answer (another policy) reaches the host in a second hello on the same port", async () => {
    const kept = { reasons: { CRASH: { max_attempts: 2 } } };
    const fresh = { reasons: { CRASH: { action: "none" } } };
    const rig = makeRig({ managed: { policy: fresh, answerMs: 2800 } });
    await rig.api.storage.local.set({ [LAST_MANAGED_KEY]: { policy: kept } });
    rig.host.decide = () => decision({ delay_ms: 0, reason: "CRASH", category: "CRASH" });
    const item = running(rig);
    rig.rescuer.start("test start");
    await rig.clock.tick(0);
    rig.api.downloads.interrupt(item.id, "CRASH");
    await rig.clock.tick(MANAGED_WAIT_MS);
    assert.deepEqual(rig.host.ofType("hello").map((m) => m.managed_policy), [kept], "the last policy read");
    assert.equal(rig.host.ofType("interrupted").length, 1, "decided 0.25 s after the start");
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "and resumed then");
    await rig.clock.tick(2800 - MANAGED_WAIT_MS);
    assert.deepEqual(rig.host.ofType("hello").map((m) => m.managed_policy), [kept, fresh]);
    assert.equal(rig.api.runtime.ports.length, 1, "the same port");
    assert.deepEqual(rig.port.helloSent.managedPolicy, fresh, "deciding alone uses it too");
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).decision.action, "resume", "what was done stays done");
    await rig.clock.tick(60_000);
    assert.equal(rig.host.ofType("hello").length, 2, "sent once");
  });

  test("a storage.managed that answers the same policy as the one kept sends no second hello", async () => {
    const kept = { reasons: { CRASH: { max_attempts: 2 } } };
    const rig = makeRig({ managed: { policy: { reasons: { CRASH: { max_attempts: 2 } } }, answerMs: 2800 } });
    await rig.api.storage.local.set({ [LAST_MANAGED_KEY]: { policy: kept } });
    await rig.start();
    await rig.clock.tick(5000);
    assert.deepEqual(rig.host.ofType("hello").map((m) => m.managed_policy), [kept]);
  });

  test("after a verified resume the host hears in_progress, and complete when it completes", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(1000 + VERIFY_AFTER_MS);
    assert.deepEqual(rig.host.ofType("outcome").map((m) => m.download.state), ["in_progress"]);
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(0);
    const outcomes = rig.host.ofType("outcome").map((m) => m.download);
    assert.deepEqual(outcomes.map((d) => d.state), ["in_progress", "complete"]);
    assert.equal(outcomes[1].url, "https://example.org/big.iso");
    assert.equal(outcomes[1].id, item.id);
  });

  for (const browser of ["chrome", "firefox"]) {
    test(`${browser}: a resumed download that fails again is the same download (Firefox moves its startTime on resume)`, async () => {
      const rig = makeRig({ browser });
      await rig.start();
      const item = running(rig);
      rig.api.downloads.interrupt(item.id);
      await rig.clock.tick(1000 + VERIFY_AFTER_MS);
      rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
      await rig.clock.tick(0);
      const rec = rig.rescuer.ledger.get(recordKey(item));
      assert.equal(rec.interruptions, 2);
      assert.equal(rig.host.ofType("outcome").filter((m) => m.download.state === "interrupted").length, 1);
      assert.equal(rig.rescuer.ledger.all().length, 1, "one record, not one per startTime");
    });
  }

  test("a retried download interrupted again reports outcome interrupted, then a new interrupted event", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(1000 + VERIFY_AFTER_MS);
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    const types = rig.host.received.filter((m) => m.type !== "hello").map((m) => `${m.type}:${m.type === "outcome" ? m.download.state : m.download.error}`);
    assert.deepEqual(types, ["interrupted:NETWORK_FAILED", "outcome:in_progress", "outcome:interrupted", "interrupted:SERVER_FAILED"]);
  });

  test("Chrome's silent resume cap: resume() does nothing, so the partial file is kept and a click is asked for (no restart from zero)", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig);
    rig.api.downloads.resumeBehaviour.set(item.id, "ignored");
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 400 });
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    await rig.clock.tick(VERIFY_AFTER_MS);
    assert.deepEqual(rig.api.downloads.calls.download, [], "a restart would throw the partial file away");
    assert.ok(rig.log.lines.some((l) => /resume\(\) was accepted but nothing happened/.test(l.text)));
    const shown = rig.api.notifications.created.at(-1);
    assert.match(shown.id, /^dlrescue:click:/);
    rig.api.downloads.resumeBehaviour.set(item.id, "works"); // a user gesture resets Chrome's count
    rig.api.notifications.onClicked.emit(shown.id);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id, item.id]);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
    assert.equal(rig.api.downloads.items.get(item.id).bytesReceived, 400);
    assert.deepEqual(rig.api.downloads.calls.download, []);
  });

  test("the resume cap on a blob: download (cannot be refetched) asks for a click; the click resumes", async () => {
    const rig = makeRig();
    await rig.start();
    const item = running(rig, { url: "blob:https://example.org/123" });
    rig.api.downloads.resumeBehaviour.set(item.id, "ignored");
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(1000 + VERIFY_AFTER_MS);
    const shown = rig.api.notifications.created.at(-1);
    assert.match(shown.id, /^dlrescue:click:/);
    assert.equal(shown.options.buttons.length, 1);
    assert.equal(shown.options.buttons[0].title, "Resume");
    rig.api.downloads.resumeBehaviour.set(item.id, "works"); // a user gesture resets Chrome's count
    rig.api.notifications.onButtonClicked.emit(shown.id, 0);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id, item.id]);
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
  });

  test("a resume the browser refuses (canResume false) falls back to a restart", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { canResume: false });
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.download, [{ url: "https://example.org/big.iso", filename: `file-${item.id}.bin`, conflictAction: "uniquify" }]);
  });

  test("Firefox: resume() settling only when the download ends does not hold up anything else", async () => {
    const rig = makeRig({ browser: "firefox" });
    await rig.start();
    const a = running(rig, { url: "https://example.org/a" });
    const b = running(rig, { url: "https://example.org/b" });
    rig.api.downloads.interrupt(a.id);
    await rig.clock.tick(1000 + VERIFY_AFTER_MS); // a is resumed and running; its resume() is pending
    rig.api.downloads.interrupt(b.id);
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.resume, [a.id, b.id], "b was handled while a's resume() was pending");
    rig.api.downloads.change(a.id, { state: "complete" });
    await rig.clock.tick(500); // b's resume() is given 300 ms to say "refused"
    assert.deepEqual(rig.host.ofType("outcome").at(-1).download, { id: a.id, url: "https://example.org/a", state: "complete" });
  });

  test("Firefox: resume() rejected because the resumed download failed again is reported to the host, not restarted by us", async () => {
    const rig = makeRig({ browser: "firefox" });
    rig.host.decide = (m) => decision(m.download.canResume ? {} : { action: "restart", attempt: 2 });
    await rig.start();
    const item = running(rig);
    const resume = rig.api.downloads.resume;
    rig.api.downloads.resume = (id) => {
      const p = resume(id);
      setImmediate(() => rig.api.downloads.change(id, { state: "interrupted", error: "NETWORK_FAILED", canResume: false }));
      return p; // rejects: NS_ERROR_ENTITY_CHANGED in the real browser
    };
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(1000 + VERIFY_AFTER_MS);
    const seen = rig.host.received.filter((m) => m.type !== "hello").map((m) => `${m.type}:${m.type === "outcome" ? m.download.state : m.download.error}`);
    assert.deepEqual(seen, ["interrupted:NETWORK_FAILED", "outcome:interrupted", "interrupted:NETWORK_FAILED"]);
    assert.deepEqual(rig.api.downloads.calls.download, [{ url: "https://example.org/big.iso", filename: `file-${item.id}.bin`, conflictAction: "uniquify" }], "restarted on the host's decision");
  });

  test("a download replaced by a restart that fails again later is not forwarded", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "restart", delay_ms: 0, category: "SERVER" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "SERVER_NO_RANGE");
    await rig.clock.tick(0);
    rig.api.downloads.change(item.id, { state: "in_progress" });
    rig.api.downloads.interrupt(item.id, "SERVER_NO_RANGE");
    await rig.clock.tick(0);
    assert.equal(rig.host.ofType("interrupted").length, 1);
  });

  test("restart downloads the URL afresh; the new download's completion is the episode's outcome", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "restart", delay_ms: 2000, reason: "SERVER_NO_RANGE", category: "SERVER" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "SERVER_NO_RANGE");
    await rig.clock.tick(2000);
    assert.deepEqual(rig.api.downloads.calls.download, [{ url: "https://example.org/big.iso", filename: `file-${item.id}.bin`, conflictAction: "uniquify" }]);
    const fresh = [...rig.api.downloads.items.values()].find((i) => i.id !== item.id);
    rig.api.downloads.change(fresh.id, { state: "complete" });
    await rig.clock.tick(0);
    const outcome = rig.host.ofType("outcome").at(-1).download;
    assert.deepEqual(outcome, { id: fresh.id, url: "https://example.org/big.iso", state: "complete" });
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).status, "replaced");
  });

  test("a private (incognito) download is not restarted into the normal profile in Chrome", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "restart", delay_ms: 0, category: "SERVER" });
    await rig.start();
    const item = running(rig, { incognito: true });
    rig.api.downloads.interrupt(item.id, "SERVER_NO_RANGE");
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.download, []);
    assert.doesNotMatch(JSON.stringify(rig.api.storage.local.data), /big\.iso/);
  });

  test("none with notify shows a notification with the host's explanation", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none", delay_ms: 0, notify: true, reason: "SERVER_FORBIDDEN", category: "SERVER", explanation: "The server refused: the link may have expired." });
    await rig.start();
    const item = running(rig, { filename: "/home/u/Downloads/report.pdf" });
    rig.api.downloads.interrupt(item.id, "SERVER_FORBIDDEN");
    await rig.clock.tick(0);
    assert.equal(rig.api.notifications.created.length, 1);
    const { id, options } = rig.api.notifications.created[0];
    assert.match(id, /^dlrescue:left:/);
    assert.equal(options.title, "Download stopped: report.pdf");
    assert.equal(options.message, "The server refused: the link may have expired.");
    assert.equal(options.iconUrl, `chrome-extension://gjccldfdjgdpkjgmhcahflepmbmohjjc/icons/icon-128.png`);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
  });

  test("none without notify leaves the download alone, silently", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none", notify: false });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "USER_CANCELED");
    await rig.clock.tick(60_000);
    assert.equal(rig.api.notifications.created.length, 0);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    assert.deepEqual(rig.api.downloads.calls.download, []);
  });

  test("a long wait (>= 30 s) is persisted and runs on the alarm in a new worker", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 120_000, category: "SERVER", reason: "SERVER_FAILED" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    const alarm = rig.api.alarms.alarms.get(WAKE_ALARM);
    assert.equal(alarm.scheduledTime, rig.clock.now() + 120_000);
    assert.equal(rig.clock.pendingTimers().filter((ms) => ms === 120_000).length, 0, "no timer for a long wait");
    rig.kill();

    await rig.clock.tick(120_000);
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    rig.api.alarms.fire(WAKE_ALARM);
    await next.start();
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
  });

  test("a short wait lost with the worker runs when the next worker starts", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 5000 });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    rig.kill();
    await rig.clock.tick(40_000);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    const next = makeRig({ api: rig.api, host: rig.host, clock: rig.clock });
    await next.start();
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    assert.equal(rig.host.ofType("interrupted").length, 1, "not forwarded again");
  });

  test("a network retry waits until the browser is online", async () => {
    const rig = makeRig({ online: false });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "NETWORK_DISCONNECTED");
    await rig.clock.tick(30_000);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    assert.ok(rig.log.lines.some((l) => /waiting for the network/.test(l.text)));
    rig.setOnline(true);
    await rig.clock.tick(5000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
  });

  test("a server retry does not wait for the network", async () => {
    const rig = makeRig({ online: false });
    rig.host.decide = () => decision({ category: "SERVER", reason: "SERVER_FAILED" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
  });

  test("a download the user resumed by hand before our timer is not resumed again", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 10_000 });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    await rig.clock.tick(10_000);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
  });
});

describe("popup commands", () => {
  test("retry now runs the pending action at once, ignoring the wait", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 60_000 });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    const result = await rig.rescuer.retryNow({ key: recordKey(item) });
    assert.deepEqual(result, { ok: true, did: "resumed" });
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    await rig.clock.tick(60_000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "the old plan is gone");
  });

  test("retry now after the popup resumed it itself only watches it", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none" });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    await rig.api.downloads.resume(item.id); // the popup's own call, with the click's gesture
    const result = await rig.rescuer.retryNow({ key: recordKey(item), resumedInPopup: true });
    assert.deepEqual(result, { ok: true, did: "resumed" });
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(VERIFY_AFTER_MS);
    assert.equal(rig.host.ofType("outcome").at(-1).download.state, "complete");
  });

  test("retry now for a download erased from the list restarts it from its real URL", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none" });
    await rig.start();
    const item = running(rig, { url: "https://example.org/gone.zip" });
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    rig.api.downloads.items.delete(item.id);
    const result = await rig.rescuer.retryNow({ key: recordKey(item) });
    assert.deepEqual(result, { ok: true, did: "restarted" });
    assert.deepEqual(rig.api.downloads.calls.download, [{ url: "https://example.org/gone.zip" }]);
  });

  test("give up cancels the pending action and sends outcome given_up", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 10_000 });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    await rig.rescuer.giveUp({ key: recordKey(item) });
    await rig.clock.tick(20_000);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    assert.deepEqual(rig.host.ofType("outcome").at(-1).download, { id: item.id, url: item.url, state: "given_up" });
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).status, "left");
  });

  test("the debug state shows the host, the queue and the records", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    const state = rig.rescuer.debugState();
    assert.equal(state.host.status, "host_missing");
    assert.equal(state.outbox.length, 1);
    assert.equal(state.records[0].status, "decided", "no host: decided by the extension alone");
    assert.equal(state.records[0].decidedBy, "alone");
    assert.equal(state.outbox[0].local, true, "and kept for the host");
  });
});

describe("scale", () => {
  test("reconciling 5000 downloads against 1000 records stays fast (well under a second)", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ action: "none" });
    for (let i = 0; i < 1000; i += 1) {
      await rig.rescuer.ledger.put(`${i}|https://example.org/r${i}`, { id: i, url: `https://example.org/r${i}`, status: "left", startTime: "x", session: "old" });
    }
    for (let i = 0; i < 5000; i += 1) rig.api.downloads.add({ url: `https://example.org/d${i}`, state: i % 500 ? "complete" : "interrupted" });
    const started = performance.now();
    await rig.start();
    const ms = performance.now() - started;
    assert.equal(rig.host.ofType("interrupted").length, 10);
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
  });
});
