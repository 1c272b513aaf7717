import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { hostDecidesAgain, withInterruption } from "../../extension/modules/alone.js";
import { handleCommand } from "../../extension/modules/commands.js";
import { recordKey } from "../../extension/modules/keys.js";
import { backoffMs, decideAlone, ruleFor } from "../../extension/modules/local_policy.js";
import { LAST_MANAGED_KEY, MANAGED_WAIT_MS } from "../../extension/modules/managed.js";
import { FakeHost } from "./fakes.js";
import { makeRig } from "./rig.js";

const URL_ = "https://example.org/big.iso";
const stuck = (n, reason = "NETWORK_FAILED") => Array.from({ length: n }, () => ({
  reason, bytes_received: 0, reachable: true, action: "resume",
}));

describe("the decision without the host (local_policy.js, pure)", () => {
  test("a first network failure resumes after NETWORK's first delay, 2 s, whatever the jitter", () => {
    for (const jitter of [0, 0.5, 0.99]) {
      const d = decideAlone({ item: { error: "NETWORK_FAILED", url: URL_, bytesReceived: 0 }, browser: "chrome", reachable: true, jitter });
      assert.deepEqual([d.action, d.delay_ms, d.attempt, d.max_attempts, d.cause, d.local], ["resume", 2000, 1, 8, "policy", true]);
    }
  });

  test("the backoff doubles per stuck attempt within the jitter's half, and is capped at 5 min", () => {
    const rule = ruleFor("NETWORK_FAILED", "NETWORK", "chrome");
    assert.equal(backoffMs(rule, 3, 0), 4000);
    assert.equal(backoffMs(rule, 3, 0.999), 7996);
    assert.equal(backoffMs(rule, 20, 0), 150_000, "half the 5-min cap at least");
    assert.equal(backoffMs(rule, 20, 0.999), 299_850);
    const d = decideAlone({ item: { error: "NETWORK_FAILED", url: URL_, bytesReceived: 0 }, earlier: stuck(2), reachable: true, jitter: 0 });
    assert.deepEqual([d.attempt, d.delay_ms], [3, 4000]);
  });

  test("the ninth stuck network failure gives up with a notification; an outage spends nothing", () => {
    const ninth = decideAlone({ item: { error: "NETWORK_FAILED", url: URL_, bytesReceived: 0 }, earlier: stuck(8), reachable: true, jitter: 0 });
    assert.deepEqual([ninth.action, ninth.cause, ninth.notify], ["none", "gave_up", true]);
    const outage = decideAlone({ item: { error: "NETWORK_FAILED", url: URL_, bytesReceived: 0 }, earlier: stuck(8), reachable: false, jitter: 0 });
    assert.deepEqual([outage.action, outage.delay_ms], ["resume", 2000]);
  });

  test("per-reason and per-browser rules: 403 never, no range restarts, Firefox's CRASH is left, cannot resume restarts", () => {
    const decide = (error, browser = "chrome", extra = {}) => decideAlone({
      item: { error, url: URL_, bytesReceived: 10, ...extra }, browser, jitter: 0,
    });
    assert.deepEqual([decide("SERVER_FORBIDDEN").action, decide("SERVER_FORBIDDEN").notify], ["none", true]);
    assert.equal(decide("SERVER_NO_RANGE").action, "restart");
    assert.equal(decide("CRASH").action, "resume");
    assert.equal(decide("CRASH", "firefox").action, "none");
    assert.equal(decide("USER_CANCELED").notify, false);
    assert.deepEqual([decide("NETWORK_FAILED", "chrome", { canResume: false }).action, decide("NETWORK_FAILED", "chrome", { canResume: false }).cause], ["restart", "cannot_resume"]);
    assert.equal(decide("SOMETHING_NEW").cause, "unknown_reason");
  });

  test("what the server said (with consent): 401 sign in, 410 gone, 503's Retry-After within the rule", () => {
    const decide = (server) => decideAlone({ item: { error: "SERVER_FAILED", url: URL_ }, browser: "firefox", server, jitter: 0 });
    assert.equal(decide({ http_status: 401 }).cause, "sign_in");
    assert.equal(decide({ http_status: 410 }).cause, "gone");
    const later = decide({ http_status: 503, retry_after_ms: 42_000 });
    assert.deepEqual([later.action, later.delay_ms, later.cause], ["restart", 42_000, "retry_after"]);
  });

  test("the episode a record keeps is bounded, and the host decides again only a download still interrupted and untouched", () => {
    let rec = { error: "NETWORK_FAILED", lastBytes: 5, reachable: null };
    for (let i = 0; i < 60; i += 1) rec = { ...rec, episode: withInterruption(rec, { action: "resume" }) };
    assert.equal(rec.episode.length, 50);
    assert.deepEqual(rec.episode[0], { reason: "NETWORK_FAILED", bytes_received: 5, reachable: null, action: "resume" });
    assert.equal(hostDecidesAgain({ status: "decided" }, { state: "interrupted" }), true);
    assert.equal(hostDecidesAgain({ status: "left" }, { state: "interrupted" }), true);
    assert.equal(hostDecidesAgain({ status: "acted" }, { state: "interrupted" }), false);
    assert.equal(hostDecidesAgain({ status: "closed" }, { state: "complete" }), false);
    assert.equal(hostDecidesAgain({ status: "decided" }, undefined), false);
  });
});

