// Issue 18 on the extension's side: the server's answer seen through webRequest (with the
// user's consent), decisions that wait for the site or for disk space, and staying awake.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { keepAwakeWanted } from "../../extension/modules/awake.js";
import { keptBytesOffer, spaceNotification } from "../../extension/modules/notify.js";
import { stateOf } from "../../extension/modules/popup_rows.js";
import { SPACE_POLL_MS, planAction } from "../../extension/modules/schedule.js";
import {
  MAX_RETRY_AFTER_MS, ServerSignals, parseRetryAfter, signalFields,
} from "../../extension/modules/server_signals.js";
import { formatBytes } from "../../extension/modules/units.js";
import { interruptedMessage, serverFields } from "../../extension/modules/wire.js";
import { FakeClock, makeFakeApi, makeFakeWebRequest, makeGetMessage, quietLog } from "./fakes.js";
import { makeRig } from "./rig.js";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const URL_A = "https://mirror.example.org/a.iso";

const decision = (extra = {}) => ({
  action: "resume", delay_ms: 1000, attempt: 1, max_attempts: 5, reason: "SERVER_FAILED",
  category: "SERVER", notify: false, explanation: "The server failed.", ...extra,
});

async function grant(rig) {
  await rig.api.permissions.request({ permissions: ["webRequest"], origins: ["<all_urls>"] });
  await rig.clock.tick(0);
}

describe("Retry-After and the fields of an interruption (pure)", () => {
  test("delta-seconds become milliseconds; a day at most", () => {
    assert.equal(parseRetryAfter("15", NOW), 15_000);
    assert.equal(parseRetryAfter(" 0 ", NOW), 0);
    assert.equal(parseRetryAfter("999999", NOW), MAX_RETRY_AFTER_MS);
  });

  test("an HTTP-date counts from the response (or the server's own Date header); the past is 0", () => {
    const in90 = new Date(NOW + 90_000).toUTCString();
    assert.equal(parseRetryAfter(in90, NOW), 90_000);
    assert.equal(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW), 0);
    // the server's clock is 1 h ahead of ours: its Date header cancels the skew
    const serverNow = NOW + 3_600_000;
    assert.equal(parseRetryAfter(new Date(serverNow + 30_000).toUTCString(), NOW, new Date(serverNow).toUTCString()), 30_000);
    assert.equal(parseRetryAfter(new Date(NOW + 3 * 86_400_000).toUTCString(), NOW), MAX_RETRY_AFTER_MS);
  });

  test("anything else is no Retry-After at all", () => {
    for (const bad of ["", null, undefined, "-3", "1.5", "+2", "soon", "15s"]) {
      assert.equal(parseRetryAfter(bad, NOW), null, String(bad));
    }
  });

  test("only values the host accepts go on the wire (status 100..599, a day, 128 characters)", () => {
    assert.deepEqual(signalFields({ status: 503, retryAfterMs: 15_000, netError: null }), { http_status: 503, retry_after_ms: 15_000 });
    assert.deepEqual(signalFields({ status: 0, retryAfterMs: -1, netError: "" }), {});
    assert.deepEqual(serverFields({ http_status: 700, retry_after_ms: 1.5, net_error: "x".repeat(300) }), { net_error: "x".repeat(128) });
    const message = interruptedMessage({ id: 1, url: URL_A }, "chrome", "k", { server: { http_status: 429, retry_after_ms: 2000 } });
    assert.equal(message.http_status, 429);
    assert.equal(message.retry_after_ms, 2000);
    assert.equal("net_error" in interruptedMessage({ id: 1, url: URL_A }, "chrome", "k"), false, "none without consent");
  });
});

