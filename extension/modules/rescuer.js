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
//   runDue(): resume (then verify) or restart; outcomes (complete, interrupted again,
//   in_progress after a verified resume, given_up) go through the outbox as `outcome`.
//
// All state changes run one at a time (serial()); talking to the host does not hold that lock.

import { becameInterrupted, displayName, enteredState, isInterruption, isRefetchable } from "./deltas.js";
import { downloadKey, isRenumbered, recordKey, sameDownload } from "./keys.js";
import { FINAL_STATUSES } from "./ledger.js";
import {
  clickToResumeNotification, cannotRetryNotification, leftNotification, notificationId,
} from "./notify.js";
import { VERIFY_AFTER_MS, resumeVerdict, startResume } from "./resume_check.js";
import {
  WAKE_ALARM, WATCH_ALARM, WATCH_PERIOD_MINUTES, isDue, planAction, queueRetryDelay, wakeAlarmTime,
} from "./schedule.js";
import { errorDisposition, interruptedMessage, newEventKey, outcomeMessage } from "./wire.js";

/** Interrupted downloads older than this are not forwarded by reconciliation (old history). */
export const RECONCILE_HORIZON_MS = 7 * 24 * 3600 * 1000;

/** While an action waits for the network, check navigator.onLine this often. */
export const ONLINE_POLL_MS = 5000;

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