/** A running download in the rig's browser. */
const running = (rig, extra = {}) => rig.api.downloads.add({ state: "in_progress", url: URL_, ...extra });
const statusOf = (rig) => handleCommand({ type: "dlrescue:status" }, { rescuer: rig.rescuer, port: rig.port, log: rig.log, meta: {} });

describe("no host registered: the extension rescues alone", () => {
  test("a cut download is resumed by the extension at once (2 s), and the popup's status says mode alone", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(1999);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "not before the policy's first delay");
    await rig.clock.tick(1);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
    const rec = rig.rescuer.ledger.get(recordKey(item));
    assert.equal(rec.decidedBy, "alone");
    assert.equal(rec.decision.local, true);
    const queued = rig.rescuer.outbox.entries().filter((e) => e.kind === "interrupted");
    assert.equal(queued.length, 1, "the event is kept for the host");
    const status = await statusOf(rig);
    assert.equal(status.mode, "alone");
    assert.equal(status.localDecisions, 1);
  });

  test("the administrator's policy (storage.managed) applies alone too: NETWORK never retried is left, not resumed", async () => {
    const managedPolicy = { categories: { NETWORK: { action: "none", max_attempts: 5000 } } };
    const rig = makeRig({ host: null, managedPolicy });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(10_000);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "left, as the administrator says");
    const rec = rig.rescuer.ledger.get(recordKey(item));
    assert.equal(rec.decidedBy, "alone");
    assert.equal(rec.decision.action, "none");
    assert.equal(rec.decision.cause, "policy");
    // a value out of range is left out, as the host leaves it out: the built-in 8 tries stay
    assert.equal(ruleFor("NETWORK_FAILED", "NETWORK", "chrome", null, managedPolicy).max_attempts, 8);
  });

  for (const browser of ["chrome", "firefox"]) {
    test(`${browser}: the port of a missing host closes before storage.managed answers (3 s at a start): it is still decided under the administrator's policy, and the host is missing`, async () => {
      const managedPolicy = { categories: { NETWORK: { action: "none", max_attempts: 5000 } } };
      const rig = makeRig({ browser, host: null, managedPolicy, helloDelayMs: 3000 });
      const item = running(rig);
      rig.rescuer.start("test start");
      await rig.clock.tick(0);
      rig.api.downloads.interrupt(item.id);
      await rig.clock.tick(2999);
      assert.equal(rig.port.status().status, "connecting", "known missing once the fields are read");
      await rig.clock.tick(1);
      assert.equal(rig.port.status().status, "host_missing");
      const rec = rig.rescuer.ledger.get(recordKey(item));
      assert.deepEqual([rec.decidedBy, rec.decision.action, rec.decision.cause], ["alone", "none", "policy"]);
      assert.deepEqual(rig.api.downloads.calls.resume, [], "left, as the administrator says");
    });
  }

  test("no host, Chromium's start: decided at once under the last managed policy read; once storage.managed answers another, the next interruption is decided under that", async () => {
    const kept = { categories: { NETWORK: { action: "none" } } };
    const rig = makeRig({ host: null, managed: { policy: null, answerMs: 2800 } });
    await rig.api.storage.local.set({ [LAST_MANAGED_KEY]: { policy: kept } });
    const a = running(rig, { url: "https://example.org/a" });
    rig.rescuer.start("test start");
    await rig.clock.tick(0);
    rig.api.downloads.interrupt(a.id);
    await rig.clock.tick(MANAGED_WAIT_MS);
    const first = rig.rescuer.ledger.get(recordKey(a));
    assert.deepEqual([first.decidedBy, first.decision.action, first.decision.cause], ["alone", "none", "policy"]);
    await rig.clock.tick(2800);
    assert.equal(rig.port.helloSent.managedPolicy, null, "storage.managed's answer: no policy");
    const b = running(rig, { url: "https://example.org/b" });
    rig.api.downloads.interrupt(b.id);
    await rig.clock.tick(10_000);
    assert.deepEqual(rig.api.downloads.calls.resume, [b.id], "resumed under the built-in policy; the first left as decided");
  });

  test("a second download cut while the first waits for the host is decided at once too", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const a = running(rig, { url: "https://example.org/a" });
    const b = running(rig, { url: "https://example.org/b" });
    rig.api.downloads.interrupt(a.id);
    await rig.clock.tick(500);
    rig.api.downloads.interrupt(b.id);
    await rig.clock.tick(1500);
    assert.deepEqual(rig.api.downloads.calls.resume, [a.id]);
    await rig.clock.tick(500);
    assert.deepEqual(rig.api.downloads.calls.resume, [a.id, b.id], "b's 2 s, not the queue's next try");
  });

  test("a second cut counts as attempt 2 of the same episode, decided alone too", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(2000);
    await rig.clock.tick(10_000); // the resume verified running
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    const rec = rig.rescuer.ledger.get(recordKey(item));
    assert.equal(rec.decision.attempt, 2);
    assert.equal(rec.episode.length, 2);
  });

  test("when the host appears, the event decided alone is sent once (its event_key) and a completed download is not acted on again", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(2000);
    const key = rig.rescuer.outbox.entries().find((e) => e.kind === "interrupted").message.event_key;
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(0);
    const host = new FakeHost();
    rig.api.host = host;
    await rig.clock.tick(60_000);
    const sent = host.ofType("interrupted");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].event_key, key);
    assert.ok(host.ofType("outcome").some((m) => m.download.state === "complete"));
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "the host's resume is not carried out: it completed");
    assert.equal(rig.rescuer.outbox.size, 0);
    const status = await statusOf(rig);
    assert.deepEqual([status.mode, status.localDecisions], ["companion", 0]);
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).eventId, 100);
  });

  test("a host that appears while an action decided alone still waits replaces it with its own, counted from the cut", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    const cutAt = rig.clock.now();
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED"); // alone: resume after 5 s
    await rig.clock.tick(1000);
    const host = new FakeHost();
    host.decide = () => ({ action: "resume", delay_ms: 3000, attempt: 1, max_attempts: 4, reason: "SERVER_FAILED", category: "SERVER", notify: false });
    rig.api.host = host;
    await rig.port.connect({ force: true });
    await rig.rescuer.idle();
    await rig.clock.tick(cutAt + 2999 - rig.clock.now());
    assert.deepEqual(rig.api.downloads.calls.resume, [], "not before the host's 3 s from the cut");
    await rig.clock.tick(1);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "the host's 3 s from the cut (not from its answer 1 s later), not the 5 s decided alone");
    assert.equal(host.ofType("interrupted").length, 1);
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).decidedBy, "companion");
  });

  test("a download left alone that is still interrupted when the host appears gets the host's decision", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig, { bytesReceived: 10 });
    rig.api.downloads.interrupt(item.id, "SERVER_FORBIDDEN");
    await rig.clock.tick(0);
    assert.equal(rig.rescuer.ledger.get(recordKey(item)).status, "left");
    assert.equal(rig.api.notifications.created.length, 1, "told why, as the host would have");
    const host = new FakeHost(); // this host's policy.toml would resume it
    rig.api.host = host;
    await rig.clock.tick(60_000);
    assert.equal(host.ofType("interrupted").length, 1);
    assert.equal(rig.api.downloads.calls.resume[0], item.id, "resumed on the host's word");
    const rec = rig.rescuer.ledger.get(recordKey(item));
    assert.deepEqual([rec.decidedBy, rec.status, rec.eventId], ["companion", "acted", 100]);
  });
});