describe("watching the server's answers only with the user's consent", () => {
  test("without the permission nothing listens; once granted (permissions.onAdded) it does", async () => {
    const api = makeFakeApi();
    const signals = new ServerSignals({ api, log: quietLog() });
    assert.equal(signals.start(), false, "no webRequest API before the grant");
    await api.permissions.request({ permissions: ["webRequest"], origins: ["<all_urls>"] });
    signals.permissionsChanged();
    assert.equal(signals.listening, true);
    const { filter, extra } = api.webRequest.onHeadersReceived.filters[0];
    assert.deepEqual(extra, ["responseHeaders"]);
    assert.ok(filter.types.includes("other"), "Chromium's download requests are type other");
    assert.ok(filter.types.includes("main_frame"));
    await api.permissions.remove({ permissions: ["webRequest"] });
    signals.permissionsChanged();
    assert.equal(signals.listening, false);
  });

  test("the last answer per URL: a status with Retry-After, then a request that failed without one", () => {
    const clock = new FakeClock(NOW);
    const api = makeFakeApi({ clock });
    api.webRequest = makeFakeWebRequest();
    const signals = new ServerSignals({ api, log: quietLog(), now: clock.now });
    signals.start();
    api.webRequest.answer(URL_A, { status: 503, headers: { "Retry-After": "15" }, timeStamp: NOW });
    assert.deepEqual(signals.fieldsFor({ url: URL_A }), { http_status: 503, retry_after_ms: 15_000 });
    api.webRequest.answer(URL_A, { status: 200, cutWith: "net::ERR_CONTENT_LENGTH_MISMATCH" });
    assert.deepEqual(signals.fieldsFor({ url: URL_A }), { http_status: 200, net_error: "net::ERR_CONTENT_LENGTH_MISMATCH" },
      "a body cut after its answer keeps the status");
    api.webRequest.answer(URL_A, { error: "net::ERR_CONNECTION_REFUSED" });
    assert.deepEqual(signals.fieldsFor({ url: URL_A }), { net_error: "net::ERR_CONNECTION_REFUSED" }, "no stale status");
    assert.deepEqual(signals.fieldsFor({ url: "https://other.example/x", finalUrl: `${URL_A}#frag` }),
      { net_error: "net::ERR_CONNECTION_REFUSED" }, "finalUrl first, fragment ignored");
  });

  test("the extension's own HEAD probe does not replace the download's answer (a 206 that failed)", () => {
    const clock = new FakeClock(NOW);
    const api = makeFakeApi({ clock });
    api.webRequest = makeFakeWebRequest();
    const signals = new ServerSignals({ api, log: quietLog(), now: clock.now });
    signals.start();
    api.webRequest.answer(URL_A, { status: 206, cutWith: "NS_ERROR_ENTITY_CHANGED" });
    api.webRequest.answer(URL_A, { status: 200, type: "xmlhttprequest", method: "HEAD" });
    assert.deepEqual(signals.fieldsFor({ url: URL_A }), { http_status: 206, net_error: "NS_ERROR_ENTITY_CHANGED" });
  });

  test("an interruption reported before its request's answer (Firefox) waits for it, 300 ms at most", async () => {
    const rig = makeRig({ browser: "firefox" });
    await grant(rig);
    await rig.start();
    const item = rig.api.downloads.add({ url: URL_A });
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    assert.equal(rig.host.ofType("interrupted").length, 0, "waiting for the answer");
    rig.api.webRequest.answer(URL_A, { status: 429, headers: { "Retry-After": "5" } });
    await rig.clock.tick(0);
    const [sent] = rig.host.ofType("interrupted");
    assert.equal(sent.http_status, 429);
    assert.equal(sent.retry_after_ms, 5000);

    const silent = rig.api.downloads.add({ url: "https://quiet.example/x.bin" });
    rig.api.downloads.interrupt(silent.id, "NETWORK_FAILED");
    await rig.clock.tick(300);
    const second = rig.host.ofType("interrupted")[1];
    assert.equal(second.download.url, "https://quiet.example/x.bin", "no answer came: sent without one");
    assert.equal(second.http_status, undefined);
  });

  test("answers are forgotten after five minutes, and at most 200 URLs are kept", async () => {
    const clock = new FakeClock(NOW);
    const api = makeFakeApi({ clock });
    api.webRequest = makeFakeWebRequest();
    const signals = new ServerSignals({ api, log: quietLog(), now: clock.now });
    signals.start();
    api.webRequest.answer(URL_A, { status: 429 });
    await clock.tick(5 * 60_000 + 1);
    assert.deepEqual(signals.fieldsFor({ url: URL_A }), {});
    for (let i = 0; i < 250; i += 1) api.webRequest.answer(`https://h.example/${i}`, { status: 500 });
    assert.equal(signals.byUrl.size, 200);
    assert.deepEqual(signals.fieldsFor({ url: "https://h.example/249" }), { http_status: 500 });
    assert.deepEqual(signals.fieldsFor({ url: "https://h.example/0" }), {}, "the oldest went first");
  });

  test("an interruption carries http_status and retry_after_ms once granted, and nothing before", async () => {
    const rig = makeRig();
    await rig.start();
    const before = rig.api.downloads.add({ url: "https://x.example/before.bin" });
    rig.api.downloads.interrupt(before.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    assert.deepEqual(Object.keys(rig.host.ofType("interrupted")[0]).sort(), ["browser", "download", "event_key", "occurred_at", "reachable", "rid", "type"]);

    await grant(rig);
    const item = rig.api.downloads.add({ url: URL_A });
    rig.api.webRequest.answer(URL_A, { status: 503, headers: { "retry-after": "15" } });
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    const sent = rig.host.ofType("interrupted")[1];
    assert.equal(sent.http_status, 503);
    assert.equal(sent.retry_after_ms, 15_000);
    assert.equal(sent.net_error, undefined);
    assert.equal(rig.rescuer.debugState().serverSignals.listening, true);
  });
});

describe("decisions that wait for the site", () => {
  test("a download waiting for its site's probe runs as soon as another download of that site is verified running", async () => {
    const rig = makeRig();
    rig.host.decide = (m) => (m.download.url.endsWith("/probe.bin")
      ? decision({ delay_ms: 1000 })
      : decision({ delay_ms: 60_000, wait: "site" }));
    await rig.start();
    const probe = rig.api.downloads.add({ url: "https://down.example/probe.bin", bytesReceived: 10 });
    const waiting = rig.api.downloads.add({ url: "https://down.example/other.bin", bytesReceived: 10 });
    const elsewhere = rig.api.downloads.add({ url: "https://up.example/third.bin", bytesReceived: 10 });
    rig.api.downloads.interrupt(probe.id, "SERVER_FAILED");
    rig.api.downloads.interrupt(waiting.id, "SERVER_FAILED");
    rig.api.downloads.interrupt(elsewhere.id, "SERVER_FAILED");
    await rig.clock.tick(0);
    const rec = rig.rescuer.ledger.find((r) => r.id === waiting.id);
    assert.equal(rec.pending.wait, "site");
    assert.equal(rec.pending.site, "down.example");
    await rig.clock.tick(1000); // the probe resumes
    assert.deepEqual(rig.api.downloads.calls.resume, [probe.id]);
    await rig.clock.tick(5000); // its resume check: running, so the site is back
    assert.ok(rig.api.downloads.calls.resume.includes(waiting.id), "the waiting one ran long before its 60 s slot");
    assert.ok(!rig.api.downloads.calls.resume.includes(elsewhere.id), "another site's download keeps its own time");
    assert.ok(rig.log.lines.some((l) => /down\.example answers again: 1 download/.test(l.text)));
  });

  test("the probe of a paused site (site_paused, wait site) runs too once the site is back; a Retry-After keeps its time", async () => {
    const rig = makeRig();
    await grant(rig);
    rig.host.decide = (m) => {
      if (m.download.url.endsWith("/ok.bin")) return decision({ delay_ms: 1000 });
      if (m.download.url.endsWith("/paused.bin")) return decision({ delay_ms: 600_000, notify: true, cause: "site_paused", wait: "site" });
      return decision({ delay_ms: 20_000, http_status: 503 });
    };
    await rig.start();
    const paused = rig.api.downloads.add({ url: "https://down.example/paused.bin", bytesReceived: 10 });
    const asked = rig.api.downloads.add({ url: "https://down.example/asked.bin", bytesReceived: 10 });
    const ok = rig.api.downloads.add({ url: "https://down.example/ok.bin", bytesReceived: 10 });
    rig.api.webRequest.answer("https://down.example/asked.bin", { status: 503, headers: { "Retry-After": "20" } });
    for (const item of [paused, asked, ok]) rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(8000); // two wait 300 ms for an answer that never comes, then 1 s, then the 5 s check
    assert.ok(rig.api.downloads.calls.resume.includes(paused.id), "the paused site's probe ran when the site came back");
    assert.ok(!rig.api.downloads.calls.resume.includes(asked.id), "the server asked this one to wait 20 s");
    await rig.clock.tick(15_000);
    assert.ok(rig.api.downloads.calls.resume.includes(asked.id));
  });

  test("twenty downloads of a site that is down share one probe per step (1, 2, 4, 8 s), not one each; all resume once it answers", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ reason: "NETWORK_FAILED", category: "NETWORK", delay_ms: 200 });
    await rig.start();
    const items = Array.from({ length: 20 }, (_, i) => rig.api.downloads.add({ url: `https://down.example/f${i}.bin`, bytesReceived: 0 }));
    rig.api.serverDown = true;
    for (const item of items) rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 0 });
    await rig.clock.tick(0);
    assert.equal(rig.api.fetches.length, 1, "one probe for twenty interruptions");
    assert.ok(rig.host.ofType("interrupted").every((m) => m.reachable === false));
    for (const [at, probes] of [[999, 1], [1000, 2], [2999, 2], [3000, 3], [7000, 4], [15_000, 5]]) {
      await rig.clock.tick(at - rig.clock.now() + NOW);
      assert.equal(rig.api.fetches.length, probes, `at ${at} ms`);
    }
    assert.deepEqual(rig.api.downloads.calls.resume, [], "nothing resumed while the site does not answer");
    rig.api.serverDown = false;
    await rig.clock.tick(31_000 - 15_000);
    assert.equal(new Set(rig.api.downloads.calls.resume).size, 20, "all twenty resumed once it answers");
  });

  test("without any success on the site, the waiting download runs at its slot", async () => {
    const rig = makeRig();
    rig.host.decide = () => decision({ delay_ms: 20_000, wait: "site" });
    await rig.start();
    const item = rig.api.downloads.add({ url: "https://down.example/only.bin", bytesReceived: 10 });
    rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
    await rig.clock.tick(19_000);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
  });
});

