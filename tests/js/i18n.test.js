// Conformance of the extension's strings (issue 9): both locales complete and consistent,
// and every key the code or the manifest uses exists.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { EXTENSION_DIR, loadMessages, makeGetMessage } from "./fakes.js";

const LOCALES = ["en", "fr"];
const messages = Object.fromEntries(LOCALES.map((l) => [l, loadMessages(l)]));

/** Keys whose French text is rightly the same as the English one. */
const SAME_IN_FRENCH = new Set([
  "extName", "durationSeconds", "durationMinutes", "durationMilliseconds", "durationHours", "footerVersion",
]);

function files(dir, exts) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(path);
  }
  return out;
}

const sources = files(EXTENSION_DIR, [".js", ".html", ".json"]).filter((p) => !p.includes("_locales"));
const text = Object.fromEntries(sources.map((p) => [p, readFileSync(p, "utf8")]));

function usedKeys() {
  const used = new Map(); // key -> first file
  const patterns = [
    /\b(?:t|getMessage)(?:\?\.)?\(\s*["']([A-Za-z0-9_@]+)["']/g, // t("key"), i18n.getMessage("key"), getMessage?.("key")
    /__MSG_([A-Za-z0-9_@]+)__/g, // manifest and pages
    /data-i18n="([A-Za-z0-9_@]+)"/g, // popup.html
  ];
  for (const [path, body] of Object.entries(text)) {
    for (const re of patterns) for (const m of body.matchAll(re)) if (!used.has(m[1])) used.set(m[1], path);
  }
  return used;
}

function placeholdersIn(message) {
  return [...message.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase()).sort();
}

describe("the extension's strings in English and French", () => {
  test("every key exists in both locales", () => {
    assert.deepEqual(Object.keys(messages.fr).sort(), Object.keys(messages.en).sort());
  });

  test("no message is empty", () => {
    for (const l of LOCALES) for (const [k, v] of Object.entries(messages[l])) assert.ok(v.message.trim(), `${l}/${k}`);
  });

  test("every $NAME$ in a message is declared in its placeholders and every placeholder is used", () => {
    for (const l of LOCALES) {
      for (const [k, v] of Object.entries(messages[l])) {
        const declared = Object.keys(v.placeholders ?? {}).map((n) => n.toLowerCase()).sort();
        assert.deepEqual([...new Set(placeholdersIn(v.message))].sort(), declared, `${l}/${k}`);
      }
    }
  });

  test("French declares the same placeholders with the same $1, $2 contents as English", () => {
    for (const k of Object.keys(messages.en)) {
      assert.deepEqual(messages.fr[k].placeholders ?? {}, messages.en[k].placeholders ?? {}, k);
    }
  });

  test("French is translated: no French message equals the English one unless it must", () => {
    const same = Object.keys(messages.en).filter((k) => messages.fr[k].message === messages.en[k].message);
    assert.deepEqual(same.filter((k) => !SAME_IN_FRENCH.has(k)), []);
  });

  test("every getMessage key, __MSG_key__ and data-i18n key used by the extension exists", () => {
    const used = usedKeys();
    assert.ok(used.size > 40, `found only ${used.size} keys: the scan is broken`);
    for (const [key, path] of used) assert.ok(key in messages.en, `${key} (used in ${path}) is not in _locales/en`);
  });

  test("every key in the locales is used somewhere (no dead strings)", () => {
    const used = usedKeys();
    assert.deepEqual(Object.keys(messages.en).filter((k) => !used.has(k)), []);
  });

  test("name and description fit Chrome's limits (45 and 132 characters) in both languages", () => {
    for (const l of LOCALES) {
      assert.ok(messages[l].extName.message.length <= 45, l);
      assert.ok(messages[l].extDescription.message.length <= 132, l);
    }
  });

  test("substitutions fill the placeholders in French as in English", () => {
    assert.equal(makeGetMessage("en")("attemptOf", ["2", "5"]), "attempt 2 of 5");
    assert.equal(makeGetMessage("fr")("attemptOf", ["2", "5"]), "essai 2 sur 5");
    assert.equal(makeGetMessage("fr")("notifyLeftTitle", ["a.iso"]), "Téléchargement arrêté : a.iso");
  });
});
