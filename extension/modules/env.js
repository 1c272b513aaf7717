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

/**
 * "fr" or "en": the language of the messages the browser actually picked for this extension
 * (the `langCode` message), so the host's explanations match the popup. Headless Chromium
 * with --lang=fr was seen answering getUILanguage() "en-US" while showing French messages.
 * Falls back to getUILanguage() (fr* is fr, anything else en).
 */
export function uiLang(api) {
  const picked = api?.i18n?.getMessage?.("langCode");
  if (picked === "fr" || picked === "en") return picked;
  return langOf(api?.i18n?.getUILanguage?.() ?? "en");
}

/** The locale for dates and numbers: the UI language if it agrees with uiLang(), else uiLang(). */
export function uiLocale(api) {
  const lang = uiLang(api);
  const ui = String(api?.i18n?.getUILanguage?.() ?? "");
  return langOf(ui) === lang ? ui : lang;
}

/** i18n.getMessage with the key itself as the fallback, so a missing string is visible, not blank. */
export function translator(api) {
  return (key, substitutions) => api?.i18n?.getMessage?.(key, substitutions) || key;
}
