// Showing the rescuer's notifications (their contents are notify.js's, pure). A failure to
// show one is logged, never thrown: a notification is never worth stopping a step for.

import {
  NOTIFICATION_BUTTONS, cannotRetryNotification, clickToResumeNotification, leftNotification, notificationId, sourcePage,
  spaceNotification,
} from "./notify.js";
import { uiLocale } from "./env.js";
import { snapshotKey } from "./keys.js";
import { numberFormat } from "./units.js";

export class Notifier {
  /**
   * @param {object} o
   * @param {object} o.api      the browser API (notifications.create, clear)
   * @param {object} o.ledger   the Ledger (a record's notificationId and keepOffered)
   * @param {string} o.browser  "chrome" | "firefox" (NOTIFICATION_BUTTONS)
   * @param {Function} o.t      i18n.getMessage
   */
  constructor({ api, ledger, browser, t, log = console, iconUrl = "icons/icon-128.png" }) {
    Object.assign(this, { api, ledger, browser, t, log, iconUrl });
    this.buttons = NOTIFICATION_BUTTONS[browser] ?? false;
  }

  /**
   * The notification of record `rec` is past (what it asked for or offered no longer holds:
   * the wait ended, the download was taken over, completed, interrupted again, erased, or
   * the person acted in the popup): cleared, and its offer to keep the bytes withdrawn. A
   * full disk's stays on screen in Chrome until answered (requireInteraction).
   */
  async dismiss(rec) {
    if (!rec?.notificationId && !rec?.keepOffered) return;
    try {
      if (rec.notificationId) await this.api.notifications?.clear(rec.notificationId);
    } catch {
      // gone already
    }
    if (rec.key !== undefined && this.ledger.get(rec.key)) await this.ledger.put(rec.key, { notificationId: null, keepOffered: false });
  }

  async show(id, options) {
    try {
      await this.api.notifications.create(id, options);
      this.log.info(`notification ${id}: ${options.title}`);
    } catch (e) {
      this.log.warn(`notifications.create failed: ${e?.message ?? e}`, options.title);
    }
  }

  /** The host left download `rec` alone (`decision`): why, and (Chrome) a button to its page. */
  left(id, rec, decision) {
    const withButton = this.buttons && sourcePage(rec) !== null;
    return this.show(id, leftNotification({ t: this.t, decision, name: rec.name, iconUrl: this.iconUrl, withButton }));
  }

  /**
   * Download `rec` waits for disk space: how much to free (the host's explanation); with
   * `keepBytes` > 0 (Chrome), a button that continues it now keeping them (Clicks.keep).
   */
  waitingForSpace(id, rec, decision, keepBytes = 0) {
    const formatNumber = numberFormat(uiLocale(this.api));
    return this.show(id, spaceNotification({ t: this.t, decision, name: rec.name, iconUrl: this.iconUrl, keepBytes, formatNumber }));
  }

  /** Download `rec` cannot be retried by the extension (`why`). */
  cannotRetry(rec, why) {
    return this.show(notificationId("cannot", snapshotKey(rec)),
      cannotRetryNotification({ t: this.t, name: rec.name, iconUrl: this.iconUrl, why }));
  }

  /** A click on this notification resumes download `rec` (a user gesture). */
  clickToResume(id, rec) {
    return this.show(id, clickToResumeNotification({
      t: this.t, name: rec.name, iconUrl: this.iconUrl, withButton: this.buttons,
    }));
  }
}