describe("decisions that wait for disk space", () => {
  test("plan: no action until the host says there is room; asked every 15 s", () => {
    const plan = planAction(decision({ wait: "space", bytes_needed: 5e9, delay_ms: 200 }), NOW, URL_A);
    assert.equal(plan.wait, "space");
    assert.equal(plan.bytesNeeded, 5e9);
    assert.equal(plan.dueAt, NOW + SPACE_POLL_MS);
    assert.equal(plan.useAlarm, false, "a timer; the wake alarm is the safety net");
  });

  test("the host is asked `space` every 15 s with the file's path; the resume runs once it has room", async () => {
    const rig = makeRig();
    rig.host.freeBytes = 1000;
    rig.host.decide = () => decision({
      reason: "FILE_NO_SPACE", category: "FILE", wait: "space", bytes_needed: 2_000_000, notify: true,
      explanation: "Free 2 MB on the disk that holds Downloads; dlrescue resumes by itself when there is room.",
    });
    await rig.start();
    const item = rig.api.downloads.add({ url: URL_A, bytesReceived: 10, filename: "/home/u/Downloads/a.iso" });
    rig.api.downloads.interrupt(item.id, "FILE_NO_SPACE");
    await rig.clock.tick(0);
    const shown = [...rig.api.notifications.shown.values()];
    assert.equal(shown.length, 1);
    assert.match(shown[0].title, /Disk full: a\.iso/);
    assert.match(shown[0].message, /Free 2 MB/, "the host's explanation says how much to free");
    await rig.clock.tick(SPACE_POLL_MS);
    const asked = rig.host.ofType("space");
    assert.equal(asked.length, 1);
    assert.deepEqual({ path: asked[0].path, needed: asked[0].needed }, { path: "/home/u/Downloads/a.iso", needed: 2_000_000 });
    assert.deepEqual(rig.api.downloads.calls.resume, [], "no room: nothing done");
    assert.ok(rig.api.alarms.alarms.has("dlrescue-wake"), "the wake alarm as a safety net");
    await rig.clock.tick(SPACE_POLL_MS);
    assert.equal(rig.host.ofType("space").length, 2, "asked again 15 s later");
    rig.host.freeBytes = 10 ** 10;
    await rig.clock.tick(SPACE_POLL_MS);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "room: resumed");
  });

  test("the popup row says how much to free", () => {
    const t = makeGetMessage("en");
    const local = { status: "decided", pending: { action: "resume", wait: "space", bytesNeeded: 1_234_000_000, dueAt: NOW } };
    assert.equal(stateOf({ action: "resume", local }, NOW, t).text, "Waiting for disk space: free 1.2 GB.");
    assert.equal(formatBytes(512, makeGetMessage("fr")), "512 octets");
    assert.equal(formatBytes(3_400_000, makeGetMessage("fr"), (n) => String(n).replace(".", ",")), "3,4 Mo");
  });

  test("a host that does not know `space` cannot tell: the action runs as before", async () => {
    const rig = makeRig();
    rig.host.errorFor = (m) => (m.type === "space" ? { code: "unknown_type", message: "no space" } : null);
    rig.host.decide = () => decision({ reason: "FILE_NO_SPACE", category: "FILE", wait: "space", bytes_needed: 10 });
    await rig.start();
    const item = rig.api.downloads.add({ url: URL_A, bytesReceived: 10 });
    rig.api.downloads.interrupt(item.id, "FILE_NO_SPACE");
    await rig.clock.tick(SPACE_POLL_MS);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id]);
  });
});

