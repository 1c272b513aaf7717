import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { HostError, HostPort, classifyDisconnect, reconnectDelay } from "../../extension/modules/host_port.js";
import { FakeClock, FakeHost, makeFakeApi, quietLog } from "./fakes.js";

function setup({ browser = "chrome", host = new FakeHost(), ...opts } = {}) {
  const clock = new FakeClock();
  const api = makeFakeApi({ browser, host, clock });
  const log = quietLog();
  const port = new HostPort({
    api, log, timers: clock, now: clock.now,
    helloFields: () => ({ browser, extensionVersion: "0.1.0", lang: "fr" }), ...opts,
  });
  return { clock, api, host, port, log };
}

describe("the one door to the host", () => {
  test("connect sends hello first, with browser, version and lang, and reports the host version", async () => {
    const { port, host } = setup();
    const status = await port.connect();
    assert.equal(status.status, "connected");
    assert.equal(status.hostVersion, "0.1.0");
    assert.deepEqual(host.received[0], { type: "hello", browser: "chrome", extension_version: "0.1.0", lang: "fr", rid: 1 });
  });

  test("every request gets its own rid and its reply is matched by rid", async () => {
    const { port, host } = setup();
    const [a, b] = await Promise.all([
      port.request({ type: "outcome", download: { id: 1, url: "https://e/1", state: "complete" } }),
      port.request({ type: "history", limit: 5 }),
    ]);
    const rids = host.received.map((m) => m.rid);
    assert.equal(new Set(rids).size, rids.length);
    assert.equal(a.rid, host.received.find((m) => m.type === "outcome").rid);
    assert.equal(b.rid, host.received.find((m) => m.type === "history").rid);
    assert.ok(Array.isArray(b.items));
  });

  test("a request with no reply is rejected with 'timeout' after its time, and a late reply is ignored", async () => {
    const { port, host, clock, log } = setup({ requestTimeoutMs: 3000 });
    await port.connect();
    host.silent = true;
    const pending = port.request({ type: "history" });
    let error;
    pending.catch((e) => {
      error = e;
    });
    await clock.tick(2999);
    assert.equal(error, undefined);
    await clock.tick(1);
    assert.ok(error instanceof HostError);
    assert.equal(error.code, "timeout");
    port.port.onMessage.emit({ rid: host.received.at(-1).rid, ok: true, items: [] });
    assert.ok(log.lines.some((l) => /matches no request/.test(l.text)));
  });

  test("a message over 1 MiB is refused before anything is posted", async () => {
    const { port, host } = setup();
    await port.connect();
    const before = host.received.length;
    await assert.rejects(port.request({ type: "interrupted", download: { id: 1, url: "x".repeat(1024 * 1024), error: "CRASH" } }),
      (e) => e.code === "too_large" && /over the 1048576-byte limit/.test(e.message));
    assert.equal(host.received.length, before);
  });

  test("the 1 MiB limit counts UTF-8 bytes: 400k 'é' (800 kB) pass, 600k (1.2 MB) do not", async () => {
    const { port } = setup();
    await port.connect();
    await port.request({ type: "history", pad: "é".repeat(400_000) });
    await assert.rejects(port.request({ type: "history", pad: "é".repeat(600_000) }), (e) => e.code === "too_large");
  });

  test("a missing host (Chrome wording) is the clear state host_missing, with a next retry time", async () => {
    const { port, clock } = setup({ host: null });
    const status = await port.connect();
    assert.equal(status.status, "host_missing");
    assert.match(status.detail, /not found/);
    assert.equal(status.nextRetryAt, clock.now() + 1000);
  });

  test("a missing host (Firefox wording, port.error) is host_missing too", async () => {
    const { port } = setup({ browser: "firefox", host: null });
    assert.equal((await port.connect()).status, "host_missing");
  });

  test("requests while the host is missing reject with 'unavailable', not an exception elsewhere", async () => {
    const { port } = setup({ host: null });
    await assert.rejects(port.request({ type: "history" }), (e) => e.code === "unavailable" && /host_missing/.test(e.message));
  });

  test("reconnect backs off 1 s, 2 s, 4 s while the host stays missing, then connects when it appears", async () => {
    const { port, clock, api } = setup({ host: null });
    await port.connect();
    await clock.tick(999);
    assert.equal(api.runtime.ports.length, 1);
    await clock.tick(1);
    assert.equal(api.runtime.ports.length, 2);
    await clock.tick(1999);
    assert.equal(api.runtime.ports.length, 2);
    await clock.tick(1);
    assert.equal(api.runtime.ports.length, 3);
    api.host = new FakeHost();
    await clock.tick(4000);
    assert.equal(port.status().status, "connected");
    assert.equal(port.status().failures, 0);
  });

  test("a disconnect rejects requests in flight with 'disconnected' and schedules a reconnect", async () => {
    const { port, host, clock } = setup();
    await port.connect();
    host.silent = true;
    const pending = port.request({ type: "history" });
    host.exit();
    await assert.rejects(pending, (e) => e.code === "disconnected" && /Native host has exited/.test(e.message));
    assert.equal(port.status().status, "host_failed");
    host.silent = false;
    await clock.tick(1000);
    assert.equal(port.status().status, "connected");
  });

  test("a host that never answers hello is host_failed, and its port is closed", async () => {
    const host = new FakeHost();
    host.silent = true;
    const { port, clock, api } = setup({ host, helloTimeoutMs: 2000 });
    const done = port.connect();
    await clock.tick(2000);
    const status = await done;
    assert.equal(status.status, "host_failed");
    assert.match(status.detail, /no reply to hello/);
    assert.equal(api.runtime.ports[0].closed, true);
  });

  test("a host speaking another protocol version is 'incompatible'", async () => {
    const { port } = setup({ host: new FakeHost({ protocol: 2 }) });
    const status = await port.connect();
    assert.equal(status.status, "incompatible");
    assert.match(status.detail, /protocol 2/);
  });

  test("connect({force}) ignores the backoff (a person pressed Reconnect)", async () => {
    const { port, api } = setup({ host: null });
    await port.connect();
    await port.connect();
    assert.equal(api.runtime.ports.length, 1, "no new attempt during the backoff");
    api.host = new FakeHost();
    assert.equal((await port.connect({ force: true })).status, "connected");
  });

  test("reconnect delays are capped at 5 minutes", () => {
    assert.equal(reconnectDelay(1), 1000);
    assert.equal(reconnectDelay(4), 8000);
    assert.equal(reconnectDelay(50), 300_000);
  });
});

