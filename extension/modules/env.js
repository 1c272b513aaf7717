// Facts about the browser we run in, computed from the API object passed in.

import { langOf } from "./wire.js";

/** The browser API namespace: Firefox's promise-based `browser`, else Chrome's `chrome`. */
export function browserApi(g = globalThis) {
  return g.browser?.runtime ? g.browser : g.chrome;
}

/** "firefox" or "chrome" (every Chromium-family browser), from the extension's URL scheme. */
export function browserName(api) {
  const base = api?.runtime?.getURL?.("") ?? "";
  return base.startsWith("moz-extension:") ? "firefox" : "chrome";
}

/** "fr" when the browser's UI language is French, else "en". */
export function uiLang(api) {
  return langOf(api?.i18n?.getUILanguage?.() ?? "en");
}

/** i18n.getMessage with the key itself as the fallback, so a missing string is visible, not blank. */
export function translator(api) {
  return (key, substitutions) => api?.i18n?.getMessage?.(key, substitutions) || key;
}
