import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { recordKey } from "../../extension/modules/keys.js";
import {
  baseName, isContainerRefusal, isTruncated, restartFilename, restartOptions, withoutContainer,
} from "../../extension/modules/restart_plan.js";
import { makeRig } from "./rig.js";

const restart = (extra = {}) => () => ({
  action: "restart", delay_ms: 0, attempt: 1, max_attempts: 3, reason: "SERVER_NO_RANGE",
  category: "SERVER", notify: false, explanation: "", ...extra,
});

describe("restart options (pure)", () => {
  test("the file's base name is kept, from a POSIX or a Windows path; no name, no filename", () => {
    assert.equal(baseName("/home/u/Downloads/big.iso"), "big.iso");
    assert.equal(baseName("C:\\Users\\u\\Downloads\\big.iso"), "big.iso");
    assert.equal(restartFilename({ filename: "/elsewhere/chosen name.iso" }), "chosen name.iso");
    assert.equal(restartFilename({ filename: "" }), undefined);
    assert.equal(restartFilename({}), undefined);
    assert.equal(restartFilename({ filename: "/a/.." }), undefined);
  });

  test("Chrome: name and uniquify, never a Referer header (Chrome refuses it) nor a container", () => {
    const item = { filename: "/d/big.iso", referrer: "https://example.org/page", cookieStoreId: "firefox-container-1" };
    assert.deepEqual(restartOptions({ item, url: "https://e/x", incognito: false, browser: "chrome" }),
      { url: "https://e/x", filename: "big.iso", conflictAction: "uniquify" });
  });

  test("Firefox: name, the Referer header, the container, private browsing", () => {
    const item = { filename: "/d/big.iso", referrer: "https://example.org/page", cookieStoreId: "firefox-container-2" };
    assert.deepEqual(restartOptions({ item, url: "https://e/x", incognito: true, browser: "firefox" }), {
      url: "https://e/x", filename: "big.iso", conflictAction: "uniquify", incognito: true,
      headers: [{ name: "Referer", value: "https://example.org/page" }], cookieStoreId: "firefox-container-2",
    });
  });

  test("Firefox: the default and private cookie stores and a non-http referrer are not sent", () => {
    for (const store of ["firefox-default", "firefox-private", "", undefined]) {
      const options = restartOptions({ item: { referrer: "about:blank", cookieStoreId: store }, url: "https://e/x", incognito: false, browser: "firefox" });
      assert.deepEqual(options, { url: "https://e/x" }, String(store));
    }
  });

  test("a container refusal is recognised and the container dropped", () => {
    assert.equal(isContainerRefusal(new Error("No permission for cookieStoreId: firefox-container-1")), true);
    assert.equal(isContainerRefusal(new Error("Invalid URL")), false);
    assert.deepEqual(withoutContainer({ url: "u", cookieStoreId: "c", filename: "f" }), { url: "u", filename: "f" });
  });

  test("a complete download with fewer bytes than announced is truncated; unknown totals are not", () => {
    assert.equal(isTruncated({ state: "complete", bytesReceived: 10, totalBytes: 20 }), true);
    assert.equal(isTruncated({ state: "complete", bytesReceived: 20, totalBytes: 20 }), false);
    assert.equal(isTruncated({ state: "complete", bytesReceived: 10, totalBytes: -1 }), false);
    assert.equal(isTruncated({ state: "complete", bytesReceived: 10, totalBytes: 0 }), false);
    assert.equal(isTruncated({ state: "interrupted", bytesReceived: 10, totalBytes: 20 }), false);
    assert.equal(isTruncated({ state: "complete", bytesReceived: 10, totalBytes: 20, fileSize: 10 }), true, "Chrome: the short file");
    assert.equal(isTruncated({ state: "complete", bytesReceived: 212_992, totalBytes: 262_144, fileSize: 262_144 }), false,
      "Firefox: bytesReceived lags at completion; the whole file on disk says complete");
  });
});

