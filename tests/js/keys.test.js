import assert from "node:assert/strict";
import { test } from "node:test";

import { downloadKey, isRenumbered, recordKey, sameDownload, shortHash } from "../../extension/modules/keys.js";

test("Firefox's reused id 1 in a new session gets another key (startTime differs)", () => {
  const before = { id: 1, url: "https://example.org/a.iso", startTime: "2026-01-01T10:00:00.000Z" };
  const after = { id: 1, url: "https://example.org/a.iso", startTime: "2026-01-02T09:00:00.000Z" };
  assert.notEqual(downloadKey(before), downloadKey(after));
});

test("the same download keeps its key across worker restarts (same id, url, startTime)", () => {
  const a = { id: 7, url: "https://example.org/a", startTime: "2026-01-01T10:00:00.000Z", state: "interrupted" };
  assert.equal(downloadKey(a), downloadKey({ ...a, state: "in_progress", bytesReceived: 5 }));
});

test("two downloads with the same id and start but another URL get different keys", () => {
  const t = "2026-01-01T10:00:00.000Z";
  assert.notEqual(downloadKey({ id: 1, url: "https://a/", startTime: t }), downloadKey({ id: 1, url: "https://b/", startTime: t }));
});

test("shortHash is stable FNV-1a in base 36 (the e2e suite recomputes notification ids)", () => {
  assert.equal(shortHash(""), (0x811c9dc5).toString(36));
  assert.equal(shortHash("a"), (0xe40c292c).toString(36));
  assert.equal(shortHash("abc"), shortHash("abc"));
  assert.notEqual(shortHash("abc"), shortHash("abd"));
});

test("a record matches its item in the same session even after Firefox moved startTime on resume", () => {
  const rec = { id: 3, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z", session: "s1" };
  assert.equal(sameDownload(rec, { id: 3, url: "https://e/a", startTime: "2026-01-01T10:05:00.000Z" }, "s1"), true);
});

test("in a new session a record matches only an item with the startTime it last saw", () => {
  const rec = { id: 1, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z", session: "s1" };
  assert.equal(sameDownload(rec, { id: 1, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z" }, "s2"), true);
  assert.equal(sameDownload(rec, { id: 1, url: "https://e/a", startTime: "2026-01-02T08:00:00.000Z" }, "s2"), false);
});

test("a download renumbered by a new Firefox session is recognised by url and startTime", () => {
  const rec = { id: 5, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z", session: "s1" };
  assert.equal(isRenumbered(rec, { id: 2, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z" }, "s2"), true);
  assert.equal(isRenumbered(rec, { id: 2, url: "https://e/a", startTime: "2026-01-01T10:00:00.000Z" }, "s1"), false);
  assert.equal(recordKey({ id: 2, url: "https://e/a" }), "2|https://e/a");
});
