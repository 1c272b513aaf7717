// Small fakes for the extension's node tests: a clock with timers, a browser API object
// (downloads, storage, alarms, notifications, runtime, i18n) for Chrome or Firefox, and a
// scripted native host behind runtime.connectNative. No mocking library.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const EXTENSION_DIR = fileURLToPath(new URL("../../extension/", import.meta.url));
export const CHROME_ID = "gjccldfdjgdpkjgmhcahflepmbmohjjc";

/** Let every pending promise chain run (real macrotask turns; fake storage resolves at once). */
export async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i += 1) await new Promise((r) => setImmediate(r));
}

/** A clock whose timers run only when the test advances it. */
export class FakeClock {
  constructor(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.t;
    this.setTimeout = (fn, ms = 0) => {
      const id = this.nextId;
      this.nextId += 1;
      this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
  }

  /** Advance by ms, running due timers in time order and letting promises settle between them. */
  async tick(ms = 0) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next = null;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await settle();
  }

  pendingTimers() {
    return [...this.timers.values()].map((t) => t.at - this.t).sort((a, b) => a - b);
  }
}

class Emitter {
  constructor() {
    this.listeners = [];
  }

  addListener(fn) {
    this.listeners.push(fn);
  }

  removeListener(fn) {
    this.listeners = this.listeners.filter((l) => l !== fn);
  }

  hasListeners() {
    return this.listeners.length > 0;
  }

  emit(...args) {
    return this.listeners.map((fn) => fn(...args));
  }
}

const clone = (v) => (v === undefined ? undefined : structuredClone(v));

/** storage.local: an in-memory area with the promise API of both browsers. */
export class FakeStorageArea {
  constructor(initial = {}) {
    this.data = clone(initial);
    this.writes = 0;
  }

  async get(keys) {
    if (keys === null || keys === undefined) return clone(this.data);
    const list = Array.isArray(keys) ? keys : [keys];
    const out = {};
    for (const k of list) if (k in this.data) out[k] = clone(this.data[k]);
    return out;
  }

  async set(items) {
    this.writes += 1;
    for (const [k, v] of Object.entries(items)) this.data[k] = clone(v);
  }

  async remove(keys) {
    for (const k of Array.isArray(keys) ? keys : [keys]) delete this.data[k];
  }
}

/** The messages of one locale, with getMessage's placeholder substitution. */
export function loadMessages(lang = "en") {
  return JSON.parse(readFileSync(new URL(`_locales/${lang}/messages.json`, `file://${EXTENSION_DIR}`), "utf8"));
}

export function makeGetMessage(lang = "en") {
  const messages = loadMessages(lang);
  return (key, subs) => {
    const entry = messages[key];
    if (!entry) return "";
    const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
    return entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (_, name) => {
      const ph = entry.placeholders?.[name.toLowerCase()];
      if (!ph) return "";
      return ph.content.replace(/\$(\d)/g, (__, n) => String(list[Number(n) - 1] ?? ""));
    });
  };
}

/**
 * A scripted native host. `decide(message)` returns the decision for an `interrupted`
 * message; `reply(message)` can be replaced to script errors. `received` lists every message.
 */
export class FakeHost {
  constructor({ version = "0.1.0", protocol = 1 } = {}) {
    this.version = version;
    this.protocol = protocol;
    this.received = [];
    this.ports = [];
    this.nextEvent = 100;
    this.silent = false; // true: never reply (a hung host)
    this.decide = () => ({ action: "resume", delay_ms: 1000, attempt: 1, max_attempts: 5, reason: "NETWORK_FAILED", category: "NETWORK", notify: false, explanation: "The network failed." });
    this.history = [];
    /** The `stats` reply's totals (the popup's header). */
    this.stats = { episodes: 0, ended: 0, rescued: 0, bytes_kept: 0 };
    this.errorFor = null; // (message) => {code, message} | null
    /** The `space` request (issue 18): what the disk holding message.path has free. */
    this.freeBytes = 10 ** 12;
  }

  ofType(type) {
    return this.received.filter((m) => m.type === type);
  }

