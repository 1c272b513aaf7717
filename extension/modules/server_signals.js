// What the server answered, seen through webRequest, with the user's consent (issue 18).
//
// Downloads give an extension only a reason (SERVER_FAILED ...), never the status nor the
// server's Retry-After. With the optional permissions `webRequest` and `<all_urls>` (asked for
// in the popup, a user gesture), the last answer per URL is kept for a few minutes: its
// status, its Retry-After (in ms from the response) and, when the request failed without an
// answer, the network error's name. An `interrupted` message then carries `http_status`,
// `retry_after_ms` and `net_error` for the download's finalUrl (or url). Without the
// permission nothing is listened to and the messages are as before.
//
// The parsing (parseRetryAfter, signalFields) is pure; ServerSignals holds the listeners.

/** The permissions the user is asked for (the popup's button), as permissions.* takes them. */
export const SIGNAL_PERMISSIONS = Object.freeze({ permissions: ["webRequest"], origins: ["<all_urls>"] });

/** Whether the user granted SIGNAL_PERMISSIONS (false where the API is missing or fails). */
export async function signalsGranted(api) {
  try {
    return Boolean(await api.permissions?.contains({ ...SIGNAL_PERMISSIONS }));
  } catch {
    return false;
  }
}

/** Ask for SIGNAL_PERMISSIONS (the popup's and the settings page's button). Call it before
 *  any await in the click's handler: permissions.request needs the click's user gesture. */
export async function askForSignals(api) {
  try {
    await api.permissions.request({ permissions: [...SIGNAL_PERMISSIONS.permissions], origins: [...SIGNAL_PERMISSIONS.origins] });
  } catch (e) {
    console.warn("[dlrescue] permissions.request failed", e);
  }
}

/** Request types a download's request has (seen in Chromium 156 and Firefox ESR 153):
 *  downloads.download() is "other" in both; a clicked `<a download>` is "other" in Chromium
 *  and "main_frame" in Firefox; a navigation that turns into a download is a main_frame or a
 *  sub_frame; "xmlhttprequest" is kept for a page's fetch that the browser hands over. */
export const DOWNLOAD_REQUEST_TYPES = Object.freeze(["main_frame", "sub_frame", "other", "xmlhttprequest"]);

/** Retry-After is capped at one day (the protocol's bound). */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** An answer is kept this long after it came. */
export const SIGNAL_KEEP_MS = 5 * 60_000;

/** At most this many URLs are remembered (the oldest go first). */
export const MAX_SIGNALS = 200;

/** An answer this recent belongs to the interruption just caught (no wait for another). */
export const FRESH_MS = 2000;

/** How long an interruption waits for its request's answer when none is fresh. */
export const ANSWER_WAIT_MS = 300;

/** The protocol's bound on `net_error`. */
export const MAX_NET_ERROR_CHARS = 128;

/**
 * Retry-After in milliseconds from the response time: delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", compared with `responseAt`, or with the response's own
 * Date header when given). Capped at one day; a date in the past is 0; anything else null.
 */
export function parseRetryAfter(value, responseAt, dateHeader = null) {
  const text = String(value ?? "").trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  if (/^\d/.test(text) || !/[A-Za-z]/.test(text)) return null; // "1.5", "-3", "+2": not delta-seconds
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return null;
  // the server's own clock, when it says what time it is, cancels a skew between the two
  const serverNow = dateHeader ? Date.parse(String(dateHeader)) : NaN;
  const base = Number.isFinite(serverNow) ? serverNow : responseAt;
  return Math.max(0, Math.min(MAX_RETRY_AFTER_MS, Math.round(at - base)));
}

/** The value of header `name` (case-insensitive) in webRequest's responseHeaders, or null. */
export function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  for (const h of headers ?? []) {
    if (String(h?.name ?? "").toLowerCase() === wanted) return h.value ?? null;
  }
  return null;
}

