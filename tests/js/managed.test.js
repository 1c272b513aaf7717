import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { LAST_MANAGED_KEY, MANAGED_WAIT_MS, managedForHello, readManagedPolicy, sameManaged } from "../../extension/modules/managed.js";
import { FakeClock, FakeStorageArea } from "./fakes.js";

const area = (get) => ({ storage: { managed: { get } } });

describe("readManagedPolicy: the administrator's policy from storage.managed", () => {
  test("the policy Chrome holds is given as it is", async () => {
    const policy = { categories: { NETWORK: { max_attempts: 2 } }, sites: { "*": { pause_after: 3 } } };
    assert.deepEqual(await readManagedPolicy(area(async (keys) => (keys === null ? policy : {}))), policy);
  });

  test("none: Chrome's {} , Firefox's throw, no managed area, or something not an object", async () => {
    assert.equal(await readManagedPolicy(area(async () => ({}))), null);
    assert.equal(await readManagedPolicy(area(async () => {
      throw new Error("Managed storage manifest not found");
    })), null);
    assert.equal(await readManagedPolicy({ storage: {} }), null);
    assert.equal(await readManagedPolicy(area(async () => [1])), null);
    assert.equal(await readManagedPolicy(undefined), null);
  });
});

describe("managedForHello: a hello does not wait for a slow storage.managed", () => {
  const policy = { categories: { NETWORK: { max_attempts: 2 } } };
  const slow = (clock, answer, ms) => ({
    storage: { local: new FakeStorageArea(), managed: { get: () => new Promise((ok) => clock.setTimeout(() => ok(answer), ms)) } },
  });
  const resolvedBy = (promise) => {
    const seen = { done: false };
    promise.then((v) => Object.assign(seen, { done: true, value: v }));
    return seen;
  };

  test("an answer within MANAGED_WAIT_MS (Firefox: 6 ms) is the policy, and is kept for the next start", async () => {
    const clock = new FakeClock();
    const api = slow(clock, policy, 6);
    const got = resolvedBy(managedForHello(api, { timers: clock }));
    await clock.tick(6);
    assert.deepEqual(got.value, { policy, later: null, kept: false });
    assert.deepEqual(await api.storage.local.get(LAST_MANAGED_KEY), { [LAST_MANAGED_KEY]: { policy } });
    assert.deepEqual(clock.pendingTimers(), [], "the wait's timer is cleared");
  });

  test("Chromium's start (the answer ~2.8 s late): the last policy read goes at MANAGED_WAIT_MS, the answer follows in `later` and replaces it", async () => {
    const clock = new FakeClock();
    const fresh = { reasons: { CRASH: { action: "none" } } };
    const api = slow(clock, fresh, 2800);
    await api.storage.local.set({ [LAST_MANAGED_KEY]: { policy } });
    const got = resolvedBy(managedForHello(api, { timers: clock }));
    await clock.tick(MANAGED_WAIT_MS - 1);
    assert.equal(got.done, false);
    await clock.tick(1);
    assert.deepEqual([got.value.policy, got.value.kept], [policy, true]);
    const later = resolvedBy(got.value.later);
    await clock.tick(2800 - MANAGED_WAIT_MS);
    assert.deepEqual(later.value, fresh);
    assert.deepEqual(await api.storage.local.get(LAST_MANAGED_KEY), { [LAST_MANAGED_KEY]: { policy: fresh } });
  });

  test("none kept as read (null) is sent as none at once; nothing kept at all (a first start) waits for the answer", async () => {
    const clock = new FakeClock();
    const none = slow(clock, {}, 2800);
    await none.storage.local.set({ [LAST_MANAGED_KEY]: { policy: null } });
    const kept = resolvedBy(managedForHello(none, { timers: clock }));
    await clock.tick(MANAGED_WAIT_MS);
    assert.deepEqual([kept.value.policy, kept.value.kept], [null, true]);

    const first = slow(clock, policy, 2800);
    const waited = resolvedBy(managedForHello(first, { timers: clock }));
    await clock.tick(2799);
    assert.equal(waited.done, false, "no policy is assumed: none was ever read");
    await clock.tick(1);
    assert.deepEqual(waited.value, { policy, later: null, kept: false });
  });

  test("sameManaged: the same tables in another key order are the same policy; another value is not", () => {
    assert.equal(sameManaged({ a: { x: 1, y: [1, 2] }, b: 2 }, { b: 2, a: { y: [1, 2], x: 1 } }), true);
    assert.equal(sameManaged({ a: 1 }, { a: 2 }), false);
    assert.equal(sameManaged(null, undefined), true);
    assert.equal(sameManaged(null, {}), false);
  });
});