/** id|startTime|url of the item a record was made for, for notification ids. */
function snapshotKey(rec) {
  return downloadKey({ id: rec.id, startTime: rec.startTime, url: rec.url });
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
   */
  constructor({
    api, port, outbox, ledger, browser, t, log = console, timers = globalThis,
    now = () => Date.now(), online = () => true, iconUrl = "icons/icon-128.png",
  }) {
    Object.assign(this, { api, port, outbox, ledger, browser, t, log, timers, now, online, iconUrl });
    this.chain = Promise.resolve();
    this.ready = null;
    this.flushing = null;
    this.flushAgain = false;
    this.actionTimers = new Map(); // download key -> timer for its pending action
    this.verifyTimers = new Map(); // download key -> timer for its resume check
    this.outboxTimer = null;
    this.onlineTimer = null;
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
      const moved = this.ledger.all().find((r) => isRenumbered(r, item, this.session));
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
      await this._watch((items ?? []).some((i) => i.state === "in_progress"));
    });
  }

  // ---------------------------------------------------------------- catching

  /** downloads.onCreated listener: a running download is watched. */
  async onCreated(item) {
    if (item?.state === "in_progress") await this._watch(true);
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
    if (enteredState(delta) === "in_progress") this._watch(true);
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
    } else if (state === "complete" && rec && ["acted", "decided", "left", "queued"].includes(rec.status)) {
      await this._completed(item, rec);
    }
  }

  /** Someone (the user) resumed a download we were holding: drop our plan, watch it. */
  async _takenOver(item, rec) {
    this._clearTimer(this.actionTimers, rec.key);
    this.log.info(`download ${item.id} is running again without us; pending ${rec.pending?.action ?? "nothing"} dropped`);
    await this.ledger.put(rec.key, { status: "acted", pending: null, verifyAt: null, actedBy: "user" });
  }

  async _completed(item, rec) {
    this._clearTimer(this.actionTimers, rec.key);
    this._clearTimer(this.verifyTimers, rec.key);
    this.log.info(`download ${item.id} complete: ${displayName(item)}`);
    await this.ledger.put(rec.key, { status: "closed", outcome: "complete", pending: null, verifyAt: null });
    await this._enqueueOutcome(item, "complete", rec);
  }

  async _newInterruption(item, rec) {
    if (rec && rec.status === "acted" && !rec.reportedInterrupted) {
      // the retry we made ended interrupted: report that outcome before the new event
      await this._enqueueOutcome(item, "interrupted", rec);
    }
    const key = recordKey(item);
    this._clearTimer(this.verifyTimers, key);
    this._clearTimer(this.actionTimers, key);
    const n = (rec?.interruptions ?? 0) + 1;
    const fields = {
      id: item.id, url: item.url, name: displayName(item), incognito: Boolean(item.incognito),
      startTime: item.startTime, session: this.session, status: "queued", interruptions: n,
      outboxKey: `interrupted:${downloadKey(item)}#${n}`, error: item.error,
      pending: null, verifyAt: null, sawInProgress: false, restartOf: rec?.restartOf ?? null,
    };
    // a record under this key that is not this download is stale: start afresh
    const updated = rec ? await this.ledger.put(key, fields) : await this.ledger.reset(key, fields);
    this.log.info(`download ${item.id} interrupted: ${item.error} (${updated.name}); queued for the host`);
    await this._enqueueInterrupted(item, updated);
  }

  async _enqueueInterrupted(item, rec) {
    await this.outbox.add({
      key: rec.outboxKey, kind: "interrupted", ref: rec.key, ephemeral: Boolean(item.incognito),
      message: interruptedMessage(item, this.browser, newEventKey()),
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
        await this.serial(() => this._applyReply(entry, reply));
        continue;
      }
      const code = reply.error?.code;
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
      await this._notify(id, leftNotification({ t: this.t, decision, name: rec.name, iconUrl: this.iconUrl }));
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

  // ---------------------------------------------------------------- acting

  /** Timers for the short waits (re-armed on every start), and the wake alarm for all. */
  _arm(key, pending) {
    this._clearTimer(this.actionTimers, key);
    if (!pending.useAlarm) {
      const delay = Math.max(0, pending.dueAt - this.now());
      this.actionTimers.set(key, this.timers.setTimeout(() => {
        this.actionTimers.delete(key);
        this.runDue(key);
      }, delay));
    }
    this._updateWakeAlarm();
  }

  _armAll() {
    for (const rec of this.ledger.all()) {
      if (rec.pending && !this.actionTimers.has(rec.key)) this._arm(rec.key, rec.pending);
      if (rec.status === "acted" && rec.verifyAt && !this.verifyTimers.has(rec.key)) {
        this._scheduleVerify(rec.key, Math.max(0, rec.verifyAt - this.now()));
      }
    }
    this._updateWakeAlarm();
  }

  async _updateWakeAlarm() {
    const when = wakeAlarmTime({
      pendingDueTimes: this.ledger.all().filter((r) => r.pending).map((r) => r.pending.dueAt),
      outboxDueAt: this.outbox.size ? this.outbox.nextDueAt() : null,
      now: this.now(),
    });
    try {
      if (when === null) await this.api.alarms.clear(WAKE_ALARM);
      else await this.api.alarms.create(WAKE_ALARM, { when });
    } catch (e) {
      this.log.warn("alarms failed", e);
    }
  }

  /** alarms.onAlarm listener. */
  async onAlarm(alarm) {
    if (alarm?.name !== WAKE_ALARM && alarm?.name !== WATCH_ALARM) return;
    this.log.info(alarm.name === WAKE_ALARM ? "wake alarm" : "watch alarm");
    await this.start("alarm");
    await this.reconcile("alarm");
  }

  /** The browser went online: run what waited for the network. */
  async onOnline() {
    this.log.info("online");
    await this.runAllDue();
  }

  async runAllDue() {
    let waitingForNetwork = false;
    for (const rec of this.ledger.all()) {
      if (!rec.pending) continue;
      if (isDue(rec.pending, this.now(), this.online())) await this.runDue(rec.key);
      else if (rec.pending.dueAt <= this.now() && rec.pending.waitOnline) waitingForNetwork = true;
    }
    if (waitingForNetwork) this._pollOnline();
  }

  _pollOnline() {
    if (this.onlineTimer) return;
    this.log.info("waiting for the network before retrying");
    this.onlineTimer = this.timers.setTimeout(() => {
      this.onlineTimer = null;
      this.runAllDue();
    }, ONLINE_POLL_MS);
  }

  /**
   * Carry out the pending action of one download if it is due.
   * @param {string} key
   * @param {{force?: boolean}} [opts] force: now, online or not (the user pressed "retry now")
   */
  runDue(key, { force = false } = {}) {
    return this.serial(async () => {
      const rec = this.ledger.get(key);
      if (!rec?.pending) return;
      if (!force && !isDue(rec.pending, this.now(), this.online())) {
        if (rec.pending.dueAt <= this.now()) this._pollOnline();
        else this._arm(key, rec.pending);
        return;
      }
      this._clearTimer(this.actionTimers, key);
      const item = await this._itemFor(rec);
      if (!item) {
        this.log.info(`download ${rec.id} (${rec.name}) is gone; nothing to ${rec.pending.action}`);
        await this.ledger.put(key, { status: "closed", outcome: "erased", pending: null });
        return;
      }
      if (item.state !== "interrupted") {
        await this._takenOver(item, rec);
        return;
      }
      if (rec.pending.action === "resume") await this._resume(item, rec);
      else await this._restart(item, rec, "decision");
    }).then(() => this._updateWakeAlarm());
  }

  async _resume(item, rec) {
    this.log.info(`resuming download ${item.id} (${rec.name})`);
    const { refused, failed } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
    if (refused) {
      this.log.warn(`downloads.resume(${item.id}) refused: ${refused.message}; restarting instead`);
      await this._restart(item, rec, `resume refused: ${refused.message}`);
      return;
    }
    if (failed) {
      // it ran and failed again (Firefox rejects resume() with the new failure): onChanged
      // reports that interruption; the resume check covers the case where nothing ran
      this.log.warn(`downloads.resume(${item.id}) failed: ${failed.message}`);
    }
    await this.ledger.put(rec.key, {
      status: "acted", pending: null, actedAt: this.now(), actedBy: "resume",
      verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false, reportedInterrupted: false,
    });
    this._scheduleVerify(rec.key, VERIFY_AFTER_MS);
  }

  _scheduleVerify(key, delay) {
    this._clearTimer(this.verifyTimers, key);
    this.verifyTimers.set(key, this.timers.setTimeout(() => {
      this.verifyTimers.delete(key);
      this.verify(key).then(() => this.flush());
    }, delay));
  }

  /** A few seconds after a resume: is it running? If Chrome ignored it, fall back. */
  verify(key) {
    return this.serial(async () => {
      const rec = this.ledger.get(key);
      if (!rec || rec.status !== "acted" || !rec.verifyAt) return;
      const item = await this._itemFor(rec);
      const verdict = resumeVerdict(item, Boolean(rec.sawInProgress));
      this.log.info(`resume check for download ${rec.id}: ${verdict}`);
      if (verdict === "gone") {
        await this.ledger.put(key, { status: "closed", outcome: "erased", verifyAt: null });
      } else if (verdict === "ok") {
        await this.ledger.put(key, { verifyAt: null });
        if (item.state === "in_progress") await this._enqueueOutcome(item, "in_progress", rec);
      } else if (verdict === "reinterrupted") {
        await this.ledger.put(key, { verifyAt: null });
        await this._newInterruption(item, this.ledger.get(key));
      } else {
        this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened`
          + " (Chrome ignores resumes after 5 without a user gesture); falling back");
        await this.ledger.put(key, { verifyAt: null });
        await this._restart(item, this.ledger.get(key), "resume ignored");
      }
    });
  }

  /**
   * Start the URL afresh (the host keys the episode by URL, so it continues). Falls back to a
   * notification the user can click when the URL cannot be fetched again.
   */
  async _restart(item, rec, why) {
    const url = rec.url ?? item.url;
    if (!isRefetchable(url)) {
      await this._askForClick(item, rec, `${why}; ${String(url).split(":")[0]}: URLs cannot be downloaded again`);
      return;
    }
    const incognito = Boolean(item.incognito ?? rec.incognito);
    if (incognito && this.browser !== "firefox") {
      // Chrome's downloads.download() cannot target the incognito profile: it would leak
      // a private download into the normal one. Ask the user instead.
      await this._askForClick(item, rec, `${why}; a private download is not restarted outside private browsing`);
      return;
    }
    let newId;
    try {
      newId = await this.api.downloads.download(incognito ? { url, incognito: true } : { url });
    } catch (e) {
      this.log.error(`downloads.download(${url}) failed: ${e?.message ?? e}`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this._notify(notificationId("cannot", snapshotKey(rec)),
        cannotRetryNotification({ t: this.t, name: rec.name, iconUrl: this.iconUrl, why: e?.message ?? String(e) }));
      return;
    }
    this.log.info(`restarted download ${item.id} as ${newId} (${why}): ${rec.name}`);
    await this.ledger.put(rec.key, { status: "replaced", pending: null, replacedBy: newId, verifyAt: null });
    const fresh = (await this._item(newId)) ?? { id: newId, url };
    await this.ledger.reset(recordKey(fresh), {
      id: newId, url, name: rec.name, incognito, startTime: fresh.startTime, session: this.session,
      status: "acted", actedAt: this.now(), actedBy: "restart",
      restartOf: rec.key, eventId: rec.eventId ?? null, interruptions: 0, verifyAt: null,
    });
  }

  /** The only way left is a user gesture: a notification whose click resumes. */
  async _askForClick(item, rec, why) {
    if (item.canResume === false || this.browser !== "chrome") {
      this.log.warn(`download ${item.id} cannot be retried (${why}); telling the user`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this._notify(notificationId("cannot", snapshotKey(rec)),
        cannotRetryNotification({ t: this.t, name: rec.name, iconUrl: this.iconUrl, why }));
      return;
    }
    const id = notificationId("click", snapshotKey(rec));
    await this.ledger.put(rec.key, { status: "left", pending: null, notificationId: id, needsClick: true });
    await this._notify(id, clickToResumeNotification({
      t: this.t, name: rec.name, iconUrl: this.iconUrl, withButton: this.browser === "chrome",
    }));
  }

  /** notifications.onClicked / onButtonClicked: a user gesture; resume if we asked for it. */
  async onNotificationClicked(notifId) {
    if (!String(notifId).startsWith("dlrescue:")) return;
    await this.start("notification");
    await this.reconciled;
    const rec = this.ledger.all().find((r) => r.notificationId === notifId);
    try {
      await this.api.notifications.clear(notifId);
    } catch {
      // already gone
    }
    if (!rec?.needsClick) return;
    const item = await this._itemFor(rec);
    if (!item || item.state !== "interrupted") return;
    const { refused } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
    if (refused) {
      this.log.warn(`resume after click refused: ${refused.message}`);
      return;
    }
    await this.serial(async () => {
      await this.ledger.put(rec.key, {
        status: "acted", needsClick: false, actedBy: "click", actedAt: this.now(),
        verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false,
      });
      this._scheduleVerify(rec.key, VERIFY_AFTER_MS);
    });
  }

  // ---------------------------------------------------------------- the popup

  /** The newest record for a history row: same id and URL if possible, else same URL. */
  _recordFor(downloadId, url) {
    const byUrl = this.ledger.byUrl(url);
    return byUrl.find((r) => r.id === downloadId) ?? byUrl[0];
  }

  /** What the extension itself is doing about a history row (for the popup). */
  localState(downloadId, url) {
    const rec = this._recordFor(downloadId, url);
    if (!rec) return null;
    return {
      status: rec.status, pending: rec.pending ?? null, needsClick: Boolean(rec.needsClick),
      waitingForNetwork: Boolean(rec.pending?.waitOnline && !this.online()),
    };
  }

  /**
   * "Retry now" from the popup. When the popup already resumed the item itself (its click is a
   * user gesture, which Chrome's resume cap respects), we only watch it.
   */
  async retryNow({ downloadId, url, resumedInPopup = false }) {
    await this.start("popup");
    const result = await this.serial(async () => {
      const rec = this._recordFor(downloadId, url);
      let item = await this._item(downloadId);
      if (item && item.url !== url) item = undefined;
      if (!item && rec) item = await this._itemFor(rec);
      const key = item ? recordKey(item) : rec?.key;
      if (key) this._clearTimer(this.actionTimers, key);
      if (item && resumedInPopup) {
        await this.ledger.put(key, {
          id: item.id, url: item.url, name: rec?.name ?? displayName(item), startTime: item.startTime,
          session: this.session, status: "acted", pending: null,
          actedBy: "user", actedAt: this.now(), verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false,
        });
        this._scheduleVerify(key, VERIFY_AFTER_MS);
        return { ok: true, did: "resumed" };
      }
      if (item?.state === "in_progress") return { ok: true, did: "running" };
      if (item?.state === "complete") return { ok: true, did: "complete" };
      const base = rec && rec.key === key ? rec : await this.ledger.reset(key ?? `retry|${url}`, {
        id: item?.id ?? downloadId, url, name: item ? displayName(item) : url, status: "decided",
        startTime: item?.startTime, session: this.session,
      });
      if (item && item.canResume) {
        await this._resume(item, base);
        return { ok: true, did: "resumed" };
      }
      if (!isRefetchable(url)) return { ok: false, did: "none", error: "not_refetchable" };
      await this._restart(item ?? { id: downloadId, url }, base, "retry now");
      return { ok: true, did: "restarted" };
    });
    await this._updateWakeAlarm();
    await this.flush();
    return result;
  }

  /** "Give up" from the popup: drop any plan for this URL and close the episode at the host. */
  async giveUp({ downloadId, url }) {
    await this.start("popup");
    await this.serial(async () => {
      for (const rec of this.ledger.byUrl(url)) {
        this._clearTimer(this.actionTimers, rec.key);
        this._clearTimer(this.verifyTimers, rec.key);
        if (!FINAL_STATUSES.includes(rec.status) || rec.status === "left") {
          await this.ledger.put(rec.key, { status: "closed", outcome: "given_up", pending: null, verifyAt: null, needsClick: false });
        }
      }
      await this.outbox.add({
        key: `outcome:given_up:${url}:${this.now()}`, kind: "outcome", ref: null,
        message: outcomeMessage({ id: downloadId, url, state: "given_up", eventKey: newEventKey() }),
      });
      this.log.info(`given up: download ${downloadId} (${url})`);
    });
    await this._updateWakeAlarm();
    await this.flush();
    return { ok: true };
  }

  /** Everything, for debugging and the end-to-end tests. */
  debugState() {
    return {
      browser: this.browser,
      online: this.online(),
      host: this.port.status(),
      outbox: this.outbox.entries(),
      records: this.ledger.all(),
      timers: { actions: [...this.actionTimers.keys()], verifies: [...this.verifyTimers.keys()] },
    };
  }
}