/**
 * The optional `interrupted` fields from one kept answer: only values the protocol accepts
 * (http_status an int 100..599, retry_after_ms an int 0..86,400,000, net_error a string of
 * at most 128 characters). Empty when nothing is known.
 */
export function signalFields(signal) {
  const out = {};
  if (!signal) return out;
  if (Number.isInteger(signal.status) && signal.status >= 100 && signal.status <= 599) out.http_status = signal.status;
  if (Number.isInteger(signal.retryAfterMs) && signal.retryAfterMs >= 0 && signal.retryAfterMs <= MAX_RETRY_AFTER_MS) {
    out.retry_after_ms = signal.retryAfterMs;
  }
  if (typeof signal.netError === "string" && signal.netError) out.net_error = signal.netError.slice(0, MAX_NET_ERROR_CHARS);
  return out;
}

/** The URL an answer is kept under: no fragment (webRequest never sees one). */
function urlKey(url) {
  const text = String(url ?? "");
  const hash = text.indexOf("#");
  return hash === -1 ? text : text.slice(0, hash);
}

export class ServerSignals {
  /**
   * @param {object} o
   * @param {object} o.api  the browser API (permissions, webRequest when granted)
   */
  constructor({
    api, log = console, now = () => Date.now(), timers = globalThis, keepMs = SIGNAL_KEEP_MS, maxEntries = MAX_SIGNALS,
  }) {
    Object.assign(this, { api, log, now, timers, keepMs, maxEntries });
    this.byUrl = new Map(); // url -> {status, retryAfterMs, netError, requestId, type, at}
    this.waiters = new Set(); // {urls, done}: an interruption waiting for its request's answer
    this.listening = false;
    this.seenTypes = new Set(); // request types that answered, for debugging
    this._onHeaders = (d) => this.headersReceived(d);
    this._onCompleted = (d) => this.completed(d);
    this._onError = (d) => this.errorOccurred(d);
  }

  /**
   * Listen if the API is there (it is only when the user granted `webRequest`). Called at
   * the background's start (synchronously: MV3 wants listeners added at once) and again
   * from permissions.onAdded; permissions.onRemoved stops.
   */
  start() {
    const web = this.api.webRequest;
    if (this.listening || !web?.onHeadersReceived) return this.listening;
    const filter = { urls: ["<all_urls>"], types: [...DOWNLOAD_REQUEST_TYPES] };
    try {
      web.onHeadersReceived.addListener(this._onHeaders, filter, ["responseHeaders"]);
      web.onCompleted.addListener(this._onCompleted, filter);
      web.onErrorOccurred.addListener(this._onError, filter);
      this.listening = true;
      this.log.info("server answers: listening (webRequest granted)");
    } catch (e) {
      this.log.warn(`server answers: webRequest listeners refused: ${e?.message ?? e}`);
    }
    return this.listening;
  }

  /** Stop listening (the user took the permission back). */
  stop() {
    const web = this.api.webRequest;
    if (!this.listening) return;
    try {
      web?.onHeadersReceived.removeListener(this._onHeaders);
      web?.onCompleted.removeListener(this._onCompleted);
      web?.onErrorOccurred.removeListener(this._onError);
    } catch {
      // the API went away with the permission
    }
    this.listening = false;
    this.byUrl.clear();
    this.log.info("server answers: not listening any more (permission removed)");
  }

  /** permissions.onAdded / onRemoved: follow what the user granted. */
  permissionsChanged() {
    if (this.api.webRequest?.onHeadersReceived) this.start();
    else this.stop();
  }

  /** Whether the user granted what the popup asks for (false where the API is missing). */
  granted() {
    return signalsGranted(this.api);
  }

  headersReceived(d) {
    if (!d?.url) return;
    const at = Number.isFinite(d.timeStamp) ? d.timeStamp : this.now();
    const retry = headerValue(d.responseHeaders, "retry-after");
    this._keep(d, {
      status: d.statusCode ?? null,
      retryAfterMs: retry === null ? null : parseRetryAfter(retry, at, headerValue(d.responseHeaders, "date")),
      netError: null,
    });
  }