describe("a restart keeps what the user chose", () => {
  test("the restart asks for the old file's name after discarding the dead item's partial data; when it completes the dead item is erased", async () => {
    const rig = makeRig();
    rig.host.decide = restart();
    await rig.start();
    const old = rig.api.downloads.add({ url: "https://example.org/dl?id=7", filename: "/home/u/Downloads/chosen.iso" });
    rig.api.downloads.interrupt(old.id, "SERVER_NO_RANGE", { canResume: false });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.download,
      [{ url: "https://example.org/dl?id=7", filename: "chosen.iso", conflictAction: "uniquify" }]);
    const fresh = [...rig.api.downloads.items.values()].find((i) => i.id !== old.id);
    assert.equal(fresh.filename, "/home/u/Downloads/chosen.iso");
    assert.deepEqual(rig.api.downloads.calls.cancel, [old.id], "the partial file (and Firefox's placeholder) is discarded first");
    assert.deepEqual(rig.api.downloads.calls.erase, [], "nothing is erased before the restart completes");
    rig.api.downloads.change(fresh.id, { state: "complete" });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.cancel, [old.id], "not cancelled twice");
    assert.deepEqual(rig.api.downloads.calls.erase, [{ id: old.id }]);
    assert.deepEqual([...rig.api.downloads.items.keys()], [fresh.id], "only the completed download is left");
    assert.equal(rig.rescuer.ledger.get(recordKey(old)).erased, true);
    assert.equal(rig.host.ofType("outcome").at(-1).download.state, "complete");
  });

  test("a restart that is left too erases the dead item it replaced (its data was discarded): one item says why it stopped", async () => {
    const rig = makeRig();
    rig.host.decide = restart();
    await rig.start();
    const old = rig.api.downloads.add({ url: "https://example.org/a.bin" });
    rig.api.downloads.interrupt(old.id, "SERVER_NO_RANGE", { canResume: false });
    await rig.clock.tick(0);
    rig.host.decide = restart({ action: "none" });
    const fresh = [...rig.api.downloads.items.values()].find((i) => i.id !== old.id);
    rig.api.downloads.interrupt(fresh.id, "SERVER_FAILED", { canResume: false });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.erase, [{ id: old.id }]);
    assert.ok(!rig.api.downloads.items.has(old.id));
    assert.ok(rig.api.downloads.items.has(fresh.id));
  });

  test("a restart of a restart that completes erases both dead items", async () => {
    const rig = makeRig();
    rig.host.decide = restart();
    await rig.start();
    const first = rig.api.downloads.add({ url: "https://example.org/a.bin", filename: "/d/a.bin" });
    rig.api.downloads.interrupt(first.id, "SERVER_NO_RANGE", { canResume: false });
    await rig.clock.tick(0);
    const second = [...rig.api.downloads.items.values()].find((i) => i.id !== first.id);
    rig.api.downloads.interrupt(second.id, "SERVER_NO_RANGE", { canResume: false });
    await rig.clock.tick(0);
    const third = [...rig.api.downloads.items.values()].find((i) => ![first.id, second.id].includes(i.id));
    rig.api.downloads.change(third.id, { state: "complete" });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.erase.map((q) => q.id).sort(), [first.id, second.id].sort());
    assert.deepEqual([...rig.api.downloads.items.keys()], [third.id]);
  });

  test("an old item the user resumed by hand meanwhile is not erased", async () => {
    const rig = makeRig();
    rig.host.decide = restart();
    await rig.start();
    const old = rig.api.downloads.add({ url: "https://example.org/a.bin" });
    rig.api.downloads.interrupt(old.id, "SERVER_NO_RANGE", { canResume: false });
    await rig.clock.tick(0);
    rig.api.downloads.items.get(old.id).state = "complete"; // by hand, unseen
    const fresh = [...rig.api.downloads.items.values()].find((i) => i.id !== old.id);
    rig.api.downloads.change(fresh.id, { state: "complete" });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.erase, []);
  });

  test("Firefox: Referer and container are sent; a refused container is dropped and the restart still happens", async () => {
    const rig = makeRig({ browser: "firefox" });
    rig.host.decide = restart();
    await rig.start();
    rig.api.downloads.refuseDownload = (o) => (o.cookieStoreId ? `No permission for cookieStoreId: ${o.cookieStoreId}` : null);
    const old = rig.api.downloads.add({
      url: "https://example.org/a.bin", filename: "/d/a.bin", referrer: "https://example.org/", cookieStoreId: "firefox-container-1",
    });
    rig.api.downloads.interrupt(old.id, "NETWORK_FAILED", { canResume: false });
    await rig.clock.tick(0);
    const [refused, sent] = rig.api.downloads.calls.download;
    assert.equal(refused.cookieStoreId, "firefox-container-1");
    assert.deepEqual(sent, {
      url: "https://example.org/a.bin", filename: "a.bin", conflictAction: "uniquify",
      headers: [{ name: "Referer", value: "https://example.org/" }],
    });
    assert.equal(rig.api.downloads.items.size, 2);
    assert.ok(rig.log.lines.some((l) => /cookies/.test(l.text)));
  });
});

