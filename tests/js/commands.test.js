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
