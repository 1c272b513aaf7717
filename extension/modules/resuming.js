// A resume and its check: downloads.resume() started (a restart when the browser refuses
// it), and a few seconds later a look at whether it runs; when Chrome ignored it, a click
// on a notification (a user gesture) or a restart. Called by the Actor and UserActions; the
// check by the rescuer when Waits says it is due.

import { VERIFY_AFTER_MS, resumeVerdict, startResume } from "./resume_check.js";
import { siteOf } from "./schedule.js";

export class Resumer {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads.resume)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (live item <-> record)
   * @param {object} o.waits     Waits (the check's timer; a site that answers again)
   * @param {object} o.catcher   the Catcher (a resume that failed again is a new interruption)
   * @param {object} o.delivery  Delivery (outcome `in_progress` after a verified resume)
   * @param {object} o.restarter the Restarter (when a resume is refused or ignored)
   * @param {object} o.clicks    Clicks (ask for a click when only a user gesture can help)
   * @param {object} o.serial    the rescuer's Serial
   * @param {string} o.browser   "chrome" | "firefox"
   */
  constructor({
    api, ledger, records, waits, catcher, delivery, restarter, clicks, serial, browser,
    log = console, timers = globalThis, now = () => Date.now(),
  }) {
    Object.assign(this, { api, ledger, records, waits, catcher, delivery, restarter, clicks, serial, browser, log, timers, now });
  }

  /** Resume a download (a restart when the browser refuses), then check it in a few seconds. */
  async resume(item, rec) {
    this.log.info(`resuming download ${item.id} (${rec.name})`);
    const { refused, failed } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
    if (refused) {
      this.log.warn(`downloads.resume(${item.id}) refused: ${refused.message}; restarting instead`);
      await this.restarter.restart(item, rec, `resume refused: ${refused.message}`);
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
      await this.clicks.askForClick(item, rec, "resume ignored");
      return;
    }
    this.log.warn(`download ${rec.id}: resume() was accepted but nothing happened; restarting`);
    await this.restarter.restart(item, rec, "resume ignored");
  }
}