describe("a truncated \"complete\" download", () => {
  test("is reported as outcome truncated, then as SERVER_CONTENT_LENGTH_MISMATCH that cannot resume", async () => {
    const rig = makeRig();
    rig.host.decide = restart({ action: "none" });
    await rig.start();
    const item = rig.api.downloads.add({ url: "https://example.org/short.bin", filename: "/d/short.bin", totalBytes: 1000 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(0);
    await rig.rescuer.retryNow({ key: recordKey(item) });
    await rig.clock.tick(0); // it runs again
    rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 600 });
    await rig.clock.tick(0);
    const seen = rig.host.received.filter((m) => m.type !== "hello")
      .map((m) => `${m.type}:${m.type === "outcome" ? m.download.state : m.download.error}`);
    assert.deepEqual(seen.slice(-2), ["outcome:truncated", "interrupted:SERVER_CONTENT_LENGTH_MISMATCH"]);
    const event = rig.host.ofType("interrupted").at(-1).download;
    assert.equal(event.canResume, false);
    assert.equal(event.state, "interrupted");
    assert.equal(event.bytesReceived, 600);
    assert.equal(rig.host.ofType("outcome").filter((m) => m.download.state === "complete").length, 0);
  });

  test("is reported once, not again by every reconciliation", async () => {
    const rig = makeRig();
    rig.host.decide = restart({ action: "none" });
    await rig.start();
    const item = rig.api.downloads.add({ url: "https://example.org/short.bin", totalBytes: 1000 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(0);
    await rig.rescuer.retryNow({ key: recordKey(item) });
    await rig.clock.tick(0); // it runs again
    rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 600 });
    await rig.clock.tick(0);
    await rig.rescuer.reconcile("test");
    await rig.rescuer.idle();
    assert.equal(rig.host.ofType("interrupted").filter((m) => m.download.error === "SERVER_CONTENT_LENGTH_MISMATCH").length, 1);
  });

  test("decided restart: the cut file is removed first, the same name is downloaded again, the old item erased at the end", async () => {
    const rig = makeRig();
    rig.host.decide = (m) => (m.download.error === "SERVER_CONTENT_LENGTH_MISMATCH" ? restart()() : restart({ action: "none" })());
    await rig.start();
    const item = rig.api.downloads.add({ url: "https://example.org/short.bin", filename: "/d/short.bin", totalBytes: 1000 });
    rig.api.downloads.interrupt(item.id, "NETWORK_FAILED");
    await rig.clock.tick(0);
    await rig.rescuer.retryNow({ key: recordKey(item) });
    await rig.clock.tick(0); // it runs again
    rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 600 });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.removeFile, [item.id]);
    assert.deepEqual(rig.api.downloads.calls.download.at(-1),
      { url: "https://example.org/short.bin", filename: "short.bin", conflictAction: "uniquify" });
    const fresh = [...rig.api.downloads.items.values()].find((i) => i.id !== item.id);
    rig.api.downloads.change(fresh.id, { state: "complete" });
    await rig.clock.tick(0);
    assert.deepEqual(rig.api.downloads.calls.erase, [{ id: item.id }]);
    assert.equal(rig.host.ofType("outcome").at(-1).download.state, "complete");
  });
});

test("a first try that Chrome marks complete though short (no validators) is forwarded as SERVER_CONTENT_LENGTH_MISMATCH", async () => {
  const rig = makeRig();
  rig.host.decide = restart({ action: "none" });
  await rig.start();
  const item = rig.api.downloads.add({ url: "https://example.org/first.bin", totalBytes: 1000 });
  rig.api.downloads.change(item.id, { state: "complete", bytesReceived: 400 });
  const whole = rig.api.downloads.add({ url: "https://example.org/whole.bin", totalBytes: 1000 });
  rig.api.downloads.change(whole.id, { state: "complete" });
  await rig.clock.tick(0);
  assert.deepEqual(rig.host.ofType("outcome"), [], "no outcome for an episode the host never heard of");
  const sent = rig.host.ofType("interrupted").map((m) => `${m.download.url} ${m.download.error} ${m.download.canResume}`);
  assert.deepEqual(sent, ["https://example.org/first.bin SERVER_CONTENT_LENGTH_MISMATCH false"]);
});
