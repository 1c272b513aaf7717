// Chrome's full disk after the review: the space notification (its button offering to keep
// the bytes, on screen until answered) lives exactly as long as the wait for room; a record's
// leftover offer never takes over a later notification's button; a kept download is never
// taken for a stall while Chrome's Save As dialog waits on the person.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { NOTIFICATION_BUTTONS, keptBytesOffer } from "../../extension/modules/notify.js";
import { VERIFY_AFTER_MS } from "../../extension/modules/resume_check.js";
import { SETTINGS_KEY } from "../../extension/modules/running.js";
import { SPACE_POLL_MS } from "../../extension/modules/schedule.js";
import { makeRig } from "./rig.js";

const FULL = {
  reason: "FILE_NO_SPACE", category: "FILE", action: "restart", wait: "space", bytes_needed: 2_000_000, notify: true,
  explanation: "Free 2 MB", attempt: 1, max_attempts: 5, delay_ms: 0,
};
const NET = { action: "resume", delay_ms: 1000, attempt: 1, max_attempts: 5, reason: "NETWORK_FAILED", category: "NETWORK", notify: false };

/** A Chrome download cut by a full disk (524,288 bytes kept), its space notification shown. */
async function fullDisk({ totalBytes = 2_000_000, decide = () => FULL, settings = null } = {}) {
  const rig = makeRig();
  if (settings) await rig.api.storage.local.set({ [SETTINGS_KEY]: settings });
  rig.host.freeBytes = 1000;
  rig.host.decide = decide;
  await rig.start();
  const item = rig.api.downloads.add({
    url: "https://mirror.example.org/a.iso", bytesReceived: 524_288, totalBytes, filename: "/home/u/Downloads/a.iso",
  });
  rig.api.downloads.interrupt(item.id, "FILE_NO_SPACE");
  await rig.clock.tick(0);
  const [id, shown] = [...rig.api.notifications.shown.entries()][0];
  assert.match(id, /^dlrescue:space:/);
  assert.equal(shown.requireInteraction, true);
  return { rig, item, id };
}

const record = (rig) => rig.rescuer.ledger.all()[0];

describe("the space notification goes on every way out of the wait for room", () => {
  test("the person resumed it from Chrome's list: gone at once, the offer withdrawn", async () => {
    const { rig, item, id } = await fullDisk();
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    await rig.clock.tick(0);
    assert.equal(rig.api.notifications.shown.has(id), false);
    assert.deepEqual([record(rig).keepOffered, record(rig).notificationId], [false, null]);
  });

  test("it completed (resumed from the list, then done): no notification left", async () => {
    const { rig, item, id } = await fullDisk();
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    await rig.clock.tick(SPACE_POLL_MS);
    rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 2_000_000 });
    await rig.clock.tick(SPACE_POLL_MS);
    assert.equal(rig.api.notifications.shown.has(id), false);
  });

  test("it was interrupted again (for another reason): the old offer goes with its notification", async () => {
    const { rig, item, id } = await fullDisk({ decide: (m) => (m.download.error === "FILE_NO_SPACE" ? FULL : NET) });
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 600_000 });
    await rig.clock.tick(0);
    assert.equal(rig.api.notifications.shown.has(id), false);
    assert.equal(record(rig).keepOffered, false);
  });

  test("it was erased from the list: the record is closed and the notification gone", async () => {
    const { rig, item, id } = await fullDisk();
    await rig.api.downloads.erase({ id: item.id });
    await rig.clock.tick(SPACE_POLL_MS);
    assert.equal(record(rig).outcome, "erased");
    assert.equal(rig.api.notifications.shown.has(id), false);
  });
});