describe("Chrome's full disk: a user who is there keeps the bytes", () => {
  const FULL = {
    reason: "FILE_NO_SPACE", category: "FILE", action: "restart", wait: "space", bytes_needed: 2_000_000, notify: true,
    explanation: "Free 2 MB on the disk that holds Downloads; the download starts again once there is room.",
  };
  const waiting = { action: "restart", wait: "space" };
  const cut = { state: "interrupted", canResume: true, bytesReceived: 524_288 };

  test("offered in Chrome only, for a restart that waits for room, while the item holds bytes it can resume from", () => {
    assert.equal(keptBytesOffer("chrome", waiting, cut), 524_288);
    assert.equal(keptBytesOffer("firefox", waiting, cut), 0, "Firefox resumes by itself: no dialog, no offer");
    assert.equal(keptBytesOffer("chrome", { action: "resume", wait: "space" }, cut), 0, "a resume keeps the bytes anyway");
    assert.equal(keptBytesOffer("chrome", { action: "restart", wait: null }, cut), 0, "not waiting for room");
    assert.equal(keptBytesOffer("chrome", waiting, { ...cut, canResume: false }), 0);
    assert.equal(keptBytesOffer("chrome", waiting, { ...cut, bytesReceived: 0 }), 0, "nothing to keep");
    assert.equal(keptBytesOffer("chrome", waiting, { ...cut, state: "in_progress" }), 0);
    assert.equal(keptBytesOffer("chrome", waiting, null), 0);
  });

  test("the button says how much is kept, the message ends saying that Chrome asks where to save, in English and French; it stays until answered", () => {
    const en = spaceNotification({ t: makeGetMessage("en"), decision: FULL, name: "a.iso", iconUrl: "i.png", keepBytes: 524_288 });
    assert.deepEqual(en.buttons, [{ title: "Continue, keeping 524.3 kB" }]);
    assert.equal(en.message, `${FULL.explanation} Or continue now, keeping what is on disk: Chrome asks where to save it.`);
    assert.equal(en.requireInteraction, true);
    const fr = spaceNotification({
      t: makeGetMessage("fr"), decision: FULL, name: "a.iso", iconUrl: "i.png", keepBytes: 524_288, formatNumber: (n) => n.toLocaleString("fr"),
    });
    assert.deepEqual(fr.buttons, [{ title: "Continuer en gardant 524,3 ko" }]);
    assert.match(fr.message, / Ou continuez maintenant en gardant ce qui est sur le disque : Chrome demande où l'enregistrer\.$/);
    const none = spaceNotification({ t: makeGetMessage("en"), decision: FULL, name: "a.iso", iconUrl: "i.png" });
    assert.equal(none.buttons, undefined);
    assert.equal(none.requireInteraction, undefined);
    assert.equal(none.message, FULL.explanation);
  });

  async function fullDisk(browser = "chrome") {
    const rig = makeRig({ browser });
    rig.host.freeBytes = 1000;
    rig.host.decide = () => decision(FULL);
    await rig.start();
    const item = rig.api.downloads.add({ url: URL_A, bytesReceived: 524_288, filename: "/home/u/Downloads/a.iso" });
    rig.api.downloads.interrupt(item.id, "FILE_NO_SPACE");
    await rig.clock.tick(0);
    const [id, shown] = [...rig.api.notifications.shown.entries()][0];
    return { rig, item, id, shown };
  }

  test("the button resumes now, and the restart that waited for room never runs", async () => {
    const { rig, item, id, shown } = await fullDisk();
    assert.equal(shown.buttons.length, 1);
    rig.api.notifications.onButtonClicked.emit(id, 0);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, [item.id], "resumed: Chrome shows its Save As dialog");
    assert.equal(rig.api.notifications.shown.size, 0, "the notification is gone");
    const rec = rig.rescuer.ledger.all()[0];
    assert.deepEqual([rec.status, rec.actedBy, rec.pending, rec.keepOffered, rec.notificationId], ["acted", "keep", null, false, null]);
    assert.ok(rig.log.lines.some((l) => /the user keeps its 524288 bytes/.test(l.text)));
    rig.host.freeBytes = 10 ** 10;
    await rig.clock.tick(3 * SPACE_POLL_MS);
    assert.deepEqual(rig.api.downloads.calls.download, [], "no restart from zero");
    assert.deepEqual(rig.host.ofType("space"), [], "no more questions about room");
  });

  test("a dismissed Save As dialog (USER_CANCELED) goes to the host as the user's cancel: nothing restarts, nothing more is shown", async () => {
    const { rig, item, id } = await fullDisk();
    rig.host.decide = (m) => (m.download.error === "USER_CANCELED"
      ? decision({ reason: "USER_CANCELED", category: "USER", action: "none", notify: false }) : decision(FULL));
    rig.api.notifications.onButtonClicked.emit(id, 0);
    await rig.clock.tick(0);
    rig.api.downloads.interrupt(item.id, "USER_CANCELED", { canResume: false, bytesReceived: 0 });
    await rig.clock.tick(3 * SPACE_POLL_MS);
    const sent = rig.host.received.filter((m) => m.type !== "hello" && m.type !== "space")
      .map((m) => `${m.type}:${m.type === "outcome" ? m.download.state : m.download.error}`);
    assert.deepEqual(sent, ["interrupted:FILE_NO_SPACE", "outcome:interrupted", "interrupted:USER_CANCELED"]);
    assert.deepEqual(rig.api.downloads.calls.download, []);
    assert.equal(rig.api.notifications.shown.size, 0);
    assert.equal(rig.rescuer.ledger.all()[0].status, "left");
  });

  test("a click on the notification itself keeps nothing: the restart still waits for room", async () => {
    const { rig, id } = await fullDisk();
    rig.api.notifications.onClicked.emit(id);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
    rig.host.freeBytes = 10 ** 10;
    await rig.clock.tick(SPACE_POLL_MS);
    assert.equal(rig.api.downloads.calls.download.length, 1, "started again once there is room");
  });

  test("once there is room the restart runs and the notification (its offer past) goes; a late click on its button does nothing", async () => {
    const { rig, id } = await fullDisk();
    rig.host.freeBytes = 10 ** 10;
    await rig.clock.tick(SPACE_POLL_MS);
    assert.equal(rig.api.downloads.calls.download.length, 1);
    assert.equal(rig.api.notifications.shown.size, 0, "cleared: it would stay on screen (requireInteraction)");
    rig.api.notifications.onButtonClicked.emit(id, 0);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, []);
  });

  test("'Retry now' in the popup (which resumed the item itself) drops the notification and its offer too", async () => {
    const { rig, item } = await fullDisk();
    await rig.api.downloads.resume(item.id); // the popup's own resume (a user gesture)
    const { key } = rig.rescuer.ledger.all()[0];
    const reply = await rig.rescuer.retryNow({ key, resumedInPopup: true });
    assert.deepEqual(reply, { ok: true, did: "resumed" });
    assert.equal(rig.api.notifications.shown.size, 0);
    rig.host.freeBytes = 10 ** 10;
    await rig.clock.tick(3 * SPACE_POLL_MS);
    assert.deepEqual(rig.api.downloads.calls.download, [], "no restart from zero");
  });

  test("'Give up' in the popup drops the notification", async () => {
    const { rig } = await fullDisk();
    await rig.rescuer.giveUp({ key: rig.rescuer.ledger.all()[0].key });
    assert.equal(rig.api.notifications.shown.size, 0);
  });

  test("Firefox: no button", async () => {
    const { shown } = await fullDisk("firefox");
    assert.equal(shown.buttons, undefined);
  });
});