describe("the host refusing an event decided alone", () => {
  test("the download's local action still runs: a refusal does not undo what was decided", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    const host = new FakeHost();
    host.errorFor = (m) => (m.type === "interrupted" ? { code: "invalid_message", message: "no" } : null);
    rig.api.host = host;
    await rig.rescuer.port.connect({ force: true });
    await rig.rescuer.flush();
    assert.equal(host.ofType("interrupted").length, 1);
    const rec = rig.rescuer.ledger.get(recordKey(item));
    assert.deepEqual([rec.status, rec.refusedWith], ["decided", "invalid_message"]);
    await rig.clock.tick(5000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "SERVER's 5 s, as decided alone");
  });
});

describe("each event's time: stamped when caught, not when sent (occurred_at)", () => {
  const iso = (ms) => new Date(ms).toISOString();

  test("a cut and a completion caught without a host reach it 10 min later, after a worker restart, with the times they were caught", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    const cutAt = rig.clock.now();
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(2000); // resumed alone
    await rig.clock.tick(5000);
    const doneAt = rig.clock.now();
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(10 * 60_000);
    rig.kill(); // the worker dies; the outbox (storage.local) keeps the events and their times
    const host = new FakeHost();
    const next = makeRig({ api: rig.api, host, clock: rig.clock });
    await next.start();
    await next.clock.tick(60_000);
    const [cut] = host.ofType("interrupted");
    assert.equal(cut.occurred_at, iso(cutAt));
    const done = host.ofType("outcome").find((m) => m.download.state === "complete");
    assert.equal(done.occurred_at, iso(doneAt));
    assert.ok(next.clock.now() - Date.parse(cut.occurred_at) > 10 * 60_000, "sent long after");
  });

  test("an interruption re-queued by reconciliation (the worker died between two writes) keeps the time it was caught", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    const cutAt = rig.clock.now();
    rig.api.downloads.interrupt(item.id, "FILE_FAILED"); // left alone: the record stays
    await rig.clock.tick(0);
    const entry = rig.rescuer.outbox.entries().find((e) => e.kind === "interrupted");
    await rig.rescuer.outbox.remove(entry.seq); // as if the worker died before queueing it
    await rig.rescuer.ledger.put(recordKey(item), { status: "queued" });
    rig.kill();
    await rig.clock.tick(5 * 60_000);
    const host = new FakeHost();
    const next = makeRig({ api: rig.api, host, clock: rig.clock });
    await next.start();
    await next.clock.tick(1000);
    const sent = host.ofType("interrupted");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].occurred_at, iso(cutAt));
  });

  test("the local history's rows are at the interruption's time, not the record's last change", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig);
    const cutAt = rig.clock.now();
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(2000); // resumed: the record changes 2 s later
    const reply = await handleCommand({ type: "dlrescue:history" }, { rescuer: rig.rescuer, port: rig.port, log: rig.log, meta: {} });
    assert.equal(reply.localItems[0].at, iso(cutAt));
  });
});

