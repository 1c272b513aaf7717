// Delivery to the host: messages are queued in the outbox (storage.local) and sent through
// the HostPort one at a time, head first, while the host answers. A reply to `interrupted`
// carries the host's decision: `resume`/`restart` becomes the record's `pending` action,
// armed in Waits; `none` leaves the download, with a notification when `notify`. An error
// reply either keeps the message (store_unavailable, backoff 2 s .. 5 min) or drops it (a
// refusal, remembered for the popup as hostProblem).
//
// Without a host (issue 19; alone.js): every queued interruption is decided here with the
// built-in policy (local_policy.js) and carried out at once, the same way; its message stays
// queued, marked `local`, and goes to the host once it is there (under its event_key, so it
// is recorded once). The host decides it again, and that decision replaces the local one
// only while the download is still interrupted and nothing was done to it yet.

import { ALONE_STATES, decideQueued, hostDecidesAgain, withInterruption } from "./alone.js";
import { errorDisposition } from "./host_errors.js";
import { recordKey, snapshotKey } from "./keys.js";
import { keptBytesOffer, notificationId } from "./notify.js";
import { planAction, queueRetryDelay } from "./schedule.js";
import { interruptedMessage, newEventKey, outcomeMessage } from "./wire.js";

export class Delivery {
  /**
   * @param {object} o
   * @param {object} o.port      the HostPort
   * @param {object} o.outbox    the Outbox
   * @param {object} o.ledger    the Ledger (a decision or a refusal updates the record)
   * @param {object} o.serial    the rescuer's Serial (replies change state one at a time)
   * @param {object} o.waits     Waits (a decided action is armed; the wake alarm)
   * @param {object} o.notifier  a Notifier (decision `none` with notify)
   * @param {string} o.browser   "chrome" | "firefox"
   */
  /**
   * @param {(rec: object) => Promise<void>} [o.onLeft]  a download left alone (decision
   *   none): the rescuer erases the dead downloads a left restart replaced
   * @param {(rec: object) => Promise<object|undefined>} [o.itemOf]  the live item of a
   *   record (Records.itemFor): is a download decided alone still interrupted?
   */
  constructor({
    port, outbox, ledger, serial, waits, notifier, browser, log = console, timers = globalThis,
    now = () => Date.now(), onLeft = async () => {}, itemOf = async () => undefined, jitter = Math.random,
  }) {
    Object.assign(this, { port, outbox, ledger, serial, waits, notifier, browser, log, timers, now, onLeft, itemOf, jitter });
    this.flushing = null; // the flush under way
    this.flushAgain = false;
    this.outboxTimer = null;
    this.hostProblem = null; // the host's last error reply, for the popup (hostSaid)
    this.port.onStatus((status) => {
      // the host is back: every queued message is due now
      if (status.status === "connected") this.outbox.wakeAll().then(() => this.flush());
    });
  }

  // ---------------------------------------------------------------- queueing

  /** Whether the message with this outbox key is still queued. */
  isQueued(key) {
    return this.outbox.has(key);
  }

  /**
   * Queue the `interrupted` event of record `rec` (its outboxKey makes it once only), with
   * the time it was caught (`rec.occurredAt`, kept through a worker's restart), not this one.
   */
  async queueInterrupted(item, rec) {
    await this.outbox.add({
      key: rec.outboxKey, kind: "interrupted", ref: rec.key, ephemeral: Boolean(item.incognito),
      message: interruptedMessage(item, this.browser, newEventKey(), {
        reachable: rec.reachable ?? undefined, server: rec.server ?? undefined, occurredAt: rec.occurredAt ?? this.now(),
      }),
    });
  }

