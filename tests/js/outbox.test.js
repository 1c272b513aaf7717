import assert from "node:assert/strict";
import { test } from "node:test";

import { Ledger } from "../../extension/modules/ledger.js";
import { Outbox } from "../../extension/modules/outbox.js";
import { FakeClock, FakeStorageArea, quietLog } from "./fakes.js";

const msg = (id) => ({ type: "interrupted", browser: "chrome", download: { id, url: `https://e/${id}`, error: "NETWORK_FAILED" } });

test("queued events survive the worker's death: a new Outbox on the same storage has them, in order", async () => {
  const storage = new FakeStorageArea();
  const clock = new FakeClock();
  const first = await new Outbox({ storage, now: clock.now, log: quietLog() }).load();
  await first.add({ key: "a", kind: "interrupted", message: msg(1) });
  await first.add({ key: "b", kind: "interrupted", message: msg(2) });
  const second = await new Outbox({ storage, now: clock.now, log: quietLog() }).load();
  assert.deepEqual(second.entries().map((e) => e.key), ["a", "b"]);
  assert.deepEqual(second.next().message, msg(1));
  await second.add({ key: "c", kind: "outcome", message: msg(3) });
  assert.ok(second.entries()[2].seq > second.entries()[1].seq, "sequence numbers keep growing");
});

test("the same event is not queued twice (onChanged and reconciliation both found it)", async () => {
  const outbox = await new Outbox({ storage: new FakeStorageArea(), log: quietLog() }).load();
  await outbox.add({ key: "a", kind: "interrupted", message: msg(1) });
  await outbox.add({ key: "a", kind: "interrupted", message: msg(1) });
  assert.equal(outbox.size, 1);
});

test("a head that must wait blocks the queue until its time (FIFO), and wakeAll makes it due", async () => {
  const clock = new FakeClock();
  const outbox = await new Outbox({ storage: new FakeStorageArea(), now: clock.now, log: quietLog() }).load();
  const a = await outbox.add({ key: "a", kind: "interrupted", message: msg(1) });
  await outbox.add({ key: "b", kind: "interrupted", message: msg(2) });
  await outbox.retryLater(a.seq, 4000, "store_unavailable");
  assert.equal(outbox.next(), null);
  assert.equal(outbox.nextDueAt(), clock.now() + 4000);
  assert.equal(outbox.entries()[0].tries, 1);
  assert.equal(outbox.entries()[0].lastError, "store_unavailable");
  await outbox.wakeAll();
  assert.equal(outbox.next().key, "a");
});

test("private-browsing entries are kept in memory only, never written to storage", async () => {
  const storage = new FakeStorageArea();
  const outbox = await new Outbox({ storage, log: quietLog() }).load();
  await outbox.add({ key: "p", kind: "interrupted", message: msg(1), ephemeral: true });
  await outbox.add({ key: "n", kind: "interrupted", message: msg(2) });
  assert.equal(outbox.size, 2);
  assert.deepEqual(storage.data.outbox.items.map((e) => e.key), ["n"]);
  assert.doesNotMatch(JSON.stringify(storage.data), /https:\/\/e\/1/);
});

test("the ledger persists records, and private-browsing records stay in memory only", async () => {
  const storage = new FakeStorageArea();
  const clock = new FakeClock();
  const ledger = await new Ledger({ storage, now: clock.now }).load();
  await ledger.put("k1", { id: 1, url: "https://e/1", status: "queued" });
  await ledger.put("k2", { id: 2, url: "https://secret/2", status: "queued", incognito: true });
  const again = await new Ledger({ storage, now: clock.now }).load();
  assert.equal(again.get("k1").status, "queued");
  assert.equal(again.get("k2"), undefined);
  assert.doesNotMatch(JSON.stringify(storage.data), /secret/);
});

test("the ledger prunes the oldest finished records first when it is full", async () => {
  const clock = new FakeClock();
  const ledger = await new Ledger({ storage: new FakeStorageArea(), now: clock.now, maxRecords: 3 }).load();
  await ledger.put("old-open", { status: "decided" });
  await clock.tick(1);
  await ledger.put("old-done", { status: "closed" });
  await clock.tick(1);
  await ledger.put("new-open", { status: "queued" });
  await clock.tick(1);
  await ledger.put("newest", { status: "queued" });
  assert.deepEqual(ledger.all().map((r) => r.key).sort(), ["new-open", "newest", "old-open"]);
});

test("a full queue drops its oldest entries and counts them (kept across workers) for the popup, for a day", async () => {
  const storage = new FakeStorageArea();
  const clock = new FakeClock();
  const outbox = await new Outbox({ storage, now: clock.now, log: quietLog(), maxEntries: 3 }).load();
  assert.equal(outbox.droppedInfo(), null);
  for (const k of ["a", "b", "c", "d", "e"]) await outbox.add({ key: k, kind: "interrupted", message: msg(1) });
  assert.deepEqual(outbox.entries().map((e) => e.key), ["c", "d", "e"]);
  assert.deepEqual(outbox.droppedInfo(), { count: 2, lastAt: clock.now() });
  const again = await new Outbox({ storage, now: clock.now, log: quietLog(), maxEntries: 3 }).load();
  assert.equal(again.droppedInfo().count, 2);
  await clock.tick(24 * 3600 * 1000);
  assert.equal(again.droppedInfo(), null, "no longer shown a day later");
  await again.add({ key: "f", kind: "interrupted", message: msg(1) });
  assert.equal(again.droppedInfo().count, 1, "a new count starts");
});