describe("the popup's history while alone", () => {
  test("without a host, the history reply carries what the extension decided alone, with its local state and outcome", async () => {
    const rig = makeRig({ host: null });
    await rig.start();
    const item = running(rig, { bytesReceived: 10, filename: "/dl/big.iso" });
    rig.api.downloads.interrupt(item.id);
    await rig.clock.tick(0);
    const history = () => handleCommand({ type: "dlrescue:history" }, { rescuer: rig.rescuer, port: rig.port, log: rig.log, meta: {} });
    let reply = await history();
    assert.equal(reply.ok, false, "the host's history cannot be read");
    assert.equal(reply.mode, "alone");
    const [row] = reply.localItems;
    assert.deepEqual(
      [row.event_id, row.download_id, row.reason, row.action, row.attempt, row.outcome, row.decided_by, row.local.status],
      [null, item.id, "NETWORK_FAILED", "resume", 1, null, "alone", "decided"],
    );
    await rig.clock.tick(2000);
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(0);
    reply = await history();
    assert.equal(reply.localItems[0].outcome, "complete");
  });

  test("with the host connected, the history reply has no local rows", async () => {
    const rig = makeRig();
    await rig.start();
    const reply = await handleCommand({ type: "dlrescue:history" }, { rescuer: rig.rescuer, port: rig.port, log: rig.log, meta: {} });
    assert.equal(reply.ok, true);
    assert.equal(reply.localItems, undefined);
  });
});
