// Showing the rescuer's notifications (their contents are notify.js's, pure). A failure to
// show one is logged, never thrown: a notification is never worth stopping a step for.

import {
  cannotRetryNotification, clickToResumeNotification, leftNotification, notificationId, sourcePage, spaceNotification,
} from "./notify.js";
import { uiLocale } from "./env.js";
import { snapshotKey } from "./keys.js";

export class Notifier {
  /**
   * @param {object} o
   * @param {object} o.api      the browser API (notifications.create)
   * @param {string} o.browser  "chrome" | "firefox" (buttons are Chrome's only)
   * @param {Function} o.t      i18n.getMessage
   */
  constructor({ api, browser, t, log = console, iconUrl = "icons/icon-128.png" }) {
    Object.assign(this, { api, browser, t, log, iconUrl });
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
    const withButton = this.browser === "chrome" && sourcePage(rec) !== null;
    return this.show(id, leftNotification({ t: this.t, decision, name: rec.name, iconUrl: this.iconUrl, withButton }));
  }

  /**
   * Download `rec` waits for disk space: how much to free (the host's explanation); with
   * `keepBytes` > 0 (Chrome), a button that continues it now keeping them (Clicks.keep).
   */
  waitingForSpace(id, rec, decision, keepBytes = 0) {
    const formatNumber = (n) => n.toLocaleString(uiLocale(this.api), { maximumFractionDigits: 1 });
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
      t: this.t, name: rec.name, iconUrl: this.iconUrl, withButton: this.browser === "chrome",
    }));
  }
}
