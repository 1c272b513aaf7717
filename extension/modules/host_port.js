// The one door to the native host: nothing else in the extension calls
// runtime.connectNative or posts to the port.
//
// It owns: the long-lived port to org.dlrescue.host; the hello handshake (first message on
// every port); request ids (`rid`) and matching replies to requests; a timeout per request;
// reconnecting with exponential backoff after a disconnect; and a size check before sending.
// Its status() is what the popup shows: connected with the host's version, or what is wrong,
// and `mode`: "companion" once a host answered hello, "alone" until then and after a connect
// attempt failed (the extension then decides by itself: delivery.js, alone.js).
//
// It takes the browser API object (chrome or browser) and timers as arguments, so node tests
// drive it with fakes.

import { sameManaged } from "./managed.js";
import { HOST_NAME, MAX_MESSAGE_BYTES, PROTOCOL, encodedSize, helloMessage } from "./wire.js";

/** A request that got no reply: code is "timeout", "disconnected", "unavailable" or "too_large". */
export class HostError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "HostError";
    this.code = code;
  }
}

/** Statuses in which the host is not usable; the popup has a sentence and a fix for each. */
export const PROBLEM_STATES = Object.freeze([
  "host_missing", "host_forbidden", "host_failed", "host_closed", "incompatible",
]);

/**
 * Why a native port closed, from Chrome's `runtime.lastError.message` or Firefox's
 * `port.error.message`. Returns a status the popup explains. Pure.
 */
export function classifyDisconnect(message) {
  const text = String(message ?? "");
  if (!text) return "host_closed";
  if (/not found|no such native application/i.test(text)) return "host_missing";
  if (/forbidden|not allowed|allowed_extensions|allowed_origins/i.test(text)) return "host_forbidden";
  if (/has exited|unexpected error|error when communicating|failed to start/i.test(text)) return "host_failed";
  return "host_failed";
}

export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 5 * 60 * 1000 });

/**
 * A host that is not registered (or not for us) costs nothing to look for again (no process
 * starts), and the user who just ran `dlrescue register` expects it to be picked up soon.
 */
export const MISSING_BACKOFF = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 30 * 1000 });

/** Delay before reconnect number `failures` (1-based): 1 s, 2 s, 4 s ... capped. Pure. */
export function reconnectDelay(failures, backoff = DEFAULT_BACKOFF) {
  const n = Math.max(1, failures);
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (n - 1));
}

export class HostPort {
  /**
   * @param {object} o
   * @param {object} o.api           chrome or browser namespace (runtime.connectNative)
   * @param {() => object|Promise<object>} o.helloFields  {browser, extensionVersion, lang,
   *   managedPolicy, managedLater} for hello (managedLater: managed.js, managedForHello)
   * @param {object} [o.timers]      {setTimeout, clearTimeout}
   * @param {() => number} [o.now]
   * @param {object} [o.log]         {info, warn, error}
   */
  constructor({
    api, helloFields, hostName = HOST_NAME, timers = globalThis, now = () => Date.now(),
    log = console, requestTimeoutMs = 10_000, helloTimeoutMs = 10_000,
    backoff = DEFAULT_BACKOFF, missingBackoff = MISSING_BACKOFF, maxBytes = MAX_MESSAGE_BYTES,
  }) {
    this.api = api;
    this.helloFields = helloFields;
    this.hostName = hostName;
    this.timers = timers;
    this.now = now;
    this.log = log;
    this.requestTimeoutMs = requestTimeoutMs;
    this.helloTimeoutMs = helloTimeoutMs;
    this.backoff = backoff;
    this.missingBackoff = missingBackoff;
    this.maxBytes = maxBytes;

    this.port = null;
    this.nextRid = 1;
    this.pending = new Map(); // rid -> {resolve, reject, timer, type}
    this.connecting = null; // Promise while a connect + hello is under way
    this.readingFields = false; // the hello's fields are being read (the port may be open)
    this.closedEarly = null; // {why}: the port closed meanwhile
    this.helloSent = null; // the fields of the last hello attempt
    this.reconnectTimer = null;
    this.listeners = new Set();
    this.state = {
      status: "idle", hostVersion: null, protocol: null, detail: null,
      since: this.now(), failures: 0, nextRetryAt: null, mode: "alone",
    };
  }

