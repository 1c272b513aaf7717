// The wire protocol's shapes, on the extension side (PROTOCOL.md, "Requests"). Pure.

/** Both directions are capped at 1 MiB of UTF-8 JSON (the host refuses more). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** The host name browsers look up in their native-messaging registrations. */
export const HOST_NAME = "org.dlrescue.host";

/** The protocol version this extension speaks (hello reply `protocol`). */
export const PROTOCOL = 1;

/** DownloadItem fields forwarded to the host (the contract: "mirrors downloads.DownloadItem"). */
const ITEM_FIELDS = [
  "id", "url", "finalUrl", "referrer", "filename", "incognito", "danger", "mime",
  "startTime", "endTime", "estimatedEndTime", "state", "paused", "canResume", "error",
  "bytesReceived", "totalBytes", "fileSize", "exists", "byExtensionId", "byExtensionName",
  "cookieStoreId",
];

/** A string field longer than this is cut (a data: URL can be megabytes). */
export const MAX_FIELD_CHARS = 16 * 1024;

/** Bytes of `value` as UTF-8 JSON: what the browser frames and the host counts. */
export function encodedSize(value) {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

/**
 * The `download` object of an `interrupted` message: the item's known fields, undefined and
 * null dropped, over-long strings cut. `truncated` lists the fields that were cut.
 */
export function toWireDownload(item) {
  const out = {};
  const truncated = [];
  for (const field of ITEM_FIELDS) {
    let value = item?.[field];
    if (value === undefined || value === null) continue;
    if (typeof value === "string" && value.length > MAX_FIELD_CHARS) {
      value = value.slice(0, MAX_FIELD_CHARS);
      truncated.push(field);
    }
    out[field] = value;
  }
  if (truncated.length) out.truncated = truncated;
  return out;
}

export function helloMessage({ browser, extensionVersion, lang, managedPolicy }) {
  const message = { type: "hello", browser, extension_version: extensionVersion, lang };
  if (managedPolicy) message.managed_policy = managedPolicy;
  return message;
}

/**
 * `reachable`: after an attempt that added no bytes, whether the server answered a probe
 * (probe.js); absent when it was not probed.
 *
 * `event_key` (an extension to the contract, ignored by a host that does not know it) is a
 * random id made once when the event is queued and sent again with every retry of it. The
 * extension delivers at least once: a worker stopped after the host recorded an event but
 * before the reply was stored sends it again, and the host can recognise it by this key.
 */
export function interruptedMessage(item, browser, eventKey, { reachable, server, occurredAt } = {}) {
  const message = { type: "interrupted", browser, download: toWireDownload(item) };
  if (eventKey) message.event_key = eventKey;
  if (typeof reachable === "boolean") message.reachable = reachable;
  Object.assign(message, serverFields(server), occurredField(occurredAt));
  return message;
}

/**
 * `occurred_at`: when the extension caught the event (ms since the epoch), as ISO 8601 UTC.
 * An event may wait in the outbox (no host yet, a slow one); the host records it at this
 * time. Nothing for a time that is not one.
 */
export function occurredField(ms) {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? { occurred_at: new Date(ms).toISOString() } : {};
}

/**
 * `server`: what the server answered, seen through webRequest with the user's consent
 * (server_signals.js): `http_status` (int 100..599), `retry_after_ms` (int 0..86,400,000),
 * `net_error` (at most 128 characters). Only values the host accepts are sent; none without
 * the consent.
 */
export function serverFields(server) {
  const out = {};
  const status = server?.http_status;
  if (Number.isInteger(status) && status >= 100 && status <= 599) out.http_status = status;
  const retry = server?.retry_after_ms;
  if (Number.isInteger(retry) && retry >= 0 && retry <= 86_400_000) out.retry_after_ms = retry;
  const error = server?.net_error;
  if (typeof error === "string" && error) out.net_error = error.slice(0, 128);
  return out;
}

/** state: "complete" | "interrupted" | "in_progress" | "given_up" (the last is our extension). */
export function outcomeMessage({ id, url, state, error, eventKey, occurredAt }) {
  const download = { id, url: url.length > MAX_FIELD_CHARS ? url.slice(0, MAX_FIELD_CHARS) : url, state };
  if (error) download.error = error;
  const message = { type: "outcome", download };
  if (eventKey) message.event_key = eventKey;
  return Object.assign(message, occurredField(occurredAt));
}

/** A fresh event key: a random UUID where the platform has one. */
export function newEventKey(random = globalThis.crypto) {
  if (typeof random?.randomUUID === "function") return random.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

/** `hello` is first on every port; `lang` is "fr" for any French UI, else "en". */
export function langOf(uiLanguage) {
  return /^fr\b/i.test(String(uiLanguage || "").replace("_", "-")) ? "fr" : "en";
}
