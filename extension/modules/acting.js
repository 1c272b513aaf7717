// Carrying out the host's decisions when they are due: a pending action runs (a resume, a
// restart, or the reconnect of a stalled download) once its time, the network, the server
// and the disk allow. The Actor is called by the rescuer when Waits says an action is due,
// and by UserActions; the resume itself and its check are the Resumer's (resuming.js), the
// restart the Restarter's (restarting.js).

import { serverWaitMs } from "./probe.js";
import { isTruncated } from "./restart_plan.js";
import { ALARM_THRESHOLD_MS, SPACE_POLL_MS, isDue, siteOf } from "./schedule.js";

export class Actor {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads: pause, cancel)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (live item <-> record)
   * @param {object} o.waits     Waits (action timers, the network poll, the wake alarm)
   * @param {object} o.catcher   the Catcher (a download someone else took over)
   * @param {object} o.delivery  Delivery (the host's `space` answer)
   * @param {object} o.notifier  the Notifier (a notification past)
   * @param {object} o.running   the RunningWatch (is a pause ours?)
   * @param {object} o.resumer   the Resumer (resume, then check)
   * @param {object} o.restarter the Restarter (start the URL afresh)
   * @param {object} o.serial    the rescuer's Serial
   * @param {(url: string) => Promise<boolean|undefined>} o.probe  does the server answer?
   * @param {string} o.browser   "chrome" | "firefox"
   * @param {() => boolean} [o.online]  navigator.onLine
   */
  constructor({
    api, ledger, records, waits, catcher, delivery, notifier, running, resumer, restarter, serial, probe, browser,
    log = console, now = () => Date.now(), online = () => true,
  }) {
    Object.assign(this, {
      api, ledger, records, waits, catcher, delivery, notifier, running, resumer, restarter, serial, probe, browser, log, now, online,
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
        await this.notifier.dismiss(rec);
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
      // a site that is down is probed by one download per step; the others wait for it
      const site = rec.pending.site ?? siteOf(rec.url ?? item.url);
      const downUntil = force ? null : this.waits.siteDownUntil(site);
      if (downUntil !== null && downUntil > this.now()) return this._deferTo(rec, downUntil);
      if ((rec.reachable === false || downUntil !== null) && !force && !(await this._serverAnswers(item, rec, site))) return;
      if (stillStalled) await this._reconnect(item, rec);
      else if (rec.pending.action === "resume") await this.resumer.resume(item, rec);
      else await this.restarter.restart(item, rec, "decision");
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
        // the notification asked for room (and in Chrome offered to keep the bytes): past
        await this.notifier.dismiss(rec);
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
   * 60 s: one request per step at most, none at all while connections are refused). The
   * steps are the site's (Waits.siteDown): its other downloads wait for the same probe.
   */
  async _serverAnswers(item, rec, site = null) {
    if (await this.probe(item.finalUrl || item.url || rec.url)) {
      this.log.info(`the server of download ${rec.id} answers again`);
      this.waits.down.delete(site);
      await this.ledger.put(rec.key, { reachable: true, serverWaits: 0 });
      return true;
    }
    const tries = rec.serverWaits ?? 0;
    const wait = site ? this.waits.siteDown(site) - this.now() : serverWaitMs(tries);
    this.log.info(`the server of download ${rec.id} does not answer; looking again in ${Math.round(wait / 1000)} s`);
    await this._deferTo(rec, this.now() + wait, { serverWaits: tries + 1 });
    return false;
  }

  /** Put a pending action off until `dueAt` (no request now). */
  async _deferTo(rec, dueAt, extra = {}) {
    const pending = { ...rec.pending, dueAt, useAlarm: dueAt - this.now() >= ALARM_THRESHOLD_MS };
    await this.ledger.put(rec.key, { pending, ...extra });
    this.waits.arm(rec.key, pending);
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
      await this.resumer.resume(paused, rec);
      return;
    }
    try {
      await this.api.downloads.cancel(item.id); // frees the name for the new download
    } catch (e) {
      this.log.warn(`downloads.cancel(${item.id}) of the stalled download failed: ${e?.message ?? e}`);
    }
    await this.restarter.restart(item, rec, "stalled");
  }
}