  /** Queue an `outcome` (complete, interrupted, in_progress, truncated) of a download. */
  async queueOutcome(item, state, rec) {
    const url = rec?.url ?? item.url;
    const message = outcomeMessage({
      id: item.id ?? rec?.id, url, state, error: state === "interrupted" ? item.error : undefined, eventKey: newEventKey(),
      occurredAt: this.now(), // queued as it is caught: its time
    });
    await this.outbox.add({
      key: `outcome:${state}:${rec?.key ?? recordKey(item)}:${this.now()}`,
      kind: "outcome", ref: rec?.key ?? null, message, ephemeral: Boolean(rec?.incognito ?? item.incognito),
    });
  }

  /** Queue outcome `given_up` of record `rec`, with the download's real URL. */
  async queueGivenUp(rec) {
    await this.outbox.add({
      key: `outcome:given_up:${rec.key}:${this.now()}`, kind: "outcome", ref: rec.key, ephemeral: Boolean(rec.incognito),
      message: outcomeMessage({ id: rec.id, url: rec.url, state: "given_up", eventKey: newEventKey(), occurredAt: this.now() }),
    });
  }

  // ---------------------------------------------------------------- sending

  /** Send queued messages, one at a time, while the host answers. Never throws. */
  flush() {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        try {
          await this._flushOnce();
        } catch (e) {
          this.log.error("flush failed", e);
        }
      } while (this.flushAgain);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async _flushOnce() {
    const host = this.port.status();
    // no host: what was queued since the last try is decided now, not when the head is due
    if (ALONE_STATES.includes(host.status)) await this._decideAlone(host.status);
    for (;;) {
      const entry = this.outbox.next(this.now());
      if (!entry) break;
      if (!(await this._hostThere(entry))) break;
      let reply;
      try {
        reply = await this.port.request(entry.message);
      } catch (e) {
        if (await this._notSent(entry, e)) continue;
        break;
      }
      if (reply.ok) {
        if (this.hostProblem?.kind === "retry") this.hostProblem = null; // it stores again
        await this.serial.run(() => this._applyReply(entry, reply));
        continue;
      }
      if (await this._errorReply(entry, reply.error)) break;
    }
    this._armOutboxTimer();
    await this.waits.updateWakeAlarm();
  }

  /** Connect if needed; without a host, the entry waits for the port's next try. */
  async _hostThere(entry) {
    if (this.port.isConnected()) return true;
    await this.port.connect();
    if (this.port.isConnected()) return true;
    const host = this.port.status();
    if (ALONE_STATES.includes(host.status)) await this._decideAlone(host.status);
    this.log.info(`${this.outbox.size} message(s) kept for the host (${host.status})`);
    // due again when the port tries again; the wake alarm brings a dead worker back then
    const wait = Math.max(1000, (host.nextRetryAt ?? 0) - this.now());
    await this.outbox.retryLater(entry.seq, wait, host.status, { count: false });
    return false;
  }

  /**
   * No host: each queued interruption not decided yet is decided here and carried out like
   * a host's decision; its message stays queued (marked `local`) for the host.
   */
  async _decideAlone(why) {
    for (const entry of this.outbox.entries()) {
      if (entry.kind !== "interrupted" || entry.local) continue;
      await this.serial.run(async () => {
        const rec = entry.ref ? this.ledger.get(entry.ref) : undefined;
        if (!rec || rec.outboxKey !== entry.key || rec.status !== "queued") return;
        await this.outbox.mark(entry.seq, { local: true });
        this.log.info(`no host (${why}): download ${rec.id} decided by the extension alone`);
        const managed = this.port.helloSent?.managedPolicy ?? null; // read at the last connect attempt
        await this._decided(rec, decideQueued(entry.message, rec, this.jitter(), managed), null, "alone");
      });
    }
  }

  /** Interruptions decided here that wait to be sent to the host (for the popup). */
  localDecisions() {
    return this.outbox.entries().filter((e) => e.local).length;
  }

