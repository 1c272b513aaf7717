import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";

import { CHROME_ID, EXTENSION_DIR } from "./fakes.js";

const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, "manifest.json"), "utf8"));

test("the manifest key gives the fixed Chrome extension id gjccldfdjgdpkjgmhcahflepmbmohjjc", () => {
  const digest = createHash("sha256").update(Buffer.from(manifest.key, "base64")).digest("hex").slice(0, 32);
  const id = [...digest].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join("");
  assert.equal(id, CHROME_ID);
});

test("Firefox gets the add-on id dlrescue@dlrescue.org (native messaging needs one)", () => {
  assert.equal(manifest.browser_specific_settings.gecko.id, "dlrescue@dlrescue.org");
});

test("MV3 with the five permissions the issue lists and power (Chrome: stay awake), and no host permissions", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual([...manifest.permissions].sort(), ["alarms", "downloads", "nativeMessaging", "notifications", "power", "storage"]);
  assert.equal(manifest.host_permissions, undefined);
});

test("webRequest and all sites are optional: asked for in the popup, never at install (issue 18)", () => {
  assert.deepEqual(manifest.optional_permissions, ["webRequest"]);
  assert.deepEqual(manifest.optional_host_permissions, ["<all_urls>"]);
});

test("one background for both: a module service worker (Chrome) and module scripts (Firefox)", () => {
  assert.equal(manifest.background.service_worker, "background.js");
  assert.deepEqual(manifest.background.scripts, ["background.js"]);
  assert.equal(manifest.background.type, "module");
});

test("name and description come from the locales, English by default", () => {
  assert.equal(manifest.default_locale, "en");
  assert.equal(manifest.name, "__MSG_extName__");
  assert.equal(manifest.description, "__MSG_extDescription__");
});

test("every file the manifest, the popup and the modules refer to exists", () => {
  const paths = [manifest.background.service_worker, manifest.action.default_popup,
    ...Object.values(manifest.icons), ...Object.values(manifest.action.default_icon)];
  paths.push(manifest.options_ui.page);
  for (const page of ["popup.html", "options.html"]) {
    const html = readFileSync(join(EXTENSION_DIR, page), "utf8");
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) paths.push(m[1]);
  }
  for (const file of ["background.js", "popup.js", "options.js"]) {
    const body = readFileSync(join(EXTENSION_DIR, file), "utf8");
    for (const m of body.matchAll(/from "\.\/([^"]+)"/g)) paths.push(m[1]);
  }
  for (const p of paths) assert.ok(existsSync(join(EXTENSION_DIR, p)), p);
});

test("only the host port module calls connectNative (one door to the host)", async () => {
  const { readdirSync } = await import("node:fs");
  const callers = [];
  for (const dir of ["", "modules"]) {
    for (const name of readdirSync(join(EXTENSION_DIR, dir))) {
      if (!name.endsWith(".js")) continue;
      const body = readFileSync(join(EXTENSION_DIR, dir, name), "utf8");
      if (/connectNative\s*\(|sendNativeMessage\s*\(/.test(body)) callers.push(join(dir, name));
    }
  }
  assert.deepEqual(callers, ["modules/host_port.js"]);
});

test("the pure modules import no browser API (they take it as an argument)", () => {
  for (const name of ["deltas", "keys", "wire", "schedule", "resume_check", "outbox", "ledger", "notify", "popup_view", "host_port", "host_errors", "rescuer", "serial", "records", "waits", "notifier", "delivery", "catcher", "acting", "user_actions", "commands", "server_signals", "awake", "options_view"]) {
    const body = readFileSync(join(EXTENSION_DIR, "modules", `${name}.js`), "utf8");
    assert.doesNotMatch(body, /\b(?:chrome|browser)\.(?:runtime|downloads|storage|alarms|notifications|i18n)\b/, name);
  }
});

test("the settings page is the options page, shown inside the browser's add-on page (issue 19)", () => {
  assert.deepEqual(manifest.options_ui, { page: "options.html", open_in_tab: false });
});

test("the background's modules import nothing of the popup's (popup_view.js, popup_rows.js draw the popup)", () => {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const body = readFileSync(join(EXTENSION_DIR, path), "utf8");
    for (const m of body.matchAll(/from "\.\/([^"]+)"/g)) visit(join(dirname(path), m[1]));
  };
  visit("background.js");
  assert.deepEqual([...seen].filter((p) => /popup_(view|rows)\.js$/.test(p)), []);
});
