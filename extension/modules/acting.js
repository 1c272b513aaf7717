// Carrying out the host's decisions: a pending action that is due runs (resume, restart, or
// the reconnect of a stalled download), a resume is checked a few seconds later, and when
// only a user gesture can help a notification asks for a click. The Actor is called by the
// rescuer when Waits says an action or a check is due, and by UserActions.

import { isRefetchable } from "./deltas.js";
import { recordKey, snapshotKey } from "./keys.js";
import { notificationId, sourcePage } from "./notify.js";
import { serverWaitMs } from "./probe.js";
import { isContainerRefusal, isTruncated, restartOptions, withoutContainer } from "./restart_plan.js";
import { VERIFY_AFTER_MS, resumeVerdict, startResume } from "./resume_check.js";
import { ALARM_THRESHOLD_MS, SPACE_POLL_MS, isDue, siteOf } from "./schedule.js";

export class Actor {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads, notifications, tabs)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (live item <-> record, the session tag)
   * @param {object} o.waits     Waits (action and check timers, the network poll, the wake alarm)
   * @param {object} o.catcher   the Catcher (a resume that failed again is a new interruption)
   * @param {object} o.delivery  Delivery (outcome `in_progress` after a verified resume)
   * @param {object} o.notifier  a Notifier
   * @param {object} o.running   the RunningWatch (is a pause ours?)
   * @param {object} o.serial    the rescuer's Serial
   * @param {(url: string) => Promise<boolean|undefined>} o.probe  does the server answer?
   * @param {string} o.browser   "chrome" | "firefox"
   * @param {() => boolean} [o.online]  navigator.onLine
   */
  constructor({
    api, ledger, records, waits, catcher, delivery, notifier, running, serial, probe, browser,
    log = console, timers = globalThis, now = () => Date.now(), online = () => true,
  }) {
    Object.assign(this, {
      api, ledger, records, waits, catcher, delivery, notifier, running, serial, probe, browser, log, timers, now, online,
    });
  }

  /** Run every pending action that is due; look at the network again while one waits for it. */
  async runAllDue() {
    let waitingForNetwork = false;
    for (const rec of this.ledger.all()) {
      if (!rec.pending) continue;
      if (isDue(rec.pending, this.now(), this.online())) await this.runDue(rec.key);
      else if (rec.pending.dueAt <= this.now() && rec.pending.waitOnline) waitingForNetwork = true;
    }
    if (waitingForNetwork) this.waits.pollOnline();
  }

  /**
   * Carry out the pending action of one download if it is due (a step).
   * @param {string} key
   * @param {{force?: boolean}} [opts] force: now, online or not (the user pressed "retry now")
   */
  runDue(key, { force = false } = {}) {
    return this.serial.run(async () => {
      const rec = this.ledger.get(key);
      if (!rec?.pending) return;
      if (!force && !isDue(rec.pending, this.now(), this.online())) {
        if (rec.pending.dueAt <= this.now()) this.waits.pollOnline();
        else this.waits.arm(key, rec.pending);
        return;
      }
      this.waits.clearAction(key);
      const item = await this.records.itemFor(rec);
      if (!item) {
        this.log.info(`download ${rec.id} (${rec.name}) is gone; nothing to ${rec.pending.action}`);
        await this.ledger.put(key, { status: "closed", outcome: "erased", pending: null });
        return;
      }
      const stillStalled = rec.stalled && item.state === "in_progress"
        && (!item.paused || this.running.ownsPause(item.id))
        && (Number(item.bytesReceived) || 0) <= (rec.lastBytes ?? 0);
      if (item.state !== "interrupted" && !stillStalled && !(rec.truncated && isTruncated(item))) {
        await this.catcher.takenOver(item, rec);
        return;
      }
      // the disk is full: ask the host (outside the step) whether it has room now
      if (rec.pending.wait === "space" && !force) return { space: item.filename || rec.filename };
      if (rec.reachable === false && !force && !(await this._serverAnswers(item, rec))) return;
      if (stillStalled) await this._reconnect(item, rec);
      else if (rec.pending.action === "resume") await this.resume(item, rec);
      else await this.restart(item, rec, "decision");
      return undefined;
    }).then(async (after) => {
      if (after?.space !== undefined) await this._spaceCheck(key, after.space);
      else await this.waits.updateWakeAlarm();
    });
  }

  /**
   * A download that waits for disk space (`wait: "space"`): the host says whether the folder
   * of its file has `bytesNeeded` free now. Enough: the action runs now. Not yet, or the host
   * could not be asked: look again in SPACE_POLL_MS (a timer; the wake alarm as a safety
   * net). Talking to the host holds no step.
   */
  async _spaceCheck(key, path) {
    const needed = this.ledger.get(key)?.pending?.bytesNeeded ?? 0;
    const answer = await this.delivery.askSpace(path, needed);
    const enough = await this.serial.run(async () => {
      const rec = this.ledger.get(key);
      if (rec?.pending?.wait !== "space") return false; // given up, retried, taken over meanwhile
      if (answer?.enough) {
        this.log.info(`download ${rec.id}: the disk has room now${answer.free === null ? "" : ` (${answer.free} bytes free)`}; acting`);
        await this.ledger.put(key, { pending: { ...rec.pending, wait: null, dueAt: this.now(), useAlarm: false } });
        return true;
      }
      const pending = {
        ...rec.pending, dueAt: this.now() + SPACE_POLL_MS, useAlarm: false, freeBytes: answer?.free ?? rec.pending.freeBytes ?? null,
      };
      this.log.info(`download ${rec.id} waits for disk space: ${answer ? `${answer.free} bytes free, ${needed} more needed` : "the host could not be asked"};`
        + ` looking again in ${SPACE_POLL_MS / 1000} s`);
      await this.ledger.put(key, { pending });
      this.waits.arm(key, pending);
      return false;
    });
    if (enough) await this.runDue(key);
    else await this.waits.updateWakeAlarm();
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
    this.waits.arm(rec.key, pending);
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
      const paused = (await this.records.item(item.id)) ?? item;
      await this.resume(paused, rec);
      return;
    }
    try {
      await this.api.downloads.cancel(item.id); // frees the name for the new download
    } catch (e) {
      this.log.warn(`downloads.cancel(${item.id}) of the stalled download failed: ${e?.message ?? e}`);
    }
    await this.restart(item, rec, "stalled");
  }

  /** Resume a download (a restart when the browser refuses), then check it in a few seconds. */
  async resume(item, rec) {
    this.log.info(`resuming download ${item.id} (${rec.name})`);
    const { refused, failed } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
    if (refused) {
      this.log.warn(`downloads.resume(${item.id}) refused: ${refused.message}; restarting instead`);
      await this.restart(item, rec, `resume refused: ${refused.message}`);
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
    this.waits.verifyIn(rec.key, VERIFY_AFTER_MS);
  }

  /** A few seconds after a resume: is it running? If Chrome ignored it, fall back (a step). */
  verify(key) {
    return this.serial.run(async () => {
      const rec = this.ledger.get(key);
      if (!rec || rec.status !== "acted" || !rec.verifyAt) return;
      const item = await this.records.itemFor(rec);
      const verdict = resumeVerdict(item, Boolean(rec.sawInProgress));
      this.log.info(`resume check for download ${rec.id}: ${verdict}`);
      if (verdict === "gone") {
        await this.ledger.put(key, { status: "closed", outcome: "erased", verifyAt: null });
        return;
      }
      await this.ledger.put(key, { verifyAt: null });
      if (verdict === "ok") {
        if (item.state === "in_progress") await this.delivery.queueOutcome(item, "in_progress", rec);
        // the site answers again: its downloads that wait for its probe go now
        await this.waits.siteBack(siteOf(rec.url ?? item.url), key);
      } else if (verdict === "reinterrupted") {
        await this.catcher.newInterruption(item, this.ledger.get(key));
      } else {
        await this._ignored(item, this.ledger.get(key));
      }
    });
  }

  /** resume() was accepted but nothing happened. */
  async _ignored(item, rec) {
    if (item.canResume !== false && this.browser === "chrome") {
      // Chrome ignores a resume without a user gesture once the item's count is spent
      // (an item rebuilt after a browser restart, retries faster than the running watch):
      // a restart would throw the partial file away. A click on a notification is a
      // user gesture: ask for it, and keep the file.
      this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened`
        + " (Chrome ignores resumes without a user gesture once its count is spent);"
        + " asking for a click, the partial file is kept");
      await this._askForClick(item, rec, "resume ignored");
      return;
    }
    this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened; restarting`);
    await this.restart(item, rec, "resume ignored");
  }

  /**
   * Start the URL afresh (the host keys the episode by URL, so it continues). Falls back to a
   * notification the user can click when the URL cannot be fetched again.
   */
  async restart(item, rec, why) {
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
    const discarded = await this._clearForRestart(item);
    const options = restartOptions({ item, url, incognito, browser: this.browser });
    let started;
    try {
      started = await this._download(options);
    } catch (e) {
      this.log.error(`downloads.download(${url}) failed: ${e?.message ?? e}`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this.notifier.cannotRetry(rec, e?.message ?? String(e));
      return;
    }
    const { newId, filename } = started;
    this.log.info(`restarted download ${item.id} as ${newId} (${why}): ${rec.name}`
      + `${filename ? ` as ${filename}` : ""}`);
    await this.ledger.put(rec.key, { status: "replaced", pending: null, replacedBy: newId, verifyAt: null, discarded });
    const fresh = (await this.records.item(newId)) ?? { id: newId, url };
    await this.ledger.reset(recordKey(fresh), {
      id: newId, url, name: rec.name, incognito, startTime: fresh.startTime, session: this.records.session,
      status: "acted", actedAt: this.now(), actedBy: "restart",
      restartOf: rec.key, eventId: rec.eventId ?? null, interruptions: 0, verifyAt: null,
    });
  }

  /**
   * Before a restart: a truncated file's bytes are wrong and it holds the chosen name, so it
   * goes; an interrupted item's partial data is never used again, and in Firefox a resumable
   * item keeps an empty placeholder under the chosen name (the restart would become
   * "name(1).bin"): cancel() discards both. The item stays in the list until the restart
   * completes. True when the partial data was discarded.
   */
  async _clearForRestart(item) {
    if (isTruncated(item)) {
      try {
        await this.api.downloads.removeFile(item.id);
        this.log.info(`removed the truncated file of download ${item.id} before restarting it`);
      } catch (e) {
        this.log.warn(`downloads.removeFile(${item.id}) failed: ${e?.message ?? e}`);
      }
    }
    if (item.state !== "interrupted" || !Number.isInteger(item.id)) return false;
    try {
      await this.api.downloads.cancel(item.id);
      return true;
    } catch (e) {
      this.log.info(`downloads.cancel(${item.id}) before the restart refused: ${e?.message ?? e}`);
      return false;
    }
  }

  /** downloads.download(options); outside the container when Firefox refuses it. Throws. */
  async _download(options) {
    try {
      return { newId: await this.api.downloads.download(options), filename: options.filename };
    } catch (e) {
      if (!options.cookieStoreId || !isContainerRefusal(e)) throw e;
      this.log.warn(`downloads.download refused the container ${options.cookieStoreId} (${e?.message ?? e});`
        + " restarting outside it (keeping a container needs the \"cookies\" permission)");
      const outside = withoutContainer(options);
      return { newId: await this.api.downloads.download(outside), filename: outside.filename };
    }
  }

  /** The only way left is a user gesture: a notification whose click resumes. */
  async _askForClick(item, rec, why) {
    if (item.canResume === false || this.browser !== "chrome") {
      this.log.warn(`download ${item.id} cannot be retried (${why}); telling the user`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this.notifier.cannotRetry(rec, why);
      return;
    }
    const id = notificationId("click", snapshotKey(rec));
    await this.ledger.put(rec.key, { status: "left", pending: null, notificationId: id, needsClick: true });
    await this.notifier.clickToResume(id, rec);
  }

  /**
   * A click on one of our notifications (a user gesture): resume the download if we asked
   * for the click; for a download left alone, open the page it came from.
   */
  async clicked(notifId) {
    const rec = this.ledger.all().find((r) => r.notificationId === notifId);
    try {
      await this.api.notifications.clear(notifId);
    } catch {
      // already gone
    }
    if (rec && !rec.needsClick && rec.status === "left") {
      // a download left alone (an expired link, a refusal): open the page it came from
      await this._openSource(rec);
      return;
    }
    if (!rec?.needsClick) return;
    const item = await this.records.itemFor(rec);
    if (!item || item.state !== "interrupted") return;
    const { refused } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
    if (refused) {
      this.log.warn(`resume after click refused: ${refused.message}`);
      return;
    }
    await this.serial.run(async () => {
      await this.ledger.put(rec.key, {
        status: "acted", needsClick: false, actedBy: "click", actedAt: this.now(),
        verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false,
      });
      this.waits.verifyIn(rec.key, VERIFY_AFTER_MS);
    });
  }

  async _openSource(rec) {
    const page = sourcePage(rec);
    if (!page) return;
    try {
      await this.api.tabs?.create({ url: page });
    } catch (e) {
      this.log.warn(`could not open ${page}: ${e?.message ?? e}`);
    }
  }
}