describe("a record left with its offer by the version before (taken over, its notification on screen)", () => {
  /** The state b26e345 left behind: the download running again, the offer and notification kept. */
  async function staleOffer() {
    const { rig, item, id } = await fullDisk({ decide: (m) => (m.download.error === "FILE_NO_SPACE" ? FULL : NET) });
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    await rig.clock.tick(0);
    await rig.api.notifications.create(id, { type: "basic", title: "a.iso", message: "Free 2 MB", requireInteraction: true });
    await rig.rescuer.ledger.put(record(rig).key, { notificationId: id, keepOffered: true });
    return { rig, item, id };
  }

  test("interrupted again: the notification goes and the flag is reset", async () => {
    const { rig, item, id } = await staleOffer();
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 600_000 });
    await rig.clock.tick(0);
    assert.equal(rig.api.notifications.shown.has(id), false);
    assert.deepEqual([record(rig).keepOffered, record(rig).notificationId], [false, null]);
  });

  test("completed: the notification goes", async () => {
    const { rig, item, id } = await staleOffer();
    rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 2_000_000 });
    await rig.clock.tick(0);
    assert.equal(record(rig).outcome, "complete");
    assert.equal(rig.api.notifications.shown.has(id), false);
  });
});

describe("the keep button is the space notification's own", () => {
  test("a leftover keepOffered does not take over button 0 of a later click-to-resume notification: it resumes", async () => {
    const { rig, item } = await fullDisk({ decide: (m) => (m.download.error === "FILE_NO_SPACE" ? FULL : NET) });
    // resumed by hand, then cut again where only a click can help (Chrome ignores the resume)
    rig.api.downloads.change(item.id, { state: "in_progress", error: undefined });
    await rig.clock.tick(0);
    rig.api.downloads.resumeBehaviour.set(item.id, "ignored");
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED", { bytesReceived: 600_000 });
    await rig.clock.tick(1000 + VERIFY_AFTER_MS + 100);
    const shown = rig.api.notifications.created.at(-1);
    assert.match(shown.id, /^dlrescue:click:/);
    rig.api.downloads.resumeBehaviour.set(item.id, "works");
    const before = rig.api.downloads.calls.resume.length;
    rig.api.notifications.onButtonClicked.emit(shown.id, 0);
    await rig.clock.tick(0);
    assert.equal(rig.api.downloads.calls.resume.length, before + 1, "the Resume button resumes");
    assert.equal(record(rig).actedBy, "click", "a click's resume, not a kept full disk's");
    assert.ok(!rig.log.lines.some((l) => /keep the bytes|keeps its/.test(l.text)), "nothing about keeping bytes");
  });

  test("a stale flag on a record whose notification is another kind is ignored, even with the same record", async () => {
    const { rig, item } = await fullDisk();
    const rec = record(rig);
    const other = "dlrescue:click:elsewhere";
    await rig.rescuer.ledger.put(rec.key, { notificationId: other, keepOffered: true }); // as before the fix, kept
    rig.api.notifications.onButtonClicked.emit(other, 0);
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.resume, [], "button 0 of another notification keeps nothing");
    assert.equal(rig.api.downloads.items.get(item.id).state, "interrupted");
  });
});

describe("a kept download is not a stall", () => {
  test("of unknown size, in progress behind Chrome's open Save As dialog (nothing received for 30 s, stallSeconds 3): left alone", async () => {
    const { rig, item, id } = await fullDisk({ totalBytes: 0, settings: { stallSeconds: 3 } });
    rig.api.notifications.onButtonClicked.emit(id, 0);
    await rig.clock.tick(0);
    assert.equal(record(rig).actedBy, "keep");
    assert.equal(rig.api.downloads.items.get(item.id).state, "in_progress");
    await rig.clock.tick(30_000);
    assert.deepEqual(rig.api.downloads.calls.download, [], "not started again");
    assert.deepEqual(rig.api.downloads.calls.cancel, [], "not cancelled");
    assert.deepEqual(rig.host.ofType("interrupted").map((m) => m.download.error), ["FILE_NO_SPACE"], "no NETWORK_STALLED");
  });
});

test("notification buttons per browser are one table row each (Chrome has them, Firefox none), and the offer follows it", () => {
  assert.deepEqual(NOTIFICATION_BUTTONS, { chrome: true, firefox: false });
  const cut = { state: "interrupted", canResume: true, bytesReceived: 10 };
  for (const [browser, buttons] of Object.entries(NOTIFICATION_BUTTONS)) {
    assert.equal(keptBytesOffer(browser, { action: "restart", wait: "space" }, cut) > 0, buttons, browser);
  }
});