  completed(d) {
    if (!d?.url) return;
    const kept = this.byUrl.get(urlKey(d.url));
    if (kept?.requestId === d.requestId) return; // its headers are kept already
    this._keep(d, { status: d.statusCode ?? null, retryAfterMs: null, netError: null });
  }

  errorOccurred(d) {
    if (!d?.url) return;
    const kept = this.byUrl.get(urlKey(d.url));
    // the same request failed after its answer (a body cut): the status stays
    const same = kept && kept.requestId === d.requestId;
    this._keep(d, {
      status: same ? kept.status : null, retryAfterMs: same ? kept.retryAfterMs : null,
      netError: String(d.error ?? "") || null,
    });
  }

  _keep(d, fields) {
    // A download never asks with HEAD; the extension's own probe of the server does (probe.js),
    // and its answer must not replace the one the download got (a 206 that failed with
    // NS_ERROR_ENTITY_CHANGED, seen overwritten by the probe's 200 in Firefox ESR 153).
    if (String(d.method ?? "GET").toUpperCase() === "HEAD") return;
    const key = urlKey(d.url);
    this.seenTypes.add(String(d.type ?? "?"));
    this.byUrl.delete(key);
    this.byUrl.set(key, { ...fields, requestId: d.requestId ?? null, type: d.type ?? null, at: this.now() });
    this._prune();
    for (const waiter of this.waiters) if (waiter.urls.has(key)) waiter.done();
    if (fields.netError || fields.status >= 400) {
      this.log.info(`server answer for ${key.slice(0, 200)} (${d.type}): ${fields.status ?? "no status"}`
        + `${fields.retryAfterMs === null ? "" : `, Retry-After ${fields.retryAfterMs} ms`}${fields.netError ? `, ${fields.netError}` : ""}`);
    }
  }

  _prune() {
    const oldest = this.now() - this.keepMs;
    for (const [key, entry] of this.byUrl) {
      if (this.byUrl.size <= this.maxEntries && entry.at >= oldest) break;
      this.byUrl.delete(key);
    }
  }

  /** The last answer for a download (finalUrl first, then url) within keepMs, or null. */
  forItem(item) {
    this._prune();
    for (const url of [item?.finalUrl, item?.url]) {
      if (!url) continue;
      const entry = this.byUrl.get(urlKey(url));
      if (entry && entry.at >= this.now() - this.keepMs) return entry;
    }
    return null;
  }

  /** The `interrupted` fields for a download: {http_status, retry_after_ms, net_error} or {}. */
  fieldsFor(item) {
    return signalFields(this.forItem(item));
  }

  /**
   * The fields for a download that was just interrupted. Firefox reports the interruption
   * before webRequest delivers the answer of its request (seen with Firefox ESR 153: about
   * 80 ms later), so without an answer of the last `freshMs`, wait up to `waitMs` for one;
   * then take what is known. At once when not listening.
   */
  async fieldsSoon(item, { freshMs = FRESH_MS, waitMs = ANSWER_WAIT_MS } = {}) {
    if (!this.listening) return {};
    const known = this.forItem(item);
    if (known && known.at >= this.now() - freshMs) return signalFields(known);
    const urls = new Set([item?.finalUrl, item?.url].filter(Boolean).map(urlKey));
    await new Promise((resolve) => {
      const waiter = { urls, done: () => {} };
      const timer = this.timers.setTimeout(() => waiter.done(), waitMs);
      waiter.done = () => {
        this.timers.clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
    return this.fieldsFor(item);
  }

  /** For debugging and the end-to-end tests. */
  state() {
    return { listening: this.listening, urls: this.byUrl.size, types: [...this.seenTypes] };
  }
}