  /** The request failed without a reply. True: dropped (too large), go on; false: stop. */
  async _notSent(entry, e) {
    if (e.code === "too_large") {
      this.log.error(`dropped ${entry.kind} for ${entry.ref}: ${e.message}`);
      await this.serial.run(() => this._refused(entry, { code: "too_large", message: e.message }));
      return true;
    }
    const delay = queueRetryDelay(entry.tries);
    this.log.warn(`${entry.kind} not delivered (${e.code}); next try in ${Math.round(delay / 1000)} s`);
    await this.outbox.retryLater(entry.seq, delay, e.code);
    return false;
  }

  /** An error reply. True: the entry is kept for later (stop); false: dropped (go on). */
  async _errorReply(entry, error) {
    const code = error?.code;
    this._hostSaid(errorDisposition(code), error);
    if (errorDisposition(code) === "retry") {
      const delay = queueRetryDelay(entry.tries);
      this.log.warn(`host cannot store now (${code}: ${error?.message}); ${entry.kind} kept, next try in ${Math.round(delay / 1000)} s`);
      await this.outbox.retryLater(entry.seq, delay, code);
      return true;
    }
    this.log.error(`host refused ${entry.kind} for ${entry.ref}: ${code}: ${error?.message}`
      + `${error?.field ? ` (field ${error.field})` : ""}; dropped from the queue`);
    await this.serial.run(() => this._refused(entry, error));
    return false;
  }

  /**
   * The host's last error reply, for the popup: its own sentence (`message`), its code, and
   * whether the message waits ("retry": cleared once the host stores again) or was dropped
   * ("drop": shown with its time; only a newer problem replaces it in this worker).
   */
  _hostSaid(kind, error) {
    this.hostProblem = {
      kind, code: String(error?.code ?? "?"), message: String(error?.message ?? ""), at: this.now(),
    };
  }

  async _refused(entry, error) {
    await this.outbox.remove(entry.seq);
    if (entry.kind === "interrupted" && entry.ref && this.ledger.get(entry.ref)) {
      // one decided alone was carried out already: the host's refusal does not undo that
      const patch = entry.local ? {} : { status: "refused" };
      await this.ledger.put(entry.ref, { ...patch, refusedWith: error?.code ?? null });
    }
  }

  // ---------------------------------------------------------------- replies

  async _applyReply(entry, reply) {
    await this.outbox.remove(entry.seq);
    if (entry.kind !== "interrupted") {
      this.log.info(`host recorded ${entry.message.type} ${entry.message.download?.state ?? ""} as event ${reply.event_id}`);
      return;
    }
    const rec = entry.ref ? this.ledger.get(entry.ref) : undefined;
    const decision = reply.decision ?? {};
    if (entry.local) {
      await this._decidedAgain(rec, entry, decision, reply.event_id ?? null);
      return;
    }
    if (!rec || rec.outboxKey !== entry.key || rec.status !== "queued") {
      this.log.warn(`decision for ${entry.ref} arrived but the record moved on; ignored`, decision);
      return;
    }
    await this._decided(rec, decision, reply.event_id ?? null);
  }

  /**
   * The host's decision for an interruption decided here before the host was there: it
   * replaces the local one only while the download is still interrupted and nothing was
   * done to it (alone.hostDecidesAgain); else the record only learns its event id.
   */
  async _decidedAgain(rec, entry, decision, eventId) {
    if (!rec || rec.outboxKey !== entry.key) {
      this.log.info(`host recorded the interruption of ${entry.ref} decided alone as event ${eventId}`);
      return;
    }
    const item = await this.itemOf(rec);
    const same = rec.status === "left" && decision.action === "none";
    if (!hostDecidesAgain(rec, item) || same) {
      this.log.info(`host recorded download ${rec.id}'s interruption decided alone as event ${eventId}`
        + ` (host: ${decision.action}); the download is ${item?.state ?? "gone"}, ${rec.status}: not acted on again`);
      await this.ledger.put(rec.key, { eventId });
      return;
    }
    this.waits.clearAction(rec.key);
    this.log.info(`host decides download ${rec.id} again: ${decision.action} replaces ${rec.decision?.action} decided alone`);
    await this._decided(rec, decision, eventId, "companion", { again: true });
  }

