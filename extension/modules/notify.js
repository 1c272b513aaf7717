// Notification contents, in the user's language. Pure: `t` is i18n.getMessage (or a fake).
//
// Two kinds:
//   left   the host decided `none` with notify: say why (the host's explanation, already in
//          the language announced in hello) and which file;
//   click  Chrome silently ignored our resume (its 5-resume cap) and the download cannot be
//          fetched again from its URL: ask for a click; a click is a user gesture, which
//          resets Chrome's count, and the click handler resumes it.

import { shortHash } from "./keys.js";

export const NOTIFICATION_PREFIX = "dlrescue:";

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
 * Downloads; ..."); the extension resumes by itself once there is room.
 */
export function spaceNotification({ t, decision, name, iconUrl }) {
  const explanation = (decision?.explanation || "").trim();
  return {
    type: "basic",
    iconUrl,
    title: t("notifySpaceTitle", [name]),
    message: explanation || t("notifySpaceFallback"),
  };
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
