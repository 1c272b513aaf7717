// Catching interruptions: downloads.onChanged (either delta shape), downloads.onCreated, the
// running watch's stalls, and the reconciliation with the browser's download list on every
// start. A new interruption becomes a ledger record "queued" and an `interrupted` message in
// the outbox (through Delivery); one that added no bytes is probed first (probe.js), so the
// host hears whether the server answers. Completions and downloads someone else resumed
// are caught here too. Every state change runs as a step of the shared Serial.

import { becameInterrupted, displayName, enteredState, isInterruption } from "./deltas.js";
import { downloadKey, recordKey } from "./keys.js";
import { TRUNCATED_REASON, isTruncated } from "./restart_plan.js";
import { WATCH_ALARM, WATCH_PERIOD_MINUTES, siteOf } from "./schedule.js";

/** Interrupted downloads older than this are not forwarded by reconciliation (old history). */
export const RECONCILE_HORIZON_MS = 7 * 24 * 3600 * 1000;

/** dlrescue's own reason for a download whose server stopped sending (the host knows it). */
export const STALL_REASON = "NETWORK_STALLED";

/** Record statuses whose download reaching `complete` is news (an outcome, or a truncation). */
const WATCHED = ["acted", "decided", "left", "queued"];

export class Catcher {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads, alarms)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (live item <-> record, the session tag)
   * @param {object} o.waits     Waits (timers of a download dropped; re-armed on reconcile)
   * @param {object} o.delivery  Delivery (messages queued for the host)
   * @param {object} o.notifier  the Notifier (a notification past)
   * @param {object} o.running   the RunningWatch
   * @param {object} o.serial    the rescuer's Serial
   * @param {(url: string) => Promise<boolean|undefined>} o.probe  does the server answer?
   * @param {string} o.browser   "chrome" | "firefox"
   * @param {object} [o.signals]  ServerSignals (server_signals.js): what the server answered,
   *   when the user let the extension see it
   */
  constructor({ api, ledger, records, waits, delivery, notifier, running, serial, probe, browser, signals = null, log = console, now = () => Date.now() }) {
    Object.assign(this, { api, ledger, records, waits, delivery, notifier, running, serial, probe, browser, signals, log, now });
  }

  // ---------------------------------------------------------------- events

  /**
   * The synchronous part of downloads.onChanged: a download that starts running is watched
   * at once. True when the delta changed the state (changed() has something to look at).
   */
  seen(delta) {
    if (enteredState(delta) === "in_progress") {
      this.running.start(delta.id);
      this.watch(true);
    }
    return Boolean(enteredState(delta));
  }

  /** downloads.onCreated: a running download is watched. */
  async created(item) {
    if (item?.state === "in_progress") {
      this.running.start(item.id);
      await this.watch(true);
    }
  }

  /** Keep the watch alarm while downloads run; drop it when none does. */
  async watch(on) {
    try {
      const existing = await this.api.alarms.get(WATCH_ALARM);
      if (on && !existing) await this.api.alarms.create(WATCH_ALARM, { periodInMinutes: WATCH_PERIOD_MINUTES });
      else if (!on && existing) await this.api.alarms.clear(WATCH_ALARM);
    } catch (e) {
      this.log.warn("watch alarm failed", e);
    }
  }

  /** A state change of a download (a step). */
  changed(delta) {
    return this.serial.run(() => this._handleChange(delta));
  }

  async _handleChange(delta) {
    const state = enteredState(delta);
    const item = await this.records.item(delta.id);
    if (!item) return;
    const rec = await this.records.find(item);
    if (becameInterrupted(delta)) {
      await this._interrupted(item, rec);
    } else if (state === "in_progress" && rec) {
      if (rec.status === "acted" && rec.verifyAt) {
        await this.ledger.put(recordKey(item), { sawInProgress: true });
      } else if (["decided", "left"].includes(rec.status)) {
        await this.takenOver(item, rec);
      }
    } else if (state === "complete" && (rec ? WATCHED.includes(rec.status) : isTruncated(item))) {
      await this.completed(item, rec);
    }
  }

  /** onChanged said `interrupted`: a new interruption, unless it is not one (or not ours). */
  async _interrupted(item, rec) {
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
    await this.newInterruption(item, rec);
  }

  /**
   * The running watch found a download that receives nothing while its connection stays
   * open: an interruption the browser never reports. It goes to the host as NETWORK_STALLED;
   * the Actor reconnects it when the host says so (a step).
   */
  stalled(item) {
    return this.serial.run(async () => {
      const now = await this.records.item(item.id);
      const heldByUser = now?.paused && !this.running.ownsPause(now.id);
      if (!now || now.state !== "in_progress" || heldByUser) return; // it moved on meanwhile
      const rec = await this.records.find(now) ?? this.ledger.get(recordKey(now));
      if (rec?.status === "queued" || rec?.pending) return; // already on its way
      if (rec?.status === "acted" && rec.actedBy === "keep") return; // kept by the user: Chrome's Save As may be open
      const cut = { ...now, state: "interrupted", error: STALL_REASON, canResume: true };
      await this.newInterruption(cut, rec, { stalled: true });
    });
  }

  // ---------------------------------------------------------------- reconciliation

  /**
   * Forward every interrupted download that was never decided, report completions that were
   * missed, re-arm pending actions (a step). Searches everything and filters by state here
   * (Chromium's search({state: "interrupted"}) missed an item interrupted before the worker
   * started).
   */
  reconcile(reason) {
    return this.serial.run(async () => {
      let items = [];
      try {
        items = await this.api.downloads.search({});
      } catch (e) {
        this.log.error("reconcile: downloads.search({}) failed", e);
      }
      let forwarded = 0;
      const horizon = this.now() - RECONCILE_HORIZON_MS;
      for (const item of items ?? []) {
        if (await this._reconcileOne(item, horizon)) forwarded += 1;
      }
      this.log.info(`reconcile (${reason}): ${items?.length ?? 0} downloads, ${forwarded} interruption(s) forwarded`);
      this.waits.armAll();
      const running = (items ?? []).filter((i) => i.state === "in_progress");
      for (const i of running) this.running.start(i.id);
      await this.watch(running.length > 0);
    });
  }

  /** One download of the list against its record; true when an interruption was forwarded. */
  async _reconcileOne(item, horizon) {
    const rec = await this.records.find(item);
    if (isInterruption(item)) {
      if (!rec) {
        const when = Date.parse(item.endTime ?? item.startTime ?? "");
        if (Number.isFinite(when) && when < horizon) return false;
        await this.newInterruption(item, undefined);
        return true;
      }
      if (rec.status === "queued" && !this.delivery.isQueued(rec.outboxKey)) {
        await this.delivery.queueInterrupted(item, rec); // the worker died between two writes
        return true;
      }
      if (rec.status === "acted" && rec.verifyAt) {
        this.waits.verifyIn(recordKey(item), 0);
      } else if (rec.status === "acted") {
        await this.newInterruption(item, rec); // it failed again while we were not running
        return true;
      }
    } else if (rec && item.state === "complete" && WATCHED.includes(rec.status)) {
      await this.completed(item, rec);
    } else if (rec && item.state === "in_progress" && rec.status === "decided") {
      await this.takenOver(item, rec); // resumed by the user while we were not running
    }
    return false;
  }

  // ---------------------------------------------------------------- what became of a download

  /** Someone (the user) resumed a download we were holding: drop our plan, watch it. */
  async takenOver(item, rec) {
    this.waits.clearAction(rec.key);
    this.log.info(`download ${item.id} is running again without us; pending ${rec.pending?.action ?? "nothing"} dropped`);
    await this.ledger.put(rec.key, { status: "acted", pending: null, verifyAt: null, actedBy: "user" });
    await this.notifier.dismiss(rec);
  }

  /**
   * A download we handled reached `complete`. One that holds fewer bytes than it announced
   * (Chromium marks a short body complete when the server sent no ETag/Last-Modified) is not
   * complete: the host hears outcome `truncated`, then an interruption
   * SERVER_CONTENT_LENGTH_MISMATCH that cannot resume, so it decides a restart. A restarted
   * download that completed takes the dead downloads it replaced off the list and the disk.
   */
  async completed(item, rec) {
    const key = rec?.key ?? recordKey(item);
    this.waits.clear(key);
    if (isTruncated(item)) {
      if (rec?.truncated) return; // reported already (reconciliation sees it complete again)
      this.log.warn(`download ${item.id} "completed" with ${item.bytesReceived} of ${item.totalBytes} bytes:`
        + ` truncated (${displayName(item)}); reported as an interruption`);
      // an episode the host knows ends `truncated`; a first try that came short only starts one
      if (rec) await this.delivery.queueOutcome(item, "truncated", rec);
      const cut = { ...item, state: "interrupted", error: TRUNCATED_REASON, canResume: false };
      await this.newInterruption(cut, rec ? { ...rec, reportedInterrupted: true } : undefined);
      await this.ledger.put(key, { truncated: true });
      return;
    }
    this.log.info(`download ${item.id} complete: ${displayName(item)}`);
    await this.ledger.put(rec.key, { status: "closed", outcome: "complete", pending: null, verifyAt: null });
    await this.notifier.dismiss(rec);
    await this.waits.siteBack(siteOf(rec.url ?? item.url), rec.key);
    await this.delivery.queueOutcome(item, "complete", rec);
    await this._eraseReplaced(rec);
  }

  /**
   * A new interruption of a download: record it and queue it for the host. An attempt is
   * judged by the bytes it added: one that added nothing (or a first try that got nothing)
   * is followed by a probe of the server, and the host hears whether it answered
   * (`reachable`), so an outage spends no attempt and an answering server that sends
   * nothing (an expired link) is given up soon. `stalled`: the running watch found it
   * stalled (still running; the host hears NETWORK_STALLED), probed too (an outage's).
   */
  async newInterruption(item, rec, { stalled = false } = {}) {
    if (rec && rec.status === "acted" && !rec.reportedInterrupted) {
      // the retry we made ended interrupted: report that outcome before the new event
      await this.delivery.queueOutcome(item, "interrupted", rec);
    }
    const key = recordKey(item);
    const occurredAt = this.now(); // caught now: the host records it at this time, however late it is sent
    this.waits.clear(key);
    await this.notifier.dismiss(rec); // about the last interruption: past
    const n = (rec?.interruptions ?? 0) + 1;
    const bytes = Number(item.bytesReceived) || 0;
    const progressed = bytes > (rec?.lastBytes ?? 0);
    // a stall is probed too: during an outage the browser's own retries look like one
    const reachable = progressed && !stalled ? undefined : await this._reachable(item, n > 1);
    const fields = {
      id: item.id, url: item.url, name: displayName(item), incognito: Boolean(item.incognito),
      startTime: item.startTime, session: this.records.session, status: "queued", interruptions: n,
      outboxKey: `interrupted:${downloadKey(item)}#${n}`, error: item.error,
      pending: null, verifyAt: null, sawInProgress: false, restartOf: rec?.restartOf ?? null,
      lastBytes: bytes, reachable: reachable ?? null, serverWaits: 0, stalled, occurredAt,
      referrer: item.referrer || rec?.referrer || null, filename: item.filename || rec?.filename || null,
      // the server's status, Retry-After, network error (with the user's consent only)
      server: stalled ? null : await this._serverAnswer(item),
    };
    // a record under this key that is not this download is stale: start afresh
    const updated = rec ? await this.ledger.put(key, fields) : await this.ledger.reset(key, fields);
    this.log.info(`download ${item.id} interrupted: ${item.error} (${updated.name}) at ${bytes} bytes`
      + `${progressed ? "" : `, no progress; server ${reachable === undefined ? "not probed" : reachable ? "answers" : "does not answer"}`}`
      + "; queued for the host");
    await this.delivery.queueInterrupted(item, updated);
  }

  /** What the server last answered for this download (webRequest, with consent), or null. */
  async _serverAnswer(item) {
    const fields = (await this.signals?.fieldsSoon(item)) ?? {};
    return Object.keys(fields).length ? fields : null;
  }

  /**
   * Whether the server answers, for an attempt that added nothing. A SERVER_* reason is its
   * own answer (no request needed), and so is Firefox's NETWORK_FAILED with canResume false
   * after a resume or with bytes kept (a resume answered 416). A fresh attempt's
   * (`resumedBefore` false: a first try or a restart) with nothing received is probed, else a
   * restart during an outage would be taken for an answer and restarted until its attempts
   * ran out; Firefox counts from 0 again after a resume answered 403 and after a refused
   * connection alike. Other network failures are probed (not while their site is known down
   * and its next probe is still to come: false); a file, user or crash reason says nothing
   * about the server (undefined).
   */
  async _reachable(item, resumedBefore) {
    const reason = String(item.error ?? "");
    const refusedResume = resumedBefore || Number(item.bytesReceived) > 0;
    if (this.browser === "firefox" && reason === "NETWORK_FAILED" && item.canResume === false && refusedResume) return true;
    if (reason.startsWith("NETWORK_") || reason === "SERVER_UNREACHABLE") {
      // one probe per step for a site that is down (Waits.siteDown), whichever download asks
      const site = siteOf(item.url);
      if ((this.waits.siteDownUntil(site) ?? 0) > this.now()) return false;
      const answers = await this.probe(item.finalUrl || item.url);
      if (answers === false) this.waits.siteDown(site);
      return answers;
    }
    return reason.startsWith("SERVER_") ? true : undefined;
  }

  /**
   * A restarted download completed: the dead downloads it replaced (a restart of a restart
   * replaced two) leave the list, and their partial files the disk: one file with the chosen
   * name is left. removeFile() refuses an incomplete item in both browsers; cancel() discards
   * its partial data (Firefox's .part and placeholder; Chromium's .crdownload, a
   * non-resumable one's gone already) -- done before the restart unless refused then -- and
   * erase() drops it from the list. An old item no longer interrupted (resumed by hand) stays.
   */
  async _eraseReplaced(rec) {
    const seen = new Set();
    let key = rec?.restartOf;
    while (key && !seen.has(key)) {
      seen.add(key);
      const old = this.ledger.get(key);
      if (!old) break;
      key = old.restartOf;
      if (old.status !== "replaced" || old.erased) continue;
      const item = await this.records.itemFor(old);
      if (item && item.state !== "interrupted" && !old.truncated) continue;
      if (item && !(await this._discard(item, old))) continue;
      await this.ledger.put(old.key, { erased: true });
    }
  }

  /** Take a replaced item off the list (its partial data first); false when erase failed. */
  async _discard(item, old) {
    if (!old.discarded) {
      try {
        await this.api.downloads.cancel(item.id);
      } catch (e) {
        this.log.info(`downloads.cancel(${item.id}) refused: ${e?.message ?? e}`);
      }
    }
    try {
      await this.api.downloads.erase({ id: item.id });
    } catch (e) {
      this.log.warn(`downloads.erase({id: ${item.id}}) failed: ${e?.message ?? e}`);
      return false;
    }
    this.log.info(`erased download ${item.id}, replaced by ${old.replacedBy} which completed`);
    return true;
  }
}
