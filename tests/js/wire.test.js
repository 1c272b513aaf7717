import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  MAX_FIELD_CHARS, encodedSize, helloMessage, interruptedMessage, langOf, outcomeMessage, toWireDownload,
} from "../../extension/modules/wire.js";

describe("wire shapes (PROTOCOL.md, Requests)", () => {
  test("hello carries browser, extension_version and lang", () => {
    assert.deepEqual(helloMessage({ browser: "firefox", extensionVersion: "0.1.0", lang: "fr" }),
      { type: "hello", browser: "firefox", extension_version: "0.1.0", lang: "fr" });
  });

  test("hello carries the administrator's policy as managed_policy, and nothing when there is none", () => {
    const managedPolicy = { categories: { NETWORK: { max_attempts: 2 } } };
    assert.deepEqual(helloMessage({ browser: "chrome", managedPolicy }).managed_policy, managedPolicy);
    assert.equal("managed_policy" in helloMessage({ browser: "chrome", managedPolicy: null }), false);
  });

  test("interrupted mirrors the DownloadItem: required id, url, error; nulls and unknown fields dropped", () => {
    const msg = interruptedMessage({
      id: 42, url: "https://example.org/big.iso", error: "NETWORK_FAILED", bytesReceived: 1000, totalBytes: 5000,
      canResume: true, paused: false, incognito: false, endTime: null, somethingNew: { x: 1 },
    }, "chrome");
    assert.equal(msg.type, "interrupted");
    assert.equal(msg.browser, "chrome");
    assert.equal("event_key" in msg, false, "no key unless one is given");
    assert.equal(interruptedMessage({ id: 1, url: "u", error: "CRASH" }, "chrome", "k-1").event_key, "k-1");
    assert.deepEqual(msg.download, {
      id: 42, url: "https://example.org/big.iso", error: "NETWORK_FAILED", bytesReceived: 1000, totalBytes: 5000,
      canResume: true, paused: false, incognito: false,
    });
  });

  test("a megabyte data: URL is cut so the message fits, and the cut is declared", () => {
    const url = `data:application/octet-stream;base64,${"A".repeat(2 * 1024 * 1024)}`;
    const download = toWireDownload({ id: 1, url, error: "NETWORK_FAILED" });
    assert.equal(download.url.length, MAX_FIELD_CHARS);
    assert.deepEqual(download.truncated, ["url"]);
    assert.ok(encodedSize(interruptedMessage({ id: 1, url, error: "X" }, "chrome")) < 64 * 1024);
  });

  test("outcome carries id, url, state, and error only when interrupted", () => {
    assert.deepEqual(outcomeMessage({ id: 3, url: "https://e/x", state: "complete" }),
      { type: "outcome", download: { id: 3, url: "https://e/x", state: "complete" } });
    assert.deepEqual(outcomeMessage({ id: 3, url: "https://e/x", state: "interrupted", error: "SERVER_FAILED" }).download.error, "SERVER_FAILED");
    assert.equal(outcomeMessage({ id: 3, url: "https://e/x", state: "given_up" }).download.state, "given_up");
  });

  test("occurred_at: the time given, as ISO 8601 UTC; none without a time or with one that is not a date", () => {
    const at = Date.UTC(2026, 10, 23, 14, 0, 0, 5);
    assert.equal(interruptedMessage({ id: 1, url: "u", error: "CRASH" }, "chrome", "k", { occurredAt: at }).occurred_at,
      "2026-11-23T14:00:00.005Z");
    assert.equal(outcomeMessage({ id: 3, url: "https://e/x", state: "complete", occurredAt: at }).occurred_at, "2026-11-23T14:00:00.005Z");
    for (const bad of [undefined, null, Number.NaN, Infinity, 9e15, "2026-11-23"]) {
      assert.equal("occurred_at" in interruptedMessage({ id: 1, url: "u", error: "CRASH" }, "chrome", "k", { occurredAt: bad }), false, String(bad));
    }
  });

  test("the size check counts UTF-8 bytes, not characters", () => {
    assert.equal(encodedSize("é"), 4); // quotes + 2 bytes
    assert.equal(encodedSize("😀"), 6); // quotes + 4 bytes
    assert.equal(encodedSize({ a: "x" }), 9);
  });

  test("lang is fr for any French UI language and en for everything else", () => {
    for (const ui of ["fr", "fr-FR", "fr_CA", "FR-be"]) assert.equal(langOf(ui), "fr", ui);
    for (const ui of ["en-US", "de", "", undefined, "fy", "frr"]) assert.equal(langOf(ui), "en", String(ui));
  });
});

describe("the language announced in hello follows the messages the browser picked", async () => {
  const { uiLang, uiLocale } = await import("../../extension/modules/env.js");
  const fake = (picked, ui) => ({ i18n: { getMessage: (k) => (k === "langCode" ? picked : ""), getUILanguage: () => ui } });

  test("French messages picked while getUILanguage says en-US (headless Chromium --lang=fr): lang fr", () => {
    assert.equal(uiLang(fake("fr", "en-US")), "fr");
    assert.equal(uiLocale(fake("fr", "en-US")), "fr");
  });

  test("without the langCode message, getUILanguage decides (fr-CA is fr)", () => {
    assert.equal(uiLang(fake("", "fr-CA")), "fr");
    assert.equal(uiLocale(fake("", "fr-CA")), "fr-CA");
    assert.equal(uiLang(fake("", "de-DE")), "en");
  });
});
