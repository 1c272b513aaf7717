// The rescuer: catches interruptions, forwards them through the host port, and carries out
// the host's decisions. Everything browser-facing comes in through the constructor (the API
// object, the port, the stores, timers, the clock), so node tests run it against fakes.
//
// Flow:
//   downloads.onChanged / start-up reconciliation
//     -> a new interruption: ledger record "queued" + `interrupted` message in the outbox
//   flush(): outbox head -> host port -> reply
//     -> decision resume/restart: record "decided" with `pending` {action, dueAt, ...}
//        (a timer for short waits, the wake alarm for long ones and as a safety net)
//     -> decision none: record "left", a notification when `notify`
//   runDue() (acting.js): resume (then verify) or restart; outcomes (complete, interrupted
//   again, in_progress after a verified resume, given_up) go through the outbox as `outcome`.
//   retryNow() / giveUp() (user_actions.js): what the popup asks for.
//
// This file: plumbing, start-up and reconciliation, catching, talking to the host. All state
// changes run one at a time (serial()); talking to the host does not hold that lock.

import { Acting } from "./acting.js";
import { becameInterrupted, displayName, enteredState, isInterruption } from "./deltas.js";
import { downloadKey, isRenumbered, recordKey, sameDownload, snapshotKey } from "./keys.js";
import { leftNotification, notificationId, sourcePage } from "./notify.js";
import { probe } from "./probe.js";
import { RunningWatch } from "./running.js";
import { WATCH_ALARM, WATCH_PERIOD_MINUTES, planAction, queueRetryDelay } from "./schedule.js";
import { errorDisposition, interruptedMessage, newEventKey, outcomeMessage } from "./wire.js";
import { TRUNCATED_REASON, isTruncated } from "./restart_plan.js";
import { UserActions } from "./user_actions.js";

/** Interrupted downloads older than this are not forwarded by reconciliation (old history). */
export const RECONCILE_HORIZON_MS = 7 * 24 * 3600 * 1000;

/** dlrescue's own reason for a download whose server stopped sending (the host knows it). */
export const STALL_REASON = "NETWORK_STALLED";

/** The key under which storage.session keeps this browser session's tag. */
export const SESSION_KEY = "session";

/**
 * A tag for this browser session: storage.session is emptied at every browser start, so a
 * new tag means a new session (where Firefox has renumbered its downloads).
 */
