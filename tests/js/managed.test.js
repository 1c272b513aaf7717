import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { readManagedPolicy } from "../../extension/modules/managed.js";

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
