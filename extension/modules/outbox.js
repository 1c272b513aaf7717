// The queue of messages the host has not answered yet, kept in storage.local so it survives
// the service worker's death, a browser restart and a missing host. FIFO: the head blocks the
// rest (a store that cannot write now cannot write the next one either). Takes the storage
// area as an argument (api.storage.local or a fake).

export const OUTBOX_KEY = "outbox";
export const MAX_OUTBOX = 1000;

/** How long the popup keeps saying that messages were dropped (the queue was full). */
export const DROPPED_SHOWN_MS = 24 * 3600 * 1000;

export class Outbox {
  constructor({ storage, now = () => Date.now(), log = console, storageKey = OUTBOX_KEY, maxEntries = MAX_OUTBOX }) {
    this.storage = storage;
    this.now = now;
    this.log = log;
    this.storageKey = storageKey;
    this.maxEntries = maxEntries;
    this.items = [];
    this.seq = 0;
    this.dropped = null; // {count, lastAt}: entries dropped because the queue was full
    this.loaded = false;
  }

  async load() {
    const got = await this.storage.get(this.storageKey);
    const saved = got?.[this.storageKey];
    this.items = Array.isArray(saved?.items) ? saved.items : [];
    this.seq = Number.isInteger(saved?.seq) ? saved.seq : this.items.reduce((m, e) => Math.max(m, e.seq), 0);
    this.dropped = Number.isInteger(saved?.dropped?.count) ? saved.dropped : null;
    this.loaded = true;
    return this;
  }

  /** Ephemeral entries (private-browsing downloads) live in memory only: no trace on disk. */
  async _save() {
    const items = this.items.filter((e) => !e.ephemeral);
    await this.storage.set({ [this.storageKey]: { seq: this.seq, items, dropped: this.dropped } });
  }

  get size() {
    return this.items.length;
  }

  entries() {
    return this.items.map((e) => ({ ...e }));
  }

  has(key) {
    return this.items.some((e) => e.key === key);
  }

  /**
   * Queue a message. An entry with the same `key` is not queued twice (reconciliation may
   * find an event that onChanged already queued). `ref` is the download key it is about;
   * `ephemeral` entries are never written to storage.
   * @returns the entry (the existing one for a duplicate key)
   */
  async add({ key, kind, message, ref = null, ephemeral = false }) {
    const existing = this.items.find((e) => e.key === key);
    if (existing) return { ...existing };
    this.seq += 1;
    const entry = {
      seq: this.seq, key, kind, ref, ephemeral, message, queuedAt: this.now(), tries: 0, nextTryAt: 0, lastError: null,
    };
    this.items.push(entry);
    if (this.items.length > this.maxEntries) {
      const dropped = this.items.splice(0, this.items.length - this.maxEntries);
      const recent = this.droppedInfo();
      this.dropped = { count: (recent?.count ?? 0) + dropped.length, lastAt: this.now() };
      this.log.warn(`outbox: over ${this.maxEntries} entries; dropped the ${dropped.length} oldest`
        + ` (${this.dropped.count} dropped so far; the popup says so)`);
    }
    await this._save();
    return { ...entry };
  }

  /**
   * Entries dropped because the queue was full, for the popup: {count, lastAt}, or null when
   * none was dropped in the last DROPPED_SHOWN_MS.
   */
  droppedInfo(now = this.now()) {
    const d = this.dropped;
    return d && d.count > 0 && now - d.lastAt < DROPPED_SHOWN_MS ? { ...d } : null;
  }

  /** The head entry when it is due, else null. */
  next(now = this.now()) {
    const head = this.items[0];
    if (!head || head.nextTryAt > now) return null;
    return { ...head };
  }

  /** When the head is due (ms since epoch), or null when empty. */
  nextDueAt() {
    return this.items.length ? this.items[0].nextTryAt : null;
  }

  async remove(seq) {
    const before = this.items.length;
    this.items = this.items.filter((e) => e.seq !== seq);
    if (this.items.length !== before) await this._save();
  }

  /**
   * Keep the entry, try it again after delayMs. `count: false` when the host was not there to
   * try (the backoff of a refusal grows with `tries`; waiting for the host does not).
   */
  async retryLater(seq, delayMs, error, { count = true } = {}) {
    const entry = this.items.find((e) => e.seq === seq);
    if (!entry) return;
    if (count) entry.tries += 1;
    entry.nextTryAt = this.now() + delayMs;
    entry.lastError = error ?? null;
    await this._save();
  }

  /** Add fields to an entry (`local`: decided by the extension alone, see delivery.js). */
  async mark(seq, patch) {
    const entry = this.items.find((e) => e.seq === seq);
    if (!entry) return;
    Object.assign(entry, patch);
    await this._save();
  }

  /** Point entries about download `from` to `to` (a download renumbered by a new session). */
  async rekeyRef(from, to) {
    let changed = false;
    for (const e of this.items) {
      if (e.ref === from) {
        e.ref = to;
        changed = true;
      }
    }
    if (changed) await this._save();
  }

  /** Make every entry due now (the host came back). */
  async wakeAll() {
    let changed = false;
    for (const e of this.items) {
      if (e.nextTryAt !== 0) {
        e.nextTryAt = 0;
        changed = true;
      }
    }
    if (changed) await this._save();
  }
}
