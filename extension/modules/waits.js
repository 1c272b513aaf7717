// Every wait of the rescuer in one place: the timer of each download's pending action, the
// timer of each resume check, the look at navigator.onLine while an action waits for the
// network, and the wake alarm that brings a stopped worker back for all of them. The timer
// maps are owned here; the other parts arm and clear through these methods. What runs when
// a wait ends is handed in by the rescuer (`due`), so no part calls another through a timer.

import { serverWaitMs } from "./probe.js";
import { WAKE_ALARM, siteOf, wakeAlarmTime } from "./schedule.js";

const siteOfRecord = (rec) => siteOf(rec.url);

/** While an action waits for the network, check navigator.onLine this often. */
export const ONLINE_POLL_MS = 5000;

/** One timer per key. */
class KeyedTimers {
  constructor(timers) {
    this.timers = timers;
    this.handles = new Map(); // key -> timer handle
  }

  set(key, delay, fn) {
    this.clear(key);
    this.handles.set(key, this.timers.setTimeout(() => {
      this.handles.delete(key);
      fn();
    }, delay));
  }

  clear(key) {
    const handle = this.handles.get(key);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.handles.delete(key);
  }

  has(key) {
    return this.handles.has(key);
  }

  keys() {
    return [...this.handles.keys()];
  }
}

export class Waits {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (alarms)
   * @param {object} o.ledger    a Ledger (pending actions and resume checks)
   * @param {object} o.outbox    an Outbox (when its head is due)
   * @param {{action: (key: string) => any, verify: (key: string) => any, network: () => any}} o.due
   *   what runs when a download's action is due, when its resume check is due, and when the
   *   network is looked at again
   */
  /**
   * @param {() => any} [o.onChange]  after the wake alarm is set again (something waits or
   *   not): the rescuer keeps the system awake while anything is pending (awake.js)
   */
  constructor({ api, ledger, outbox, due, log = console, timers = globalThis, now = () => Date.now(), onChange = () => {} }) {
    Object.assign(this, { api, ledger, outbox, due, log, timers, now, onChange });
    this.actions = new KeyedTimers(timers); // download key -> timer of its pending action
    this.verifies = new KeyedTimers(timers); // download key -> timer of its resume check
    this.onlineTimer = null;
    this.down = new Map(); // site -> {nextAt, tries}: its server did not answer a probe
  }

  /**
   * A probe of `site`'s server got no answer: the site is down, and its next probe is due in
   * 1 s doubling to 60 s (probe.js), whichever download makes it. Until then no download of
   * the site makes a request (`siteDownUntil`): one request per step for the whole site, not
   * one per download. Returns the time of the next probe.
   */
  siteDown(site) {
    if (!site) return this.now();
    const tries = this.down.get(site)?.tries ?? 0;
    const nextAt = this.now() + serverWaitMs(tries);
    this.down.set(site, { nextAt, tries: tries + 1 });
    return nextAt;
  }

  /** When the next probe of a site that is down is due (null when it is not known down). */
  siteDownUntil(site) {
    return (site && this.down.get(site)?.nextAt) ?? null;
  }

  /** Timers for the short waits (re-armed on every start), and the wake alarm for all. */
  arm(key, pending) {
    this.actions.clear(key);
    if (!pending.useAlarm) {
      this.actions.set(key, Math.max(0, pending.dueAt - this.now()), () => this.due.action(key));
    }
    this.updateWakeAlarm();
  }

  /** Arm every pending action and resume check the ledger holds that has no timer yet. */
  armAll() {
    for (const rec of this.ledger.all()) {
      if (rec.pending && !this.actions.has(rec.key)) this.arm(rec.key, rec.pending);
      if (rec.status === "acted" && rec.verifyAt && !this.verifies.has(rec.key)) {
        this.verifyIn(rec.key, Math.max(0, rec.verifyAt - this.now()));
      }
    }
    this.updateWakeAlarm();
  }

  /** Check the resume of download `key` in `delay` ms. */
  verifyIn(key, delay) {
    this.verifies.set(key, delay, () => this.due.verify(key));
  }

  clearAction(key) {
    this.actions.clear(key);
  }

  clearVerify(key) {
    this.verifies.clear(key);
  }

  /** Both timers of a download. */
  clear(key) {
    this.verifies.clear(key);
    this.actions.clear(key);
  }

  /**
   * A download of `site` is verified running again (or completed): the site is back, so the
   * site's waiting actions are due now instead of at their slot: those that wait for the
   * site's probe (`wait: "site"`), and the probe of a paused site (its delay is the pause).
   * Not an action that waits for disk space, nor one whose server asked for a wait itself
   * (Retry-After). Called inside a step. Returns the keys made due.
   */
  async siteBack(site, exceptKey = null) {
    if (!site) return [];
    this.down.delete(site);
    const woken = [];
    for (const rec of this.ledger.all()) {
      const p = rec.pending;
      if (!p || rec.key === exceptKey || p.dueAt <= this.now() || p.wait === "space") continue;
      if ((p.site ?? siteOfRecord(rec)) !== site || Number.isInteger(rec.server?.retry_after_ms)) continue;
      const pending = { ...p, wait: null, dueAt: this.now(), useAlarm: false };
      await this.ledger.put(rec.key, { pending });
      this.arm(rec.key, pending);
      woken.push(rec.key);
    }
    if (woken.length) this.log.info(`${site} answers again: ${woken.length} download(s) that waited for it run now`);
    return woken;
  }

  /** Look at the network again soon (one timer at most). */
  pollOnline() {
    if (this.onlineTimer) return;
    this.log.info("waiting for the network before retrying");
    this.onlineTimer = this.timers.setTimeout(() => {
      this.onlineTimer = null;
      this.due.network();
    }, ONLINE_POLL_MS);
  }

  /** The wake alarm at the first due time of a pending action or of the outbox's head. */
  async updateWakeAlarm() {
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
    this.onChange();
  }

  /** The keys that have a timer, for debugging. */
  state() {
    return { actions: this.actions.keys(), verifies: this.verifies.keys() };
  }
}