  /**
   * Keep a decision (the host's, or made here: `by` "alone"): a pending action armed in
   * Waits, or the download left alone. The first decision of an interruption adds it to the
   * record's episode (what the local decision counts); `again`: the host deciding anew.
   */
  async _decided(rec, decision, eventId, by = "companion", { again = false } = {}) {
    const base = { eventId, decision, decidedBy: by, ...(again ? {} : { episode: withInterruption(rec, decision) }) };
    const now = this.now();
    const plan = planAction(decision, now, rec.url, rec.occurredAt ?? now); // counted from the interruption
    this.log.info(`decision for download ${rec.id} (${rec.name}): ${decision.action}`
      + `${plan ? ` after ${decision.delay_ms ?? 0} ms (due in ${plan.dueAt - now} ms)` : ""}${decision.notify ? " + notify" : ""}`
      + `${plan?.wait ? ` (waits for the ${plan.wait}${plan.site ? ` ${plan.site}` : ""}`
        + `${plan.wait === "space" ? `: ${plan.bytesNeeded} more bytes` : ""})` : ""}`
      + `${decision.http_status ? ` [HTTP ${decision.http_status}]` : ""}`
      + `, attempt ${decision.attempt}/${decision.max_attempts}`
      + ` [${decision.reason}/${decision.category}]`);
    if (plan) {
      await this.ledger.put(rec.key, { ...base, status: "decided", pending: plan });
      this.waits.arm(rec.key, plan);
      if (plan.wait === "space" && decision.notify) {
        // how much to free: the host's explanation; in Chrome, the bytes a user can keep
        const id = notificationId("space", snapshotKey(rec));
        const keptBytes = keptBytesOffer(this.browser, plan, await this.itemOf(rec));
        await this.ledger.put(rec.key, { notificationId: id, keepOffered: keptBytes > 0 });
        await this.notifier.waitingForSpace(id, rec, decision, keptBytes);
      }
      return;
    }
    await this.ledger.put(rec.key, { ...base, status: "left", pending: null });
    await this.onLeft(rec);
    if (decision.notify) {
      const id = notificationId("left", snapshotKey(rec));
      await this.ledger.put(rec.key, { notificationId: id });
      await this.notifier.left(id, rec, decision);
    }
  }

  /**
   * Whether the disk has room now, for a download that waits for space: the host's `space`
   * request (never queued, never stored). {free, enough}; {enough: true} from a host that does
   * not know the request (it cannot tell, so the action runs as before); null when it could
   * not be asked (no host, an error): the wait goes on.
   */
  async askSpace(path, needed) {
    if (typeof path !== "string" || !path) return { enough: true, free: null, unknown: true };
    let reply;
    try {
      if (!this.port.isConnected()) await this.port.connect();
      reply = await this.port.request({ type: "space", path, needed: Math.max(0, Math.round(Number(needed) || 0)) });
    } catch (e) {
      this.log.info(`space: the host could not be asked (${e?.code ?? e?.message ?? e})`);
      return null;
    }
    if (reply?.ok) return { free: Number.isFinite(reply.free) ? reply.free : null, enough: Boolean(reply.enough) };
    if (reply?.error?.code === "unknown_type") return { enough: true, free: null, unknown: true };
    this.log.warn(`space: the host answered ${reply?.error?.code}: ${reply?.error?.message}`);
    return null;
  }

  _armOutboxTimer() {
    if (this.outboxTimer) this.timers.clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    const due = this.outbox.nextDueAt();
    if (due === null || !this.port.isConnected()) return;
    this.outboxTimer = this.timers.setTimeout(() => {
      this.outboxTimer = null;
      this.flush();
    }, Math.max(0, due - this.now()));
  }
}
