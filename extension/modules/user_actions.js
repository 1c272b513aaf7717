// What a person asks for: "retry now" and "give up" from the popup, and the local state
// shown beside each history row. Methods of Rescuer (mixed into it by rescuer.js).

import { isRefetchable } from "./deltas.js";
import { isTruncated } from "./restart_plan.js";
import { VERIFY_AFTER_MS } from "./resume_check.js";
import { newEventKey, outcomeMessage } from "./wire.js";

/** The answer to a popup action for a download the ledger no longer knows. */
function unknownDownload(key) {
  return {
    ok: false, did: "none",
    error: { code: "unknown_download", message: `the extension no longer knows this download (${JSON.stringify(String(key))}); nothing was done` },
  };
}

export class UserActions {
  /**
   * The ledger record behind a history row. The host's row carries the URL it stored, which
   * is scrubbed (tokens redacted, no user-info, no fragment, cut at 2,048 characters), so it
   * cannot name the download: the row's event id can (the record keeps the event id of its
   * latest interruption, and a restart's record the one it replaced). Among several records
   * of one event (the dead download and its restart), the one still in play wins.
   */
  _recordForRow(eventId, downloadId, url) {
    const all = this.ledger.all().sort((a, b) => b.updatedAt - a.updatedAt);
    const byEvent = eventId === null || eventId === undefined ? [] : all.filter((r) => r.eventId === eventId);
    if (byEvent.length) return byEvent.find((r) => r.status !== "replaced") ?? byEvent[0];
    return all.find((r) => r.id === downloadId && r.url === url);
  }

  /** What the extension itself is doing about a history row (for the popup), with its key. */
  localState(eventId, downloadId, url) {
    const rec = this._recordForRow(eventId, downloadId, url);
    if (!rec) return null;
    return {
      key: rec.key, id: rec.id, url: rec.url,
      status: rec.status, pending: rec.pending ?? null, needsClick: Boolean(rec.needsClick),
      waitingForNetwork: Boolean(rec.pending?.waitOnline && !this.online()),
    };
  }

  /**
   * "Retry now" from the popup, for the download of ledger record `key`: its pending action
   * runs now (its timer cancelled), on that download; without one, a resume if it can, else
   * a restart. When the popup already resumed the item itself (its click is a user gesture,
   * which Chrome's resume cap respects), we only watch it. Never a second download: a
   * record already replaced by a restart starts nothing.
   */
  async retryNow({ key, resumedInPopup = false }) {
    await this.start("popup");
    const result = await this.serial(async () => {
      const rec = this.ledger.get(key);
      if (!rec) return unknownDownload(key);
      this._clearTimer(this.actionTimers, key);
      if (rec.status === "replaced") return { ok: true, did: "restarted" };
      const item = await this._itemFor(rec);
      if (item && resumedInPopup) {
        await this.ledger.put(key, {
          status: "acted", pending: null, actedBy: "user", actedAt: this.now(),
          verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false, needsClick: false,
        });
        this._scheduleVerify(key, VERIFY_AFTER_MS);
        return { ok: true, did: "resumed" };
      }
      if (item?.state === "in_progress") return { ok: true, did: "running" };
      if (item?.state === "complete" && !(rec.truncated && isTruncated(item))) return { ok: true, did: "complete" };
      const action = rec.pending?.action ?? (item?.canResume ? "resume" : "restart");
      if (item && action === "resume" && item.canResume) {
        await this._resume(item, rec);
        return { ok: true, did: "resumed" };
      }
      if (!isRefetchable(rec.url)) return { ok: false, did: "none", error: { code: "not_refetchable", message: "this download cannot be fetched again from its address" } };
      await this._restart(item ?? { id: rec.id, url: rec.url }, rec, "retry now");
      const after = this.ledger.get(key);
      return after?.status === "replaced" ? { ok: true, did: "restarted" } : { ok: false, did: "none", error: { code: "not_restarted", message: "the browser did not start it again" } };
    });
    await this._updateWakeAlarm();
    await this.flush();
    return result;
  }

  /**
   * "Give up" from the popup, for the download of ledger record `key`: its pending action and
   * timers are dropped, the record is left alone, and the host hears outcome `given_up` with
   * the download's real URL (which closes its episode).
   */
  async giveUp({ key }) {
    await this.start("popup");
    const result = await this.serial(async () => {
      const rec = this.ledger.get(key);
      if (!rec) return unknownDownload(key);
      this._clearTimer(this.actionTimers, key);
      this._clearTimer(this.verifyTimers, key);
      await this.ledger.put(key, { status: "left", givenUp: true, pending: null, verifyAt: null, needsClick: false });
      await this.outbox.add({
        key: `outcome:given_up:${key}:${this.now()}`, kind: "outcome", ref: key, ephemeral: Boolean(rec.incognito),
        message: outcomeMessage({ id: rec.id, url: rec.url, state: "given_up", eventKey: newEventKey() }),
      });
      this.log.info(`given up: download ${rec.id} (${rec.name})`);
      return { ok: true };
    });
    await this._updateWakeAlarm();
    await this.flush();
    return result;
  }

  /** Everything, for debugging and the end-to-end tests. */
  debugState() {
    return {
      browser: this.browser,
      online: this.online(),
      host: this.port.status(),
      outbox: this.outbox.entries(),
      records: this.ledger.all(),
      timers: { actions: [...this.actionTimers.keys()], verifies: [...this.verifyTimers.keys()] },
    };
  }
}
