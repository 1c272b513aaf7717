// What a person asks for: "retry now" and "give up" from the popup, and the local state
// shown beside each history row. Methods of Rescuer (mixed into it by rescuer.js).

import { displayName, isRefetchable } from "./deltas.js";
import { recordKey } from "./keys.js";
import { FINAL_STATUSES } from "./ledger.js";
import { VERIFY_AFTER_MS } from "./resume_check.js";
import { newEventKey, outcomeMessage } from "./wire.js";

export class UserActions {
  /** The newest record for a history row: same id and URL if possible, else same URL. */
  _recordFor(downloadId, url) {
    const byUrl = this.ledger.byUrl(url);
    return byUrl.find((r) => r.id === downloadId) ?? byUrl[0];
  }

  /** What the extension itself is doing about a history row (for the popup). */
  localState(downloadId, url) {
    const rec = this._recordFor(downloadId, url);
    if (!rec) return null;
    return {
      status: rec.status, pending: rec.pending ?? null, needsClick: Boolean(rec.needsClick),
      waitingForNetwork: Boolean(rec.pending?.waitOnline && !this.online()),
    };
  }

  /**
   * "Retry now" from the popup. When the popup already resumed the item itself (its click is a
   * user gesture, which Chrome's resume cap respects), we only watch it.
   */
  async retryNow({ downloadId, url, resumedInPopup = false }) {
    await this.start("popup");
    const result = await this.serial(async () => {
      const rec = this._recordFor(downloadId, url);
      let item = await this._item(downloadId);
      if (item && item.url !== url) item = undefined;
      if (!item && rec) item = await this._itemFor(rec);
      const key = item ? recordKey(item) : rec?.key;
      if (key) this._clearTimer(this.actionTimers, key);
      if (item && resumedInPopup) {
        await this.ledger.put(key, {
          id: item.id, url: item.url, name: rec?.name ?? displayName(item), startTime: item.startTime,
          session: this.session, status: "acted", pending: null,
          actedBy: "user", actedAt: this.now(), verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false,
        });
        this._scheduleVerify(key, VERIFY_AFTER_MS);
        return { ok: true, did: "resumed" };
      }
      if (item?.state === "in_progress") return { ok: true, did: "running" };
      if (item?.state === "complete") return { ok: true, did: "complete" };
      const base = rec && rec.key === key ? rec : await this.ledger.reset(key ?? `retry|${url}`, {
        id: item?.id ?? downloadId, url, name: item ? displayName(item) : url, status: "decided",
        startTime: item?.startTime, session: this.session,
      });
      if (item && item.canResume) {
        await this._resume(item, base);
        return { ok: true, did: "resumed" };
      }
      if (!isRefetchable(url)) return { ok: false, did: "none", error: "not_refetchable" };
      await this._restart(item ?? { id: downloadId, url }, base, "retry now");
      return { ok: true, did: "restarted" };
    });
    await this._updateWakeAlarm();
    await this.flush();
    return result;
  }

  /** "Give up" from the popup: drop any plan for this URL and close the episode at the host. */
  async giveUp({ downloadId, url }) {
    await this.start("popup");
    await this.serial(async () => {
      for (const rec of this.ledger.byUrl(url)) {
        this._clearTimer(this.actionTimers, rec.key);
        this._clearTimer(this.verifyTimers, rec.key);
        if (!FINAL_STATUSES.includes(rec.status) || rec.status === "left") {
          await this.ledger.put(rec.key, { status: "closed", outcome: "given_up", pending: null, verifyAt: null, needsClick: false });
        }
      }
      await this.outbox.add({
        key: `outcome:given_up:${url}:${this.now()}`, kind: "outcome", ref: null,
        message: outcomeMessage({ id: downloadId, url, state: "given_up", eventKey: newEventKey() }),
      });
      this.log.info(`given up: download ${downloadId} (${url})`);
    });
    await this._updateWakeAlarm();
    await this.flush();
    return { ok: true };
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
