import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  becameInterrupted, displayName, enteredState, isInterruption, isPause, isRefetchable, readDelta,
} from "../../extension/modules/deltas.js";

describe("onChanged deltas: both browsers' shapes read the same", () => {
  test("Chrome's interruption delta (keys omitted) is read as entering interrupted", () => {
    const delta = { id: 4, state: { previous: "in_progress", current: "interrupted" }, error: { current: "NETWORK_FAILED" } };
    assert.equal(becameInterrupted(delta), true);
    assert.deepEqual(readDelta(delta).changes.error, { previous: undefined, current: "NETWORK_FAILED" });
  });

  test("Firefox's interruption delta (previous: null) is read the same as Chrome's", () => {
    const delta = {
      id: 4, state: { previous: "in_progress", current: "interrupted" },
      error: { previous: null, current: "NETWORK_FAILED" }, canResume: { previous: false, current: true },
    };
    assert.equal(becameInterrupted(delta), true);
    assert.deepEqual(readDelta(delta).changes.error, { previous: undefined, current: "NETWORK_FAILED" });
  });

  test("Chrome's resume delta with only error.previous says the error went away", () => {
    const delta = { id: 4, state: { previous: "interrupted", current: "in_progress" }, error: { previous: "NETWORK_FAILED" } };
    assert.equal(enteredState(delta), "in_progress");
    assert.equal(becameInterrupted(delta), false);
    assert.deepEqual(readDelta(delta).changes.error, { previous: "NETWORK_FAILED", current: undefined });
  });

  test("Firefox's resume delta with error.current null says the error went away", () => {
    const delta = { id: 4, state: { previous: "interrupted", current: "in_progress" }, error: { previous: "NETWORK_FAILED", current: null } };
    assert.deepEqual(readDelta(delta).changes.error, { previous: "NETWORK_FAILED", current: undefined });
  });

  test("a delta without a state change (Chrome filename, Firefox exists) enters no state", () => {
    assert.equal(enteredState({ id: 1, filename: { current: "/tmp/a" } }), undefined);
    assert.equal(enteredState({ id: 1, exists: { previous: true, current: false } }), undefined);
  });

  test("a Firefox non-change (null to null) is not reported as a change", () => {
    assert.deepEqual(readDelta({ id: 1, error: { previous: null, current: null } }).changes, {});
  });

  test("junk deltas do not throw", () => {
    assert.deepEqual(readDelta(null).changes, {});
    assert.equal(enteredState({ id: 1, state: "interrupted" }), undefined);
  });
});

describe("items: a pause is not an interruption", () => {
  test("Firefox's pause (interrupted, USER_CANCELED, paused) is a pause, not an interruption", () => {
    const item = { id: 1, state: "interrupted", error: "USER_CANCELED", paused: true, canResume: true };
    assert.equal(isPause(item), true);
    assert.equal(isInterruption(item), false);
  });

  test("a real cancel (USER_CANCELED, not paused) is an interruption the host should record", () => {
    assert.equal(isInterruption({ id: 1, state: "interrupted", error: "USER_CANCELED", paused: false }), true);
  });

  test("a network failure is an interruption; a running or complete item is not", () => {
    assert.equal(isInterruption({ state: "interrupted", error: "NETWORK_FAILED", paused: false }), true);
    assert.equal(isInterruption({ state: "in_progress", paused: true }), false);
    assert.equal(isInterruption({ state: "complete" }), false);
    assert.equal(isInterruption(undefined), false);
  });

  test("only http(s) URLs can be fetched again (blob: and data: cannot)", () => {
    assert.equal(isRefetchable("https://example.org/a"), true);
    assert.equal(isRefetchable("HTTP://example.org/a"), true);
    assert.equal(isRefetchable("blob:https://example.org/1234"), false);
    assert.equal(isRefetchable("data:text/plain,hi"), false);
    assert.equal(isRefetchable(undefined), false);
  });

  test("display names come from the file name, else the URL's last segment", () => {
    assert.equal(displayName({ filename: "/home/u/Downloads/big.iso" }), "big.iso");
    assert.equal(displayName({ filename: "C:\\Users\\u\\big file.iso" }), "big file.iso");
    assert.equal(displayName({ filename: "", url: "https://example.org/a/b%20c.zip?x=1" }), "b c.zip");
  });
});