test("a missing host is looked for again at least every 30 s (registering it is picked up soon)", async () => {
  const clock = new FakeClock();
  const api = makeFakeApi({ host: null, clock });
  const port = new HostPort({ api, log: quietLog(), timers: clock, now: clock.now, helloFields: () => ({}) });
  await port.connect();
  await clock.tick(10 * 60_000);
  const attempts = api.runtime.ports.length;
  await clock.tick(60_000);
  assert.ok(api.runtime.ports.length - attempts >= 2, `${api.runtime.ports.length - attempts} attempts in a minute`);
  assert.ok(port.status().nextRetryAt - clock.now() <= 30_000);
});

describe("why a native port closed, from each browser's wording", () => {
  test("Chrome's and Firefox's 'no host' messages both mean host_missing", () => {
    assert.equal(classifyDisconnect("Specified native messaging host not found."), "host_missing");
    assert.equal(classifyDisconnect("No such native application org.dlrescue.host"), "host_missing");
  });

  test("Chrome's 'forbidden' (allowed_origins lacks this id) means host_forbidden", () => {
    assert.equal(classifyDisconnect("Access to the specified native messaging host is forbidden."), "host_forbidden");
  });

  test("an exit or a broken pipe means host_failed; no message means the host closed", () => {
    assert.equal(classifyDisconnect("Native host has exited."), "host_failed");
    assert.equal(classifyDisconnect("Error when communicating with the native messaging host."), "host_failed");
    assert.equal(classifyDisconnect("An unexpected error occurred"), "host_failed");
    assert.equal(classifyDisconnect(null), "host_closed");
  });
});
