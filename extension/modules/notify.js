// Notification contents, in the user's language. Pure: `t` is i18n.getMessage (or a fake).
//
// Two kinds:
//   left   the host decided `none` with notify: say why (the host's explanation, already in
//          the language announced in hello) and which file;
//   click  Chrome silently ignored our resume (its 5-resume cap) and the download cannot be
//          fetched again from its URL: ask for a click; a click is a user gesture, which
//          resets Chrome's count, and the click handler resumes it.

import { shortHash } from "./keys.js";
import { formatBytes } from "./units.js";

export const NOTIFICATION_PREFIX = "dlrescue:";

/** Whether a browser's notifications have buttons: Chrome's do, Firefox's none (a click on
 *  the notification itself is all there is). */
export const NOTIFICATION_BUTTONS = Object.freeze({ chrome: true, firefox: false });

export function notificationId(kind, downloadKey) {
  return `${NOTIFICATION_PREFIX}${kind}:${shortHash(downloadKey)}`;
}

/**
 * Options for notifications.create when a download is left alone. `withButton` (Chrome):
 * a button that opens the page the download came from; in Firefox a click on the
 * notification does the same (it has no buttons).
 */
export function leftNotification({ t, decision, name, iconUrl, withButton = false }) {
  const explanation = (decision?.explanation || "").trim();
  const options = {
    type: "basic",
    iconUrl,
    title: t("notifyLeftTitle", [name]),
    message: explanation || t("notifyLeftFallback", [decision?.reason ?? "?"]),
  };
  if (withButton) options.buttons = [{ title: t("notifyOpenPageButton") }];
  return options;
}

/**
 * The page a left download came from, to start it again by hand (an expired link needs a
 * fresh one): its referrer when that is a web page, else its site. Null when neither is
 * http(s).
 */
export function sourcePage({ referrer, url }) {
  for (const candidate of [referrer, url]) {
    try {
      const u = new URL(candidate);
      if (u.protocol !== "http:" && u.protocol !== "https:") continue;
      return candidate === referrer ? `${u.origin}${u.pathname}${u.search}` : `${u.origin}/`;
    } catch {
      // not a URL
    }
  }
  return null;
}

/**
 * Options when a download waits for disk space (decision `wait: "space"` with notify): the
 * host's explanation says how much to free ("Free 1.2 GB on the disk that holds
 * Downloads; ..."); the extension acts by itself once there is room. `keepBytes` > 0
 * (keptBytesOffer): a button that continues the download now, keeping that much (in the
 * locale's digits: `formatNumber`); it stays until answered (requireInteraction), an offer
 * to a user who is there.
 */
export function spaceNotification({ t, decision, name, iconUrl, keepBytes = 0, formatNumber = String }) {
  const explanation = (decision?.explanation || "").trim();
  const options = {
    type: "basic",
    iconUrl,
    title: t("notifySpaceTitle", [name]),
    message: explanation || t("notifySpaceFallback"),
  };
  if (keepBytes > 0) {
    options.buttons = [{ title: t("notifySpaceKeepButton", [formatBytes(keepBytes, t, formatNumber)]) }];
    // the button's text is cut at about 35 characters; a context message would take the
    // place of the extension's name in Chromium's header: the hint ends the message
    options.message = `${options.message} ${t("notifySpaceKeepHint")}`;
    options.requireInteraction = true;
  }
  return options;
}

/**
 * The bytes a person can keep by continuing now a download that waits for disk space, or 0
 * when there is nothing to offer. Chrome only: it continues a download cut by a full disk
 * only after a Save As dialog (docs/BROWSERS.md), so unattended the host decides a restart
 * once there is room; a user who answers the dialog (the same folder once there is room, or
 * another disk) keeps what is on disk. Offered while that restart waits and the item still
 * holds bytes it can resume from.
 * @param {string} browser   "chrome" | "firefox"
 * @param {object} pending   the record's pending action (schedule.planAction)
 * @param {object} item      the DownloadItem now
 */
export function keptBytesOffer(browser, pending, item) {
  if (!NOTIFICATION_BUTTONS[browser] || pending?.wait !== "space" || pending.action !== "restart") return 0;
  if (item?.state !== "interrupted" || item.canResume !== true) return 0;
  return Math.max(0, Number(item.bytesReceived) || 0);
}

/** Options for the "click to resume" notification. Buttons only where supported (Chrome). */
export function clickToResumeNotification({ t, name, iconUrl, withButton }) {
  const options = {
    type: "basic",
    iconUrl,
    title: t("notifyClickTitle", [name]),
    message: t("notifyClickMessage", [name]),
    requireInteraction: withButton,
  };
  if (withButton) options.buttons = [{ title: t("notifyClickButton") }];
  else delete options.requireInteraction; // Firefox has no requireInteraction
  return options;
}

/** Options when a restart could not even start (not an http(s) URL, or download() failed). */
export function cannotRetryNotification({ t, name, iconUrl, why }) {
  return {
    type: "basic",
    iconUrl,
    title: t("notifyCannotRetryTitle", [name]),
    message: t("notifyCannotRetryMessage", [why]),
  };
}
