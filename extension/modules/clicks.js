// The user gestures our notifications ask for: when only a click can help (Chrome ignores a
// resume without one once its count is spent), a notification whose click resumes the
// download; a click on a download left alone opens the page it came from; in Chrome, the
// button of a full disk's notification continues the download now, keeping its bytes.

import { snapshotKey } from "./keys.js";
import { keptBytesOffer, notificationId, sourcePage } from "./notify.js";
import { VERIFY_AFTER_MS, startResume } from "./resume_check.js";

export class Clicks {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads.resume, notifications, tabs)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (live item <-> record)
   * @param {object} o.waits     Waits (the check after a resume)
   * @param {object} o.notifier  a Notifier
   * @param {object} o.serial    the rescuer's Serial
   * @param {string} o.browser   "chrome" | "firefox"
   */
  constructor({ api, ledger, records, waits, notifier, serial, browser, log = console, timers = globalThis, now = () => Date.now() }) {
    Object.assign(this, { api, ledger, records, waits, notifier, serial, browser, log, timers, now });
  }

  /** The only way left is a user gesture: a notification whose click resumes. */
  async askForClick(item, rec, why) {
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
  async clicked(notifId, button = null) {
    const rec = this.ledger.all().find((r) => r.notificationId === notifId);
    await this.notifier.dismiss(rec ?? { notificationId: notifId });
    // the button of a full disk's notification only: a record keeps its last offer's flag
    if (rec?.keepOffered && button === 0 && notifId === notificationId("space", snapshotKey(rec))) {
      await this.keep(rec.key);
      return;
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

  /**
   * "Continue, keeping N" (Chrome, a full disk's notification): the user, who is there,
   * chooses to keep the bytes on disk. The restart waiting for room is dropped and the
   * download resumed now; Chrome asks where to save it (Save As), and answering continues
   * the partial file (the same folder once there is room, or another disk). A user who
   * cancels that dialog cancels the download: Chrome reports USER_CANCELED, which the host
   * leaves alone without a word, as for any download the user cancelled; starting it again
   * behind their back would undo the choice they just made. Nothing is done when the offer
   * no longer holds (the restart ran meanwhile, or the item moved on).
   */
  keep(key) {
    return this.serial.run(async () => {
      const rec = this.ledger.get(key);
      const item = rec ? await this.records.itemFor(rec) : null;
      const kept = keptBytesOffer(this.browser, rec?.pending, item);
      if (!kept) {
        this.log.info(`keep the bytes of ${rec?.name ?? key}: no longer on offer (${item?.state ?? "gone"}, ${rec?.status})`);
        return;
      }
      const { refused } = await startResume(this.api.downloads, item.id, { timers: this.timers, log: this.log });
      if (refused) {
        this.log.warn(`keep the bytes of download ${item.id}: resume refused (${refused.message}); the restart still waits for room`);
        return;
      }
      this.waits.clearAction(key);
      this.log.info(`download ${item.id}: the user keeps its ${kept} bytes; resumed, Chrome asks where to save it`);
      await this.ledger.put(key, {
        status: "acted", pending: null, actedBy: "keep", actedAt: this.now(),
        verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false, reportedInterrupted: false,
      });
      this.waits.verifyIn(key, VERIFY_AFTER_MS);
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
