import assert from "node:assert/strict";
import { test } from "node:test";

import { handleCommand } from "../../extension/modules/commands.js";
import { MSG } from "../../extension/modules/ui_messages.js";
import { makeRig } from "./rig.js";

const meta = { browser: "chrome", lang: "en", version: "0.1.0" };
const ctx = (rig) => ({ rescuer: rig.rescuer, port: rig.port, log: { ...rig.log, lines: () => rig.log.lines }, meta });

test("history asks the host through the port and adds what the extension is doing per row", async () => {
  const rig = makeRig();
  rig.host.decide = () => ({ action: "resume", delay_ms: 60_000, attempt: 1, max_attempts: 5, reason: "SERVER_FAILED", category: "SERVER", notify: false, explanation: "" });
  await rig.start();
  const item = rig.api.downloads.add({ url: "https://example.org/x" });
  rig.api.downloads.interrupt(item.id, "SERVER_FAILED");
  await rig.clock.tick(0);
  rig.host.history = [{ event_id: 100, download_id: item.id, url: item.url, reason: "SERVER_FAILED", outcome: null }];
  const reply = await handleCommand({ type: MSG.HISTORY, limit: 10 }, ctx(rig));
  assert.equal(reply.ok, true);
  assert.equal(reply.host.status, "connected");
  assert.deepEqual(rig.host.ofType("history").at(-1).limit, 10);
  assert.equal(reply.items[0].local.status, "decided");
  assert.equal(reply.items[0].local.pending.action, "resume");
});

test("history carries what dlrescue did: the host's stats totals, bytes kept included", async () => {
  const rig = makeRig();
  rig.host.stats = { episodes: 7, ended: 6, rescued: 4, bytes_kept: 1_234_000_000 };
  await rig.start();
  const reply = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  assert.deepEqual(reply.stats, { episodes: 7, ended: 6, rescued: 4, bytes_kept: 1_234_000_000 });
  assert.equal(rig.host.ofType("stats").length, 1);
  rig.host.errorFor = (m) => (m.type === "stats" ? { code: "unknown_type", message: "no stats" } : null);
  const older = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  assert.equal(older.ok, true, "a host without stats still gives its history");
  assert.equal(older.stats, null);
});

test("history without a host answers with the host state and the queue size, not an exception", async () => {
  const rig = makeRig({ host: null });
  await rig.start();
  const reply = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  assert.equal(reply.ok, false);
  assert.equal(reply.host.status, "host_missing");
  assert.equal(reply.error.code, "unavailable");
  assert.equal(reply.queued, 0);
});

test("the debug command returns host, queue, records and log lines", async () => {
  const rig = makeRig();
  await rig.start();
  const reply = await handleCommand({ type: MSG.DEBUG }, ctx(rig));
  assert.equal(reply.ok, true);
  assert.equal(reply.host.status, "connected");
  assert.ok(Array.isArray(reply.outbox) && Array.isArray(reply.records) && reply.log.length > 0);
});

test("an unknown command gets a clear error", async () => {
  const rig = makeRig();
  const reply = await handleCommand({ type: "dlrescue:nope" }, ctx(rig));
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, "unknown_command");
});

/** A history row as the host stores it: the URL scrubbed, the event id of the interruption. */
async function signedDownload(rig, decision) {
  rig.host.decide = () => ({ attempt: 1, max_attempts: 5, reason: "SERVER_NO_RANGE", category: "SERVER", notify: false, explanation: "", ...decision });
  await rig.start();
  const url = "https://user:secret@example.org/big.iso?X-Amz-Signature=abc123&X-Amz-Expires=60#part";
  const item = rig.api.downloads.add({ url, filename: "/home/u/Downloads/big.iso" });
  rig.api.downloads.interrupt(item.id, "SERVER_NO_RANGE", { canResume: false });
  await rig.clock.tick(0);
  const eventId = rig.host.nextEvent - 1;
  rig.host.history = [{ event_id: eventId, download_id: item.id, url: "https://example.org/big.iso?X-Amz-Signature=REDACTED&X-Amz-Expires=60", reason: "SERVER_NO_RANGE", outcome: null }];
  const reply = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  return { item, url, row: reply.items[0] };
}

test("a row with the host's scrubbed URL is matched to the real download by its event id", async () => {
  const rig = makeRig();
  const { item, url, row } = await signedDownload(rig, { action: "restart", delay_ms: 60_000 });
  assert.equal(row.local.key, `${item.id}|${url}`);
  assert.equal(row.local.url, url);
  assert.equal(row.local.pending.action, "restart");
});

test("retry now runs the pending restart at once on the real URL, once: the cancelled timer starts no second download", async () => {
  const rig = makeRig();
  const { url, row } = await signedDownload(rig, { action: "restart", delay_ms: 60_000 });
  const reply = await handleCommand({ type: MSG.RETRY, key: row.local.key }, ctx(rig));
  assert.deepEqual(reply, { ok: true, did: "restarted" });
  const again = await handleCommand({ type: MSG.RETRY, key: row.local.key }, ctx(rig));
  assert.deepEqual(again, { ok: true, did: "restarted" }, "a second press starts nothing");
  await rig.clock.tick(120_000);
  assert.deepEqual(rig.api.downloads.calls.download.map((o) => o.url), [url], "exactly one download, of the real URL");
});