export async function loadSession(area, random = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`) {
  try {
    const got = await area.get(SESSION_KEY);
    if (typeof got?.[SESSION_KEY] === "string") return got[SESSION_KEY];
    const tag = random();
    await area.set({ [SESSION_KEY]: tag });
    return tag;
  } catch {
    return random(); // no storage.session: this worker's life is the session
  }
}

export class Rescuer {
  /**
   * @param {object} o
   * @param {object} o.api       chrome / browser namespace: downloads, alarms, notifications, runtime
   * @param {object} o.port      a HostPort (the one door to the host)
   * @param {object} o.outbox    an Outbox
   * @param {object} o.ledger    a Ledger
   * @param {string} o.browser   "chrome" | "firefox"
   * @param {Function} o.t       i18n.getMessage
   * @param {() => boolean} [o.online]  navigator.onLine
   * @param {Function} [o.fetch]  for the server probe (probe.js)
   */
  constructor({
    api, port, outbox, ledger, browser, t, log = console, timers = globalThis,
    now = () => Date.now(), online = () => true, iconUrl = "icons/icon-128.png", fetch = (...args) => globalThis.fetch(...args),
  }) {
    Object.assign(this, { api, port, outbox, ledger, browser, t, log, timers, now, online, iconUrl });
    this.probe = (url) => probe(url, { fetch, timers });
    this.running = new RunningWatch({ api, browser, log, timers, now, onStall: (item) => this.onStall(item) });
    this.chain = Promise.resolve();
    this.ready = null;
    this.flushing = null;
    this.flushAgain = false;
    this.actionTimers = new Map(); // download key -> timer for its pending action
    this.verifyTimers = new Map(); // download key -> timer for its resume check
    this.outboxTimer = null;
    this.onlineTimer = null;
    this.hostProblem = null; // the host's last error reply, for the popup (_hostSaid)
    this.port.onStatus((status) => {
      if (status.status === "connected") {
        this.outbox.wakeAll().then(() => this.flush());
      }
    });
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Run fn after every state change queued before it; resolve with its result, or with
   * undefined after logging when it throws (a failed step must not stop the next ones).
   */
  serial(fn) {
    const run = this.chain.then(() => fn()).catch((e) => {
      this.log.error("rescuer: a step failed:", e?.stack ?? String(e));
      return undefined;
    });
    this.chain = run;
    return run;
  }

  /** Resolves when every queued step and the current flush are done (tests, debugging). */
  async idle() {
    for (let i = 0; i < 20; i += 1) {
      const chain = this.chain;
      await chain;
      if (this.flushing) await this.flushing;
      if (chain === this.chain && !this.flushing) return;
    }
  }

  async _item(id) {
    if (!Number.isInteger(id)) return undefined;
    try {
      const found = await this.api.downloads.search({ id });
      return found?.[0];
    } catch (e) {
      this.log.warn(`downloads.search({id: ${id}}) failed`, e);
      return undefined;
    }
  }

  /** The live item for a record, only if it is still the same download (Firefox reuses ids). */
  async _itemFor(rec) {
    const item = await this._item(rec.id);
    return sameDownload(rec, item, this.session) ? item : undefined;
  }

  /**
   * The record for a live item, or undefined. A record under the item's key that belongs to
   * another download (an id reused by a new Firefox session) does not count; a record from an
   * earlier session that is this item under a new id is moved to the new key. The record
   * learns the item's current startTime and this session's tag.
   */
  async _find(item) {
    const key = recordKey(item);
    let rec = this.ledger.get(key);
    if (rec && !sameDownload(rec, item, this.session)) rec = undefined;
    if (!rec) {
      // only an interrupted item can be an earlier session's record we still care about
      if (item.state !== "interrupted") return undefined;
      const moved = this.ledger.find((r) => isRenumbered(r, item, this.session));
      if (!moved) return undefined;
      this.log.info(`download ${item.id} is ${moved.id} of an earlier session (${moved.name})`);
      await this.ledger.reset(key, { ...moved, id: item.id });
      await this.ledger.remove(moved.key);
      await this.outbox.rekeyRef(moved.key, key);
      rec = this.ledger.get(key);
    }
    if (rec.session !== this.session || rec.startTime !== item.startTime) {
      rec = await this.ledger.put(key, { session: this.session, startTime: item.startTime });
    }
    return rec;
  }

  _clearTimer(map, key) {
    const handle = map.get(key);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    map.delete(key);
  }

  async _notify(id, options) {
    try {
      await this.api.notifications.create(id, options);
      this.log.info(`notification ${id}: ${options.title}`);
    } catch (e) {
      this.log.warn(`notifications.create failed: ${e?.message ?? e}`, options.title);
    }
  }

  // ---------------------------------------------------------------- start-up

  /** Load the stores once per worker. */
  init() {
    if (!this.ready) {
      this.ready = this.serial(async () => {
        this.session = await loadSession(this.api.storage?.session);
        await this.outbox.load();
        await this.ledger.load();
        this.log.info(`loaded: ${this.outbox.size} queued message(s), ${this.ledger.all().length} record(s)`);
      });
    }
    return this.ready;
  }

  /**
   * Once per worker / background start (and install): load the stores, reconcile with the
   * browser's download list, re-arm pending actions, connect to the host and send what is
   * queued. Event handlers wait for the reconciliation, not for the host.
   */
  start(reason = "start") {
    if (!this.started) {
      this.reconciled = this.init().then(() => this._reconcileState(reason));
      this.started = this.reconciled.then(async () => {
        // One long-lived port: connect now, not only when something is queued. Its
        // "connected" status makes every queued message due and flushes them.
        await this.port.connect();
        await this.flush();
        await this.runAllDue();
      });
    }
    return this.started;
  }

  /** Reconcile again (the wake alarm, a debugging request), then send and act. */
  async reconcile(reason = "reconcile") {
    await this.init();
    await this._reconcileState(reason);
    await this.flush();
    await this.runAllDue();
  }

  /**
   * Forward every interrupted download that was never decided, report completions that were
   * missed, re-arm pending actions. Searches everything and filters by state here (Chromium's
   * search({state: "interrupted"}) missed an item interrupted before the worker started).
   */
  _reconcileState(reason) {
    return this.serial(async () => {
      let items = [];
      try {
        items = await this.api.downloads.search({});
      } catch (e) {
        this.log.error("reconcile: downloads.search({}) failed", e);
      }
      let forwarded = 0;
      const horizon = this.now() - RECONCILE_HORIZON_MS;
      for (const item of items ?? []) {
        const key = recordKey(item);
        const rec = await this._find(item);
        if (isInterruption(item)) {
          if (!rec) {
            const when = Date.parse(item.endTime ?? item.startTime ?? "");
            if (Number.isFinite(when) && when < horizon) continue;
            await this._newInterruption(item, undefined);
            forwarded += 1;
          } else if (rec.status === "queued" && !this.outbox.has(rec.outboxKey)) {
            await this._enqueueInterrupted(item, rec); // the worker died between two writes
            forwarded += 1;
          } else if (rec.status === "acted" && rec.verifyAt) {
            this._scheduleVerify(key, 0);
          } else if (rec.status === "acted") {
            await this._newInterruption(item, rec); // it failed again while we were not running
            forwarded += 1;
          }
        } else if (rec && item.state === "complete" && ["acted", "decided", "left", "queued"].includes(rec.status)) {
          await this._completed(item, rec);
        } else if (rec && item.state === "in_progress" && rec.status === "decided") {
          await this._takenOver(item, rec); // resumed by the user while we were not running
        }
      }
      this.log.info(`reconcile (${reason}): ${items?.length ?? 0} downloads, ${forwarded} interruption(s) forwarded`);
      this._armAll();
      const running = (items ?? []).filter((i) => i.state === "in_progress");
      for (const i of running) this.running.start(i.id);
      await this._watch(running.length > 0);
    });
  }

  // ---------------------------------------------------------------- catching

  /**
   * The running watch found a download that receives nothing while its connection stays
   * open: an interruption the browser never reports. It goes to the host as NETWORK_STALLED;
   * runDue reconnects it (acting.js _reconnect).
   */
  async onStall(item) {
    await this.init();
    await this.reconciled;
    await this.serial(async () => {
      const now = await this._item(item.id);
      const heldByUser = now?.paused && !this.running.ownsPause(now.id);
      if (!now || now.state !== "in_progress" || heldByUser) return; // it moved on meanwhile
      const rec = await this._find(now) ?? this.ledger.get(recordKey(now));
      if (rec?.status === "queued" || rec?.pending) return; // already on its way
      const stalled = { ...now, state: "interrupted", error: STALL_REASON, canResume: true };
      await this._newInterruption(stalled, rec, { stalled: true });
    });
    await this.flush();
  }

  /** downloads.onCreated listener: a running download is watched. */
  async onCreated(item) {
    if (item?.state === "in_progress") {
      this.running.start(item.id);
      await this._watch(true);
    }
  }

  /** Keep the watch alarm while downloads run; drop it when none does. */
  async _watch(on) {
    try {
      const existing = await this.api.alarms.get(WATCH_ALARM);
      if (on && !existing) await this.api.alarms.create(WATCH_ALARM, { periodInMinutes: WATCH_PERIOD_MINUTES });
      else if (!on && existing) await this.api.alarms.clear(WATCH_ALARM);
    } catch (e) {
      this.log.warn("watch alarm failed", e);
    }
  }

  /** downloads.onChanged listener (both delta shapes). */
  async onChanged(delta) {
    if (enteredState(delta) === "in_progress") {
      this.running.start(delta.id);
      this._watch(true);
    }
    if (!enteredState(delta)) return;
    await this.init();
    await this.reconciled;
    await this.serial(() => this._handleChange(delta));
    await this.flush();
  }

  async _handleChange(delta) {
    const state = enteredState(delta);
    const item = await this._item(delta.id);
    if (!item) return;
    const key = recordKey(item);
    const rec = await this._find(item);
    if (becameInterrupted(delta)) {
      if (item.state !== "interrupted") return; // already moving again
      if (item.paused && this.running.ownsPause(item.id)) {
        // cut while we held it paused for Chrome's count: resuming a paused item resets the
        // count, like one of Chrome's own silent retries; not an interruption for the host
        this.log.info(`download ${item.id} was cut while paused by us (${item.error}); resumed at once`);
        await this.running.unpause(item.id);
        return;
      }
      if (!isInterruption(item)) {
        this.log.info(`download ${item.id} paused (Firefox reports a pause as USER_CANCELED); not an interruption`);
        return;
      }
      if (rec?.status === "queued") return; // reconciliation was faster
      if (rec?.status === "replaced") {
        // Firefox: a resume that rejects (NS_ERROR_ENTITY_CHANGED) can still run the old item
        // into a second failure. We restarted it already; the old item is not ours any more.
        this.log.info(`download ${item.id} failed again after it was replaced by ${rec.replacedBy}; ignored`);
        return;
      }
      await this._newInterruption(item, rec);
    } else if (state === "in_progress" && rec) {
      if (rec.status === "acted" && rec.verifyAt) {
        await this.ledger.put(key, { sawInProgress: true });
      } else if (["decided", "left"].includes(rec.status)) {
        await this._takenOver(item, rec);
      }
    } else if (state === "complete" && (rec ? ["acted", "decided", "left", "queued"].includes(rec.status) : isTruncated(item))) {
      await this._completed(item, rec);
    }
  }

  /** Someone (the user) resumed a download we were holding: drop our plan, watch it. */
  async _takenOver(item, rec) {
    this._clearTimer(this.actionTimers, rec.key);
    this.log.info(`download ${item.id} is running again without us; pending ${rec.pending?.action ?? "nothing"} dropped`);
    await this.ledger.put(rec.key, { status: "acted", pending: null, verifyAt: null, actedBy: "user" });
  }

  /**
   * A download we handled reached `complete`. One that holds fewer bytes than it announced
   * (Chromium marks a short body complete when the server sent no ETag/Last-Modified) is not
   * complete: the host hears outcome `truncated`, then an interruption
   * SERVER_CONTENT_LENGTH_MISMATCH that cannot resume, so it decides a restart. A restarted
   * download that completed takes the dead downloads it replaced off the list and the disk.
   */
  async _completed(item, rec) {
    const key = rec?.key ?? recordKey(item);
    this._clearTimer(this.actionTimers, key);
    this._clearTimer(this.verifyTimers, key);
    if (isTruncated(item)) {
      if (rec?.truncated) return; // reported already (reconciliation sees it complete again)
      this.log.warn(`download ${item.id} "completed" with ${item.bytesReceived} of ${item.totalBytes} bytes:`
        + ` truncated (${displayName(item)}); reported as an interruption`);
      // an episode the host knows ends `truncated`; a first try that came short only starts one
      if (rec) await this._enqueueOutcome(item, "truncated", rec);
      const cut = { ...item, state: "interrupted", error: TRUNCATED_REASON, canResume: false };
      await this._newInterruption(cut, rec ? { ...rec, reportedInterrupted: true } : undefined);
      await this.ledger.put(key, { truncated: true });
      return;
    }
    this.log.info(`download ${item.id} complete: ${displayName(item)}`);
    await this.ledger.put(rec.key, { status: "closed", outcome: "complete", pending: null, verifyAt: null });
    await this._enqueueOutcome(item, "complete", rec);
    await this._eraseReplaced(rec);
  }

  /**
   * A new interruption of a download: record it and queue it for the host. An attempt is
   * judged by the bytes it added: one that added nothing (or a first try that got nothing)
   * is followed by a probe of the server, and the host hears whether it answered
   * (`reachable`), so an outage spends no attempt and an answering server that sends
   * nothing (an expired link) is given up soon. `stalled`: the running watch found it
   * stalled (it is still running; the host hears NETWORK_STALLED); a stall is probed too,
   * so one during an outage waits for the server instead of starting again.
   */
  async _newInterruption(item, rec, { stalled = false } = {}) {
    if (rec && rec.status === "acted" && !rec.reportedInterrupted) {
      // the retry we made ended interrupted: report that outcome before the new event
      await this._enqueueOutcome(item, "interrupted", rec);
    }
    const key = recordKey(item);
    this._clearTimer(this.verifyTimers, key);
    this._clearTimer(this.actionTimers, key);
    const n = (rec?.interruptions ?? 0) + 1;
    const bytes = Number(item.bytesReceived) || 0;
    const progressed = bytes > (rec?.lastBytes ?? 0);
    // a stall is probed too: during an outage the browser's own retries look like one
    const reachable = progressed && !stalled ? undefined : await this._reachable(item, bytes < (rec?.lastBytes ?? 0));
    const fields = {
      id: item.id, url: item.url, name: displayName(item), incognito: Boolean(item.incognito),
      startTime: item.startTime, session: this.session, status: "queued", interruptions: n,
      outboxKey: `interrupted:${downloadKey(item)}#${n}`, error: item.error,
      pending: null, verifyAt: null, sawInProgress: false, restartOf: rec?.restartOf ?? null,
      lastBytes: bytes, reachable: reachable ?? null, serverWaits: 0, stalled,
      referrer: item.referrer || rec?.referrer || null,
    };
    // a record under this key that is not this download is stale: start afresh
    const updated = rec ? await this.ledger.put(key, fields) : await this.ledger.reset(key, fields);
    this.log.info(`download ${item.id} interrupted: ${item.error} (${updated.name}) at ${bytes} bytes`
      + `${progressed ? "" : `, no progress; server ${reachable === undefined ? "not probed" : reachable ? "answers" : "does not answer"}`}`
      + "; queued for the host");
    await this._enqueueInterrupted(item, updated);
  }

  /**
   * Whether the server answers, for an attempt that added nothing. A SERVER_* reason is the
   * server's own answer (no request needed), and so is Firefox's NETWORK_FAILED for a
   * resume the server answered with anything but 206 (an expired link's 403, a 416):
   * Firefox then counts from 0 again or says it cannot resume (seen in Firefox ESR 153).
   * Other network failures are probed; a file, user or crash reason says nothing about the
   * server (undefined).
   */
  async _reachable(item, bytesWentDown) {
    const reason = String(item.error ?? "");
    if (this.browser === "firefox" && reason === "NETWORK_FAILED" && (bytesWentDown || item.canResume === false)) {
      return true;
    }
    if (reason.startsWith("NETWORK_") || reason === "SERVER_UNREACHABLE") {
      return this.probe(item.finalUrl || item.url);
    }
    return reason.startsWith("SERVER_") ? true : undefined;
  }

  async _enqueueInterrupted(item, rec) {
    await this.outbox.add({
      key: rec.outboxKey, kind: "interrupted", ref: rec.key, ephemeral: Boolean(item.incognito),
      message: interruptedMessage(item, this.browser, newEventKey(), { reachable: rec.reachable ?? undefined }),
    });
  }

  async _enqueueOutcome(item, state, rec) {
    const url = rec?.url ?? item.url;
    const message = outcomeMessage({
      id: item.id ?? rec?.id, url, state, error: state === "interrupted" ? item.error : undefined, eventKey: newEventKey(),
    });
    await this.outbox.add({
      key: `outcome:${state}:${rec?.key ?? recordKey(item)}:${this.now()}`,
      kind: "outcome", ref: rec?.key ?? null, message, ephemeral: Boolean(rec?.incognito ?? item.incognito),
    });
  }

  // ---------------------------------------------------------------- the host

  /** Send queued messages, one at a time, while the host answers. Never throws. */
  flush() {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        try {
          await this._flushOnce();
        } catch (e) {
          this.log.error("flush failed", e);
        }
      } while (this.flushAgain);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async _flushOnce() {
    for (;;) {
      const entry = this.outbox.next(this.now());
      if (!entry) break;
      if (!this.port.isConnected()) {
        await this.port.connect();
        if (!this.port.isConnected()) {
          const host = this.port.status();
          this.log.info(`${this.outbox.size} message(s) kept for the host (${host.status})`);
          // due again when the port tries again; the wake alarm brings a dead worker back then
          const wait = Math.max(1000, (host.nextRetryAt ?? 0) - this.now());
          await this.outbox.retryLater(entry.seq, wait, host.status, { count: false });
          break;
        }
      }
      let reply;
      try {
        reply = await this.port.request(entry.message);
      } catch (e) {
        if (e.code === "too_large") {
          this.log.error(`dropped ${entry.kind} for ${entry.ref}: ${e.message}`);
          await this.serial(() => this._refused(entry, { code: "too_large", message: e.message }));
          continue;
        }
        const delay = queueRetryDelay(entry.tries);
        this.log.warn(`${entry.kind} not delivered (${e.code}); next try in ${Math.round(delay / 1000)} s`);
        await this.outbox.retryLater(entry.seq, delay, e.code);
        break;
      }
      if (reply.ok) {
        if (this.hostProblem?.kind === "retry") this.hostProblem = null; // it stores again
        await this.serial(() => this._applyReply(entry, reply));
        continue;
      }
      const code = reply.error?.code;
      this._hostSaid(errorDisposition(code), reply.error);
      if (errorDisposition(code) === "retry") {
        const delay = queueRetryDelay(entry.tries);
        this.log.warn(`host cannot store now (${code}: ${reply.error?.message}); ${entry.kind} kept, next try in ${Math.round(delay / 1000)} s`);
        await this.outbox.retryLater(entry.seq, delay, code);
        break;
      }
      this.log.error(`host refused ${entry.kind} for ${entry.ref}: ${code}: ${reply.error?.message}`
        + `${reply.error?.field ? ` (field ${reply.error.field})` : ""}; dropped from the queue`);
      await this.serial(() => this._refused(entry, reply.error));
    }
    this._armOutboxTimer();
    await this._updateWakeAlarm();
  }

  /**
   * The host's last error reply, for the popup: its own sentence (`message`), its code, and
   * whether the message waits ("retry": cleared once the host stores again) or was dropped
   * ("drop": shown with its time; only a newer problem replaces it in this worker).
   */
  _hostSaid(kind, error) {
    this.hostProblem = {
      kind, code: String(error?.code ?? "?"), message: String(error?.message ?? ""), at: this.now(),
    };
  }

  async _refused(entry, error) {
    await this.outbox.remove(entry.seq);
    if (entry.kind === "interrupted" && entry.ref && this.ledger.get(entry.ref)) {
      await this.ledger.put(entry.ref, { status: "refused", refusedWith: error?.code ?? null });
    }
  }

  async _applyReply(entry, reply) {
    await this.outbox.remove(entry.seq);
    if (entry.kind !== "interrupted") {
      this.log.info(`host recorded ${entry.message.type} ${entry.message.download?.state ?? ""} as event ${reply.event_id}`);
      return;
    }
    const rec = entry.ref ? this.ledger.get(entry.ref) : undefined;
    const decision = reply.decision ?? {};
    if (!rec || rec.outboxKey !== entry.key || rec.status !== "queued") {
      this.log.warn(`decision for ${entry.ref} arrived but the record moved on; ignored`, decision);
      return;
    }
    const base = { eventId: reply.event_id ?? null, decision };
    const plan = planAction(decision, this.now());
    this.log.info(`decision for download ${rec.id} (${rec.name}): ${decision.action}`
      + `${plan ? ` after ${decision.delay_ms ?? 0} ms` : ""}${decision.notify ? " + notify" : ""}`
      + `, attempt ${decision.attempt}/${decision.max_attempts}`
      + ` [${decision.reason}/${decision.category}]`);
    if (plan) {
      await this.ledger.put(rec.key, { ...base, status: "decided", pending: plan });
      this._arm(rec.key, plan);
      return;
    }
    await this.ledger.put(rec.key, { ...base, status: "left", pending: null });
    if (decision.notify) {
      const id = notificationId("left", snapshotKey(rec));
      await this.ledger.put(rec.key, { notificationId: id });
      const withButton = this.browser === "chrome" && sourcePage(rec) !== null;
      await this._notify(id, leftNotification({ t: this.t, decision, name: rec.name, iconUrl: this.iconUrl, withButton }));
    }
  }

  _armOutboxTimer() {
    if (this.outboxTimer) this.timers.clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    const due = this.outbox.nextDueAt();
    if (due === null || !this.port.isConnected()) return;
    this.outboxTimer = this.timers.setTimeout(() => {
      this.outboxTimer = null;
      this.flush();
    }, Math.max(0, due - this.now()));
  }
}

/** Copy the methods of each source class onto target's prototype. */
function mixin(target, ...sources) {
  for (const source of sources) {
    for (const name of Object.getOwnPropertyNames(source.prototype)) {
      if (name !== "constructor") {
        Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(source.prototype, name));
      }
    }
  }
}

mixin(Rescuer, Acting, UserActions);