  reply(message) {
    const base = { rid: message.rid ?? null };
    const err = this.errorFor?.(message);
    if (err) return { ...base, ok: false, error: err };
    switch (message.type) {
      case "hello":
        return { ...base, ok: true, host_version: this.version, protocol: this.protocol };
      case "interrupted": {
        const event_id = this.nextEvent;
        this.nextEvent += 1;
        return { ...base, ok: true, event_id, decision: this.decide(message) };
      }
      case "outcome": {
        const event_id = this.nextEvent;
        this.nextEvent += 1;
        return { ...base, ok: true, event_id };
      }
      case "history":
        return { ...base, ok: true, items: this.history, truncated: false };
      case "stats":
        return { ...base, ok: true, ...this.stats, by_category: [], by_reason: [], by_domain: [], by_status: {} };
      case "space":
        return { ...base, ok: true, free: this.freeBytes, enough: this.freeBytes >= message.needed };
      default:
        return { ...base, ok: false, error: { code: "unknown_type", message: `no ${message.type}` } };
    }
  }

  /** Close every open port as if the host process exited. */
  exit(message = "Native host has exited.") {
    for (const port of this.ports) port._hostClosed(message);
    this.ports = [];
  }
}

class FakePort {
  constructor(api, host, name) {
    this.api = api;
    this.host = host;
    this.name = name;
    this.onMessage = new Emitter();
    this.onDisconnect = new Emitter();
    this.error = null;
    this.closed = false;
    this.posted = [];
  }

  postMessage(message) {
    if (this.closed) throw new Error("Attempting to use a disconnected port object");
    const copy = JSON.parse(JSON.stringify(message));
    this.posted.push(copy);
    if (!this.host) return;
    this.host.received.push(copy);
    if (this.host.silent) return;
    setImmediate(() => {
      if (this.closed) return;
      this.onMessage.emit(this.host.reply(copy));
    });
  }

  disconnect() {
    this.closed = true;
  }

  /** The other side went away: Chrome sets runtime.lastError, Firefox port.error. */
  _hostClosed(message) {
    if (this.closed) return;
    setImmediate(() => {
      if (this.closed) return;
      this.closed = true;
      if (this.api.browser === "firefox") {
        this.error = message ? { message } : null;
        this.onDisconnect.emit(this);
      } else {
        this.api.runtime.lastError = message ? { message } : undefined;
        this.onDisconnect.emit(this);
        this.api.runtime.lastError = undefined;
      }
    });
  }
}

let uuidCounter = 0;

/** Chrome ignores a resume without a user gesture once an item's count reaches this. */
export const CHROME_MAX_RESUMES = 5;

/**
 * A fake `chrome` (browser: "chrome") or `browser` (browser: "firefox") namespace.
 * Downloads are a Map of DownloadItems; change() edits one and emits onChanged in the
 * browser's own delta shape.
 */