  /** A copy of the connection state, for the popup and for debugging. */
  status() {
    return { ...this.state, hostName: this.hostName, pendingRequests: this.pending.size };
  }

  isConnected() {
    return this.state.status === "connected";
  }

  /** fn(status) on every status change; fn is called with status "connected" on each connect. */
  onStatus(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  _setState(patch) {
    const before = this.state.status;
    this.state = { ...this.state, ...patch };
    if (patch.status && patch.status !== before) {
      this.state.since = this.now();
      this.log.info(`host: ${before} -> ${this.state.status}${this.state.detail ? ` (${this.state.detail})` : ""}`);
    }
    if (patch.status) {
      for (const fn of this.listeners) {
        try {
          fn(this.status());
        } catch (e) {
          this.log.error("host: status listener failed", e);
        }
      }
    }
  }

  /**
   * Connect if not connected (or not already connecting). Resolves to status() once the hello
   * was answered or the attempt failed; never rejects.
   * @param {{force?: boolean}} [opts] force: ignore a scheduled backoff (a user asked).
   */
  connect({ force = false } = {}) {
    if (this.isConnected()) return Promise.resolve(this.status());
    if (this.connecting) return this.connecting;
    if (this.reconnectTimer && !force) return Promise.resolve(this.status());
    this._clearReconnect();
    this.connecting = this._open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async _open() {
    this._setState({ status: "connecting", detail: null });
    this.closedEarly = null;
    // the host starts while the hello's fields are read (storage.managed: managed.js)
    const fields = this.helloFields();
    let port;
    try {
      port = this.api.runtime.connectNative(this.hostName);
    } catch (e) {
      // Firefox can throw synchronously for a bad name; treat like a disconnect.
      this.helloSent = await fields;
      this._failed(classifyDisconnect(e?.message), e?.message ?? String(e));
      return this.status();
    }
    this.port = port;
    port.onMessage.addListener((msg) => this._onMessage(port, msg));
    port.onDisconnect.addListener((p) => this._onDisconnect(port, p));
    this.readingFields = true;
    try {
      this.helloSent = await fields; // what the last attempt said (Delivery decides alone under its managedPolicy)
    } finally {
      this.readingFields = false;
    }
    this.helloSent.managedLater?.then((policy) => this.managedRead(policy));
    if (this.closedEarly) {
      // it closed while the fields were read (no host): the failure is known once they are
      const { why } = this.closedEarly;
      this.closedEarly = null;
      this._closed(port, why);
    }
    if (this.port !== port) return this.status();

    let reply;
    const sent = this.helloSent;
    try {
      reply = await this._send(helloMessage(sent), this.helloTimeoutMs, port);
    } catch (e) {
      if (this.port === port) {
        // no reply: a hung or silent host. Close this port and back off.
        this._dropPort(port);
        this._rejectAll(new HostError("disconnected", "the port closed during hello"));
        this._failed("host_failed", `no reply to hello: ${e.message}`);
      }
      return this.status();
    }
    if (this.port !== port) return this.status(); // disconnected meanwhile
    if (!reply.ok || reply.protocol !== PROTOCOL) {
      const why = reply.ok
        ? `host speaks protocol ${reply.protocol}, this extension speaks ${PROTOCOL}`
        : `hello refused: ${reply.error?.code}: ${reply.error?.message}`;
      this._dropPort(port);
      this._failed("incompatible", why);
      return this.status();
    }
    this._setState({
      status: "connected", hostVersion: String(reply.host_version ?? ""), protocol: reply.protocol,
      detail: null, failures: 0, nextRetryAt: null, mode: "companion",
    });
    await this.managedRead(this.helloSent.managedPolicy, sent); // it came during the hello
    return this.status();
  }

  /**
   * storage.managed's late answer: Delivery decides alone under it from now on, and a host
   * sent another (`sent`) gets it in a new hello. Decisions made already stay as they are.
   */
  async managedRead(policy, sent = this.helloSent) {
    if (this.helloSent && !sameManaged(this.helloSent.managedPolicy, policy)) {
      this.log.info("host: storage.managed gave another policy than the last one read");
      this.helloSent = { ...this.helloSent, managedPolicy: policy, managedLater: null };
    }
    if (!this.isConnected() || sameManaged(sent?.managedPolicy, policy)) return;
    const reply = await this._send(helloMessage(this.helloSent), this.helloTimeoutMs, this.port)
      .catch((e) => ({ error: e })); // not taken: the next connect's hello carries it
    if (!reply.ok) this.log.warn(`host: the managed policy was not taken (${reply.error?.message})`);
  }

  /**
   * Send one request and resolve with the host's reply object (ok true or false).
   * Rejects with HostError: "too_large" (nothing sent), "unavailable" (no host now),
   * "timeout" (no reply in time), "disconnected" (the port closed before the reply).
   */
  async request(message, { timeoutMs = this.requestTimeoutMs } = {}) {
    const size = encodedSize(message);
    if (size > this.maxBytes) {
      throw new HostError("too_large",
        `a ${message?.type} message of ${size} bytes is over the ${this.maxBytes}-byte limit; not sent`);
    }
    if (!this.isConnected()) await this.connect();
    if (!this.isConnected()) {
      throw new HostError("unavailable", `the host is not available (${this.state.status}${this.state.detail ? `: ${this.state.detail}` : ""})`);
    }
    return this._send(message, timeoutMs, this.port);
  }

  _send(message, timeoutMs, port) {
    const rid = this.nextRid;
    this.nextRid += 1;
    const framed = { ...message, rid };
    const size = encodedSize(framed);
    if (size > this.maxBytes) {
      return Promise.reject(new HostError("too_large", `message of ${size} bytes is over ${this.maxBytes}`));
    }
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(rid);
        this.log.warn(`host: no reply to ${message.type} rid=${rid} within ${timeoutMs} ms`);
        reject(new HostError("timeout", `no reply to ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer, type: message.type });
      try {
        port.postMessage(framed);
      } catch (e) {
        this.timers.clearTimeout(timer);
        this.pending.delete(rid);
        reject(new HostError("disconnected", `could not post to the port: ${e?.message ?? e}`));
      }
    });
  }

  _onMessage(port, msg) {
    if (port !== this.port) return;
    const rid = msg?.rid;
    const waiter = this.pending.get(rid);
    if (!waiter) {
      this.log.warn(`host: a reply with rid=${JSON.stringify(rid)} matches no request (late or unsolicited)`, msg?.error ?? "");
      return;
    }
    this.pending.delete(rid);
    this.timers.clearTimeout(waiter.timer);
    waiter.resolve(msg);
  }

  _onDisconnect(port, p) {
    // Chrome reports why in runtime.lastError (read it, or Chrome logs "Unchecked
    // runtime.lastError"); Firefox in port.error.
    const chromeError = this.api.runtime?.lastError?.message;
    const why = chromeError ?? p?.error?.message ?? port?.error?.message ?? null;
    if (port !== this.port) return;
    if (this.readingFields) this.closedEarly = { why };
    else this._closed(port, why);
  }

  _closed(port, why) {
    if (port !== this.port) return;
    this.port = null;
    const status = classifyDisconnect(why);
    this._rejectAll(new HostError("disconnected", `the host port closed${why ? `: ${why}` : ""}`));
    this._failed(status, why ?? "the host closed the connection");
  }

  _rejectAll(error) {
    for (const [, waiter] of this.pending) {
      this.timers.clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.pending.clear();
  }

  _dropPort(port) {
    if (this.port === port) this.port = null;
    try {
      port.disconnect();
    } catch {
      // already closed
    }
  }

  _failed(status, detail) {
    const failures = this.state.failures + 1;
    const missing = status === "host_missing" || status === "host_forbidden";
    const delay = reconnectDelay(failures, missing ? this.missingBackoff : this.backoff);
    this._clearReconnect();
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this._setState({ status, detail, failures, nextRetryAt: this.now() + delay, hostVersion: null, mode: "alone" });
    this.log.info(`host: reconnect attempt ${failures + 1} in ${Math.round(delay / 1000)} s`);
  }

  _clearReconnect() {
    if (this.reconnectTimer) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Close the port for good (tests, extension shutdown). */
  close() {
    this._clearReconnect();
    const port = this.port;
    this.port = null;
    this._rejectAll(new HostError("disconnected", "closed by the extension"));
    if (port) {
      try {
        port.disconnect();
      } catch {
        // ignore
      }
    }
    this._setState({ status: "idle", detail: null });
  }
}
