// Carrying out the host's decisions: the timers and alarms that wait, resume (then check it
// worked), restart, and the notifications that ask for a click. Methods of Rescuer (mixed
// into it by rescuer.js), split out to keep each file readable in one sitting; they use the
// rescuer's state (ledger, timers, api, log) through `this`.

import { isRefetchable } from "./deltas.js";
import { recordKey, snapshotKey } from "./keys.js";
import { cannotRetryNotification, clickToResumeNotification, notificationId, sourcePage } from "./notify.js";
import { isContainerRefusal, isTruncated, restartOptions, withoutContainer } from "./restart_plan.js";
import { VERIFY_AFTER_MS, resumeVerdict, startResume } from "./resume_check.js";
import { serverWaitMs } from "./probe.js";
import { ALARM_THRESHOLD_MS, WAKE_ALARM, WATCH_ALARM, isDue, wakeAlarmTime } from "./schedule.js";

/** While an action waits for the network, check navigator.onLine this often. */
export const ONLINE_POLL_MS = 5000;

export class Acting {
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
      const stillStalled = rec.stalled && item.state === "in_progress"
        && (!item.paused || this.running.ownsPause(item.id))
        && (Number(item.bytesReceived) || 0) <= (rec.lastBytes ?? 0);
      if (item.state !== "interrupted" && !stillStalled && !(rec.truncated && isTruncated(item))) {
        await this._takenOver(item, rec);
        return;
      }
      if (rec.reachable === false && !force && !(await this._serverAnswers(item, rec))) return;
      if (stillStalled) await this._reconnect(item, rec);
      else if (rec.pending.action === "resume") await this._resume(item, rec);
      else await this._restart(item, rec, "decision");
    }).then(() => this._updateWakeAlarm());
  }

  /**
   * The last attempt added nothing and the server did not answer a probe: an outage. Before
   * an attempt is spent, probe again; while it still does not answer, wait (1 s doubling to
   * 60 s: one request per step at most, none at all while connections are refused).
   */
  async _serverAnswers(item, rec) {
    if (await this.probe(item.finalUrl || item.url || rec.url)) {
      this.log.info(`the server of download ${rec.id} answers again`);
      await this.ledger.put(rec.key, { reachable: true, serverWaits: 0 });
      return true;
    }
    const tries = rec.serverWaits ?? 0;
    const wait = serverWaitMs(tries);
    this.log.info(`the server of download ${rec.id} does not answer; looking again in ${Math.round(wait / 1000)} s`);
    const pending = { ...rec.pending, dueAt: this.now() + wait, useAlarm: wait >= ALARM_THRESHOLD_MS };
    await this.ledger.put(rec.key, { pending, serverWaits: tries + 1 });
    this._arm(rec.key, pending);
    return false;
  }

  /**
   * A stalled download is still running on a connection that sends nothing. Firefox: a
   * pause drops that connection and a resume asks for the rest on a new one (Range), so
   * nothing is fetched twice. Chrome: a pause keeps the same connection (measured: no new
   * request after a pause of 25 s), and no extension API can drop it without discarding the
   * partial file; so the stalled one is cancelled and the download starts again under the
   * same name.
   */
  async _reconnect(item, rec) {
    if (this.browser === "firefox") {
      this.log.info(`reconnecting stalled download ${item.id} (pause, then resume with Range)`);
      try {
        await this.api.downloads.pause(item.id);
      } catch (e) {
        this.log.warn(`downloads.pause(${item.id}) failed: ${e?.message ?? e}`);
      }
      const paused = (await this._item(item.id)) ?? item;
      await this._resume(paused, rec);
      return;
    }
    try {
      await this.api.downloads.cancel(item.id); // frees the name for the new download
    } catch (e) {
      this.log.warn(`downloads.cancel(${item.id}) of the stalled download failed: ${e?.message ?? e}`);
    }
    await this._restart(item, rec, "stalled");
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
      } else if (item.canResume !== false && this.browser === "chrome") {
        // Chrome ignores a resume without a user gesture once the item's count is spent
        // (an item rebuilt after a browser restart, retries faster than the running watch):
        // a restart would throw the partial file away. A click on a notification is a
        // user gesture: ask for it, and keep the file.
        this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened`
          + " (Chrome ignores resumes without a user gesture once its count is spent);"
          + " asking for a click, the partial file is kept");
        await this.ledger.put(key, { verifyAt: null });
        await this._askForClick(item, this.ledger.get(key), "resume ignored");
      } else {
        this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened; restarting`);
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
    if (isTruncated(item)) {
      // the cut file holds the chosen name; its bytes are wrong and a restart fetches them all
      try {
        await this.api.downloads.removeFile(item.id);
        this.log.info(`removed the truncated file of download ${item.id} before restarting it`);
      } catch (e) {
        this.log.warn(`downloads.removeFile(${item.id}) failed: ${e?.message ?? e}`);
      }
    }
    let discarded = false;
    if (item.state === "interrupted" && Number.isInteger(item.id)) {
      // A restart never uses the old partial data, and in Firefox a resumable item keeps an
      // empty placeholder under the chosen name (the restart would become "name(1).bin"):
      // cancel() discards both. The item stays in the list until the restart completes.
      try {
        await this.api.downloads.cancel(item.id);
        discarded = true;
      } catch (e) {
        this.log.info(`downloads.cancel(${item.id}) before the restart refused: ${e?.message ?? e}`);
      }
    }
    let options = restartOptions({ item, url, incognito, browser: this.browser });
    let newId;
    try {
      try {
        newId = await this.api.downloads.download(options);
      } catch (e) {
        if (!options.cookieStoreId || !isContainerRefusal(e)) throw e;
        this.log.warn(`downloads.download refused the container ${options.cookieStoreId} (${e?.message ?? e});`
          + " restarting outside it (keeping a container needs the \"cookies\" permission)");
        options = withoutContainer(options);
        newId = await this.api.downloads.download(options);
      }
    } catch (e) {
      this.log.error(`downloads.download(${url}) failed: ${e?.message ?? e}`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this._notify(notificationId("cannot", snapshotKey(rec)),
        cannotRetryNotification({ t: this.t, name: rec.name, iconUrl: this.iconUrl, why: e?.message ?? String(e) }));
      return;
    }
    this.log.info(`restarted download ${item.id} as ${newId} (${why}): ${rec.name}`
      + `${options.filename ? ` as ${options.filename}` : ""}`);
    await this.ledger.put(rec.key, { status: "replaced", pending: null, replacedBy: newId, verifyAt: null, discarded });
    const fresh = (await this._item(newId)) ?? { id: newId, url };
    await this.ledger.reset(recordKey(fresh), {
      id: newId, url, name: rec.name, incognito, startTime: fresh.startTime, session: this.session,
      status: "acted", actedAt: this.now(), actedBy: "restart",
      restartOf: rec.key, eventId: rec.eventId ?? null, interruptions: 0, verifyAt: null,
    });
  }

  /**
   * A restarted download completed: the dead downloads it replaced (a restart of a restart
   * replaced two) leave the list, and their partial files the disk, so that one file with
   * the chosen name is left. downloads.removeFile() refuses an incomplete item in both
   * browsers ("Cannot remove incomplete download"); cancel() discards its partial data
   * (Firefox deletes the .part and the placeholder; Chromium the .crdownload of a resumable
   * item, a non-resumable one's being gone already) -- done before the restart already,
   * unless the browser refused then -- and erase() drops it from the list. An old item that
   * is no longer interrupted (the user resumed it by hand) is left alone.
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
      const item = await this._itemFor(old);
      if (item && item.state !== "interrupted" && !old.truncated) continue;
      if (item) {
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
          continue;
        }
        this.log.info(`erased download ${item.id}, replaced by ${old.replacedBy} which completed`);
      }
      await this.ledger.put(old.key, { erased: true });
    }
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
    if (rec && !rec.needsClick && rec.status === "left") {
      // a download left alone (an expired link, a refusal): open the page it came from
      const page = sourcePage(rec);
      if (page) {
        try {
          await this.api.tabs?.create({ url: page });
        } catch (e) {
          this.log.warn(`could not open ${page}: ${e?.message ?? e}`);
        }
      }
      return;
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
}