describe("staying awake (Chrome's power API)", () => {
  test("requested while a download runs or a retry waits, released when nothing is pending", async () => {
    const rig = makeRig();
    await rig.start();
    assert.deepEqual(rig.api.power.calls, []);
    const item = rig.api.downloads.add({ url: URL_A, bytesReceived: 10 });
    rig.api.downloads.onCreated.emit(item);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.power.calls, [["request", "system"]]);
    assert.equal(rig.rescuer.debugState().keepAwake.requested, true);
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(600); // the retry waits (1 s): still awake
    assert.deepEqual(rig.api.power.calls, [["request", "system"]]);
    await rig.clock.tick(6000); // resumed and verified: running
    rig.api.downloads.change(item.id, { state: "complete" });
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.power.calls, [["request", "system"], ["release"]]);
    assert.equal(rig.rescuer.debugState().keepAwake.requested, false);
  });

  test("settings.keepAwake false turns it off; Firefox has no power API and nothing is asked", async () => {
    assert.equal(keepAwakeWanted({}), true);
    assert.equal(keepAwakeWanted({ keepAwake: false }), false);
    const rig = makeRig();
    await rig.api.storage.local.set({ settings: { keepAwake: false } });
    await rig.start();
    const item = rig.api.downloads.add({ url: URL_A });
    rig.api.downloads.onCreated.emit(item);
    await rig.clock.tick(1000);
    assert.deepEqual(rig.api.power.calls, []);

    const firefox = makeRig({ browser: "firefox" });
    await firefox.start();
    const other = firefox.api.downloads.add({ url: URL_A });
    firefox.api.downloads.onCreated.emit(other);
    await firefox.clock.tick(1000);
    assert.equal(firefox.api.power, undefined);
    assert.deepEqual(firefox.rescuer.debugState().keepAwake, { supported: false, enabled: true, requested: false });
  });
});