test("give up drops the pending action and tells the host given_up with the real URL", async () => {
  const rig = makeRig();
  const { item, url, row } = await signedDownload(rig, { action: "restart", delay_ms: 60_000 });
  const reply = await handleCommand({ type: MSG.GIVE_UP, key: row.local.key }, ctx(rig));
  assert.deepEqual(reply, { ok: true });
  await rig.clock.tick(120_000);
  assert.deepEqual(rig.api.downloads.calls.download, []);
  assert.deepEqual(rig.host.ofType("outcome").at(-1).download, { id: item.id, url, state: "given_up" });
  const rec = rig.rescuer.ledger.get(row.local.key);
  assert.equal(rec.status, "left");
  assert.equal(rec.pending, null);
});

test("rows the extension no longer knows carry no key, and actions on an unknown key do nothing but say so", async () => {
  const rig = makeRig();
  await rig.start();
  rig.host.history = [{ event_id: 1, download_id: 5, url: "https://example.org/old.bin", reason: "NETWORK_FAILED", outcome: null }];
  const reply = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  assert.equal(reply.items[0].local, null);
  for (const type of [MSG.RETRY, MSG.GIVE_UP]) {
    const answer = await handleCommand({ type, key: "5|https://example.org/old.bin" }, ctx(rig));
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "unknown_download");
  }
  assert.deepEqual(rig.api.downloads.calls.download, []);
  assert.equal(rig.host.ofType("outcome").length, 0);
});

test("the popup's status carries the host's own sentence when it cannot store, cleared once it stores again", async () => {
  const rig = makeRig();
  const said = "the history could not be written: database is locked";
  rig.host.errorFor = (m) => (m.type === "interrupted" ? { code: "store_unavailable", message: said } : null);
  await rig.start();
  const item = rig.api.downloads.add({ url: "https://example.org/a.bin" });
  rig.api.downloads.interrupt(item.id);
  await rig.clock.tick(0);
  let reply = await handleCommand({ type: MSG.STATUS }, ctx(rig));
  assert.deepEqual({ ...reply.hostProblem, at: 0 }, { kind: "retry", code: "store_unavailable", message: said, at: 0 });
  assert.equal(reply.queued, 1);
  rig.host.errorFor = null;
  await rig.clock.tick(60_000);
  reply = await handleCommand({ type: MSG.STATUS }, ctx(rig));
  assert.equal(reply.hostProblem, null);
  assert.equal(reply.queued, 0);
});

test("a refused message stays in the popup's status with the host's sentence", async () => {
  const rig = makeRig();
  rig.host.errorFor = (m) => (m.type === "interrupted" ? { code: "invalid_reason", message: "download.error \"BOGUS\" is not a reason", field: "download.error" } : null);
  await rig.start();
  const item = rig.api.downloads.add({ url: "https://example.org/a.bin" });
  rig.api.downloads.interrupt(item.id, "BOGUS");
  await rig.clock.tick(0);
  const reply = await handleCommand({ type: MSG.STATUS }, ctx(rig));
  assert.equal(reply.hostProblem.kind, "drop");
  assert.equal(reply.hostProblem.message, "download.error \"BOGUS\" is not a reason");
});

test("the history reply of a host that answers an error carries its sentence; a dead port its reason", async () => {
  const rig = makeRig();
  rig.host.errorFor = (m) => (m.type === "history" ? { code: "store_unavailable", message: "the history is on a read-only disk" } : null);
  await rig.start();
  const reply = await handleCommand({ type: MSG.HISTORY }, ctx(rig));
  assert.equal(reply.ok, false);
  assert.deepEqual(reply.error, { code: "store_unavailable", message: "the history is on a read-only disk" });
  const gone = makeRig({ host: null });
  await gone.start();
  const missing = await handleCommand({ type: MSG.HISTORY }, ctx(gone));
  assert.match(missing.host.detail, /not found/);
});

test("the popup's status says how many messages a full queue dropped", async () => {
  const rig = makeRig({ host: null });
  await rig.start();
  rig.rescuer.outbox.maxEntries = 2;
  for (const n of [1, 2, 3, 4]) {
    const item = rig.api.downloads.add({ url: `https://example.org/${n}.bin` });
    rig.api.downloads.interrupt(item.id);
  }
  await rig.clock.tick(0);
  const reply = await handleCommand({ type: MSG.STATUS }, ctx(rig));
  assert.equal(reply.queued, 2);
  assert.equal(reply.dropped.count, 2);
});

test("the settings page's policy and set_policy go to the host with the browser; the reply keeps the status", async () => {
  const rig = makeRig();
  const plain = rig.host.reply.bind(rig.host);
  rig.host.reply = (m) => (m.type === "policy" || m.type === "set_policy"
    ? { rid: m.rid, ok: true, view: { file: "/p.toml" }, allowed: {}, known_reasons: {}, written: m.type === "set_policy" }
    : plain(m));
  await rig.start();
  const read = await handleCommand({ type: MSG.POLICY }, ctx(rig));
  assert.deepEqual([read.ok, read.view.file, read.host.status, "rid" in read], [true, "/p.toml", "connected", false]);
  const changes = [{ table: ["reasons", "CRASH"], key: "action", value: "none", extra: 1 }, ...Array(40).fill({ table: ["x", "y"], key: "k", value: null })];
  const saved = await handleCommand({ type: MSG.SET_POLICY, changes }, ctx(rig));
  assert.equal(saved.written, true);
  const sent = rig.host.ofType("set_policy").at(-1);
  assert.equal(sent.browser, "chrome");
  assert.equal(sent.changes.length, 32);
  assert.deepEqual(sent.changes[0], { table: ["reasons", "CRASH"], key: "action", value: "none" });
});

test("an older host's unknown_type reaches the settings page as the host's error", async () => {
  const rig = makeRig();
  await rig.start();
  const reply = await handleCommand({ type: MSG.POLICY }, ctx(rig));
  assert.deepEqual([reply.ok, reply.error.code], [false, "unknown_type"]);
});