export function makeFakeApi({ browser = "chrome", host = null, uiLanguage = "en-US", clock = null } = {}) {
  const api = { browser };
  const now = () => (clock ? clock.now() : Date.now());
  const base = browser === "firefox" ? `moz-extension://fake-uuid-${(uuidCounter += 1)}/` : `chrome-extension://${CHROME_ID}/`;

  // ------------------------------------------------------------- downloads
  const items = new Map();
  let nextId = 1;
  const downloads = {
    items,
    onChanged: new Emitter(),
    onCreated: new Emitter(),
    calls: { resume: [], pause: [], download: [], search: [], cancel: [], erase: [], removeFile: [] },
    /** what resume() does per id: "works" (default), "ignored" (Chrome's cap), "rejects" */
    resumeBehaviour: new Map(),
    stateFilterBroken: browser === "chrome", // Chromium: search({state}) missed early items
    add(fields) {
      const id = fields.id ?? nextId;
      nextId = Math.max(nextId, id + 1);
      const item = {
        id, url: "https://example.org/file.bin", filename: `/home/u/Downloads/file-${id}.bin`,
        state: "in_progress", paused: false, canResume: false, bytesReceived: 0, totalBytes: 1000,
        incognito: false, startTime: new Date(now()).toISOString(), exists: true, mime: "application/octet-stream",
        ...fields,
      };
      if (item.finalUrl === undefined) item.finalUrl = item.url;
      items.set(id, item);
      return clone(item);
    },
    /** Apply patch to item id and emit onChanged in this browser's delta shape. */
    change(id, patch) {
      const item = items.get(id);
      // a browser that completes a download has received all of it (unless the test says not)
      if (patch.state === "complete" && !("bytesReceived" in patch) && item.totalBytes > 0) {
        item.bytesReceived = item.totalBytes;
      }
      const delta = { id };
      for (const [field, value] of Object.entries(patch)) {
        const previous = item[field];
        if (previous === value) continue;
        if (value === undefined) delete item[field];
        else item[field] = value;
        if (browser === "firefox") {
          delta[field] = { previous: previous ?? null, current: value ?? null };
        } else {
          const d = {};
          if (previous !== undefined) d.previous = previous;
          if (value !== undefined) d.current = value;
          delta[field] = d;
        }
      }
      downloads.onChanged.emit(delta);
      return delta;
    },
    interrupt(id, error = "NETWORK_FAILED", extra = {}) {
      return downloads.change(id, { state: "interrupted", error, canResume: true, ...extra });
    },
    async search(query = {}) {
      downloads.calls.search.push(clone(query));
      let list = [...items.values()];
      if (query.id !== undefined) list = list.filter((i) => i.id === query.id);
      if (query.url !== undefined) list = list.filter((i) => i.url === query.url);
      if (query.state !== undefined) list = downloads.stateFilterBroken ? [] : list.filter((i) => i.state === query.state);
      return clone(list);
    },
    /**
     * Chrome: a running download stops reading (same connection); an interrupted one cannot
     * be paused. Firefox: the request is cancelled and the item reports itself interrupted
     * with USER_CANCELED and paused (docs/BROWSERS.md).
     */
    async pause(id) {
      downloads.calls.pause.push(id);
      const item = items.get(id);
      if (!item) throw new Error(`Invalid download id ${id}`);
      if (item.state !== "in_progress") throw new Error("Download must be in progress");
      if (browser === "firefox") {
        downloads.change(id, { state: "interrupted", error: "USER_CANCELED", paused: true, canResume: true });
      } else {
        downloads.change(id, { paused: true, canResume: true });
      }
    },
    async resume(id) {
      downloads.calls.resume.push(id);
      const item = items.get(id);
      if (!item) throw new Error(`Invalid download id ${id}`);
      if (browser !== "firefox" && item.state === "in_progress") {
        // Chrome: resuming a paused running download resets its resume count; a running one: no-op
        if (item.paused) {
          item.resumeCount = 0;
          downloads.change(id, { paused: false, canResume: false });
        }
        return undefined;
      }
      const how = downloads.resumeBehaviour.get(id) ?? "works";
      if (how === "rejects" || !item.canResume) {
        throw new Error(browser === "firefox" ? `Download ${id} cannot be resumed` : "DownloadItem.canResume must be true");
      }
      if (how === "ignored") return undefined; // resolves, does nothing
      if (browser !== "firefox") {
        // Chrome's count: incremented before the check, reset when the item was paused
        item.resumeCount = item.paused ? 0 : (item.resumeCount ?? 0) + 1;
        if (item.resumeCount >= CHROME_MAX_RESUMES) return undefined; // resolves, does nothing
        setImmediate(() => downloads.change(id, { state: "in_progress", error: undefined, paused: false }));
        return undefined;
      }
      // Firefox (ESR 153, seen for real): a new startTime, and resume() returns the download's
      // start() promise, which settles only when the download ends
      setImmediate(() => downloads.change(id, { state: "in_progress", error: undefined, startTime: new Date(now() + 1).toISOString() }));
      return new Promise((resolve, reject) => {
        const watch = (delta) => {
          if (delta.id !== id || !delta.state) return;
          if (delta.state.current === "complete") resolve();
          else if (delta.state.current === "interrupted") reject(new Error(`Download failed: ${items.get(id).error}`));
          else return;
          downloads.onChanged.removeListener(watch);
        };
        downloads.onChanged.addListener(watch);
      });
    },
    /** Both browsers refuse to remove the file of a download that is not complete. */
    async removeFile(id) {
      downloads.calls.removeFile.push(id);
      const item = items.get(id);
      if (!item) throw new Error(`Invalid download id ${id}`);
      if (item.state !== "complete") throw new Error(`Cannot remove incomplete download id ${id}`);
      item.exists = false;
    },
    /** Cancelling an interrupted download discards its partial data (Firefox: finalize(true)). */
    async cancel(id) {
      downloads.calls.cancel.push(id);
      const item = items.get(id);
      if (!item) throw new Error(`Invalid download id ${id}`);
      if (item.state === "complete") throw new Error(`Download ${id} is already complete`);
      Object.assign(item, { state: "interrupted", error: "USER_CANCELED", canResume: false, exists: false });
    },
    async erase(query) {
      downloads.calls.erase.push(clone(query));
      const gone = [...items.values()].filter((i) => query.id === undefined || i.id === query.id).map((i) => i.id);
      for (const id of gone) items.delete(id);
      return gone;
    },
    /** download() throws this when set (a browser refusing an option). */
    refuseDownload: null,
    async download(options) {
      downloads.calls.download.push(clone(options));
      const refusal = downloads.refuseDownload?.(options);
      if (refusal) throw new Error(refusal);
      const named = options.filename ? { filename: `/home/u/Downloads/${options.filename}` } : {};
      const item = downloads.add({ url: options.url, incognito: Boolean(options.incognito), ...named });
      downloads.onCreated.emit(clone(item));
      return item.id;
    },
  };
  api.downloads = downloads;

  // ------------------------------------------------------------- the network, for probes
  /** The extension's fetch(): the server answers (an opaque reply) unless `serverDown`. */
  api.serverDown = false;
  api.fetches = [];
  api.fetch = async (url, init = {}) => {
    api.fetches.push({ url, method: init.method ?? "GET", mode: init.mode, credentials: init.credentials });
    if (api.serverDown) throw new TypeError("Failed to fetch");
    return { type: "opaque", status: 0, ok: false };
  };

  // ------------------------------------------------------------- storage, alarms, notifications
  api.storage = { local: new FakeStorageArea(), session: new FakeStorageArea() };

  const alarms = new Map();
  api.alarms = {
    alarms,
    onAlarm: new Emitter(),
    async create(name, info) {
      const period = info.periodInMinutes;
      alarms.set(name, {
        name, scheduledTime: info.when ?? now() + (info.delayInMinutes ?? period ?? 0) * 60_000,
        ...(period ? { periodInMinutes: period } : {}),
      });
    },
    async clear(name) {
      return alarms.delete(name);
    },
    async get(name) {
      return clone(alarms.get(name));
    },
    async getAll() {
      return clone([...alarms.values()]);
    },
    /** The browser fires it (the test decides when). */
    fire(name) {
      const alarm = alarms.get(name);
      if (!alarm?.periodInMinutes) alarms.delete(name);
      return api.alarms.onAlarm.emit(alarm ?? { name, scheduledTime: now() });
    },
  };

  api.notifications = {
    shown: new Map(),
    created: [],
    onClicked: new Emitter(),
    onButtonClicked: browser === "chrome" ? new Emitter() : undefined,
    async create(id, options) {
      if (browser === "firefox" && options.buttons) throw new Error("buttons unsupported");
      api.notifications.created.push({ id, options: clone(options) });
      api.notifications.shown.set(id, clone(options));
      return id;
    },
    async clear(id) {
      return api.notifications.shown.delete(id);
    },
  };
  if (!api.notifications.onButtonClicked) delete api.notifications.onButtonClicked;

  api.tabs = {
    created: [],
    async create(options) {
      api.tabs.created.push(clone(options));
      return { id: api.tabs.created.length, ...clone(options) };
    },
  };

  // ------------------------------------------------------------- power (Chrome only)
  if (browser === "chrome") {
    api.power = {
      calls: [],
      requestKeepAwake(level) {
        api.power.calls.push(["request", level]);
      },
      releaseKeepAwake() {
        api.power.calls.push(["release"]);
      },
    };
  }

  // ------------------------------------------------------------- optional permissions
  /** webRequest exists only once granted (both browsers); grant() is the user's "Allow". */
  const granted = { permissions: new Set(), origins: new Set() };
  api.permissions = {
    granted,
    onAdded: new Emitter(),
    onRemoved: new Emitter(),
    async contains({ permissions = [], origins = [] } = {}) {
      return permissions.every((p) => granted.permissions.has(p)) && origins.every((o) => granted.origins.has(o));
    },
    /** The user accepts (tests call it as the click on the popup's button would). */
    async request({ permissions = [], origins = [] } = {}) {
      for (const p of permissions) granted.permissions.add(p);
      for (const o of origins) granted.origins.add(o);
      if (granted.permissions.has("webRequest") && !api.webRequest) api.webRequest = makeFakeWebRequest();
      api.permissions.onAdded.emit({ permissions, origins });
      return true;
    },
    async remove({ permissions = [], origins = [] } = {}) {
      for (const p of permissions) granted.permissions.delete(p);
      for (const o of origins) granted.origins.delete(o);
      if (!granted.permissions.has("webRequest")) delete api.webRequest;
      api.permissions.onRemoved.emit({ permissions, origins });
      return true;
    },
  };

  // ------------------------------------------------------------- runtime, i18n
  api.runtime = {
    id: browser === "firefox" ? "dlrescue@dlrescue.org" : CHROME_ID,
    lastError: undefined,
    onMessage: new Emitter(),
    onStartup: new Emitter(),
    onInstalled: new Emitter(),
    ports: [],
    getURL: (path) => `${base}${String(path).replace(/^\//, "")}`,
    getManifest: () => JSON.parse(readFileSync(`${EXTENSION_DIR}manifest.json`, "utf8")),
    connectNative(name) {
      const port = new FakePort(api, api.host, name);
      api.runtime.ports.push(port);
      if (!api.host) {
        port._hostClosed(browser === "firefox" ? `No such native application ${name}` : "Specified native messaging host not found.");
      } else {
        api.host.ports.push(port);
      }
      return port;
    },
  };
  api.host = host;

  /**
   * The browser restarts: storage.session is emptied; Firefox renumbers its downloads from 1
   * (same startTime), Chrome keeps ids and reports downloads that were running as CRASH.
   */
  api.restartBrowser = () => {
    api.storage.session = new FakeStorageArea();
    const old = [...items.values()].sort((a, b) => a.id - b.id);
    if (browser === "firefox") {
      items.clear();
      nextId = 1;
      for (const item of old) downloads.add({ ...item, id: nextId });
    } else {
      for (const item of old) {
        if (item.state === "in_progress") Object.assign(item, { state: "interrupted", error: "CRASH", canResume: true });
      }
    }
  };

  const getMessage = makeGetMessage(/^fr/i.test(uiLanguage) ? "fr" : "en");
  api.i18n = { getMessage, getUILanguage: () => uiLanguage };
  return api;
}

