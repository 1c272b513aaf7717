#!/usr/bin/env node
// The store packages: dist/dlrescue-<version>-chrome.zip (Chrome Web Store, Edge Add-ons, or
// "Load unpacked" once unzipped) and dist/dlrescue-<version>-firefox.xpi (addons.mozilla.org).
//
//   npm run package                 # into dist/
//   node scripts/package.mjs --out DIR
//
// Each package holds the extension's files (no node_modules, tests, package files or hidden
// files: the wheel's rules) with a manifest.json made for its store: no `key` (the Chrome Web
// Store refuses one; the store gives its copy an id of its own, which goes into
// native_host.CHROME_EXTENSION_IDS); the Firefox copy keeps only the background entry Firefox
// reads. It refuses to build when the version in extension/manifest.json, package.json and
// native_host/__init__.py differ.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** File and folder names never shipped (the same rules as the wheel's, in pyproject.toml). */
const SKIP = [/^node_modules$/, /^tests?$/, /^package(-lock)?\.json$/, /\.test\.js$/, /^\./];

/**
 * One entry per store package: its file name's suffix, the manifest keys it drops, the one
 * background entry it keeps (none named: both), and the permissions its browser does not
 * know (Firefox: `power`). The Chrome copy keeps Firefox's keys, which Chromium ignores, so
 * that it is the very manifest loaded unpacked (less the key) and `web-ext lint` still checks
 * it; the Firefox copy drops the service worker Firefox ignores.
 */
export const TARGETS = {
  chrome: { suffix: "chrome.zip", drop: ["key"], background: null },
  firefox: { suffix: "firefox.xpi", drop: ["key"], background: "scripts", dropPermissions: ["power"] },
};

/** The version each of the three places declares, by file. */
export function versions(root = ROOT) {
  const json = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
  const init = readFileSync(join(root, "native_host", "__init__.py"), "utf8");
  return {
    "extension/manifest.json": json("extension/manifest.json").version,
    "package.json": json("package.json").version,
    "native_host/__init__.py": init.match(/^__version__ = "([^"]+)"$/m)?.[1],
  };
}

/** The one version, or an Error naming each file's version and the fix. */
export function theVersion(root = ROOT) {
  const found = versions(root);
  const distinct = new Set(Object.values(found));
  if (distinct.size === 1 && !distinct.has(undefined)) return [...distinct][0];
  const listed = Object.entries(found).map(([file, v]) => `${file}: ${v ?? "none found"}`).join(", ");
  throw new Error(`the versions differ (${listed}); set the same version in all three`);
}

/** The manifest a store gets: the checkout's without the keys that store refuses or ignores. */
export function storeManifest(manifest, target) {
  const { drop, background } = TARGETS[target];
  const copy = structuredClone(manifest);
  for (const key of drop) delete copy[key];
  // Firefox has no power API (keeping the system awake is Chrome's only): its store copy
  // does not ask for what its linter calls an invalid permission
  const unknown = TARGETS[target].dropPermissions ?? [];
  if (unknown.length) copy.permissions = copy.permissions.filter((p) => !unknown.includes(p));
  if (background) {
    const { type } = copy.background;
    copy.background = { [background]: copy.background[background], ...(type ? { type } : {}) };
  }
  return copy;
}

/** cpSync's filter: true for a path under `from` none of whose parts is skipped. */
function shippedFrom(from) {
  return (src) => relative(from, src).split(sep).every((part) => !SKIP.some((re) => re.test(part)));
}

/** Build both packages into outDir; returns their paths. */
export async function buildPackages(outDir = join(ROOT, "dist"), root = ROOT) {
  const version = theVersion(root);
  const { cmd } = await import("web-ext");
  const extension = join(root, "extension");
  const manifest = JSON.parse(readFileSync(join(extension, "manifest.json"), "utf8"));
  const built = [];
  for (const target of Object.keys(TARGETS)) {
    const stage = mkdtempSync(join(tmpdir(), `dlrescue-${target}-`));
    try {
      cpSync(extension, stage, { recursive: true, filter: shippedFrom(extension) });
      const tailored = storeManifest(manifest, target);
      writeFileSync(join(stage, "manifest.json"), `${JSON.stringify(tailored, null, 2)}\n`);
      const filename = `dlrescue-${version}-${TARGETS[target].suffix}`;
      const result = await cmd.build(
        { sourceDir: stage, artifactsDir: resolve(outDir), filename, overwriteDest: true },
        { showReadyMessage: false },
      );
      built.push(result.extensionPath);
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  const out = at > 0 ? process.argv[at + 1] : join(ROOT, "dist");
  try {
    for (const path of await buildPackages(out)) console.log(path);
  } catch (error) {
    console.error(`dlrescue packages not built: ${error.message}`);
    process.exit(1);
  }
}