/**
 * webRequest's three events as a download's request meets them. answer() plays one response
 * (headers, then completed or an error) the way the browsers report a download's request.
 */
export function makeFakeWebRequest() {
  const event = () => {
    const e = new Emitter();
    e.filters = [];
    const add = e.addListener.bind(e);
    e.addListener = (fn, filter, extra) => {
      e.filters.push({ filter, extra });
      add(fn);
    };
    return e;
  };
  let nextRequest = 1;
  const web = {
    onHeadersReceived: event(), onCompleted: event(), onErrorOccurred: event(),
    /** One request for url: status and headers ({name: value}), or `error` before any answer. */
    answer(url, { status = 200, headers = {}, error = null, cutWith = null, type = "other", method = "GET", timeStamp } = {}) {
      const requestId = String(nextRequest);
      nextRequest += 1;
      const base = { requestId, url, type, method, tabId: -1, ...(timeStamp === undefined ? {} : { timeStamp }) };
      if (error) {
        web.onErrorOccurred.emit({ ...base, error });
        return requestId;
      }
      const responseHeaders = Object.entries(headers).map(([name, value]) => ({ name, value: String(value) }));
      web.onHeadersReceived.emit({ ...base, statusCode: status, responseHeaders });
      if (cutWith) web.onErrorOccurred.emit({ ...base, error: cutWith });
      else web.onCompleted.emit({ ...base, statusCode: status });
      return requestId;
    },
  };
  return web;
}

/** A console that records lines instead of printing them. */
export function quietLog() {
  const lines = [];
  const rec = (level) => (...args) => {
    const text = args.map(String).join(" ");
    lines.push({ level, text });
    if (process.env.DLRESCUE_TEST_LOG) console.error(`[${level}] ${text}`);
  };
  return { lines, info: rec("info"), warn: rec("warn"), error: rec("error"), log: rec("info") };
}
