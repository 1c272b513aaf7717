// Running downloads, looked at every second while any runs: Chrome's resume count kept at
// zero, and downloads whose server stopped sending caught.
//
// Chrome counts the resumes made without a user gesture, its own silent retries included,
// and ignores resume() once an item's count reaches 5; progress never resets the count,
// resuming a PAUSED item does (docs/BROWSERS.md, "Chrome's resume counter"). So while a
// Chrome download runs and has received more since we last did it, we pause it and resume
// it at once: its count is back at 0, and Chrome's own retries and ours keep working for the
// whole download, however often it is cut. Chrome's pause only stops reading for a moment
// on the same connection: nothing is fetched again. Firefox has no such count, and its pause
// drops the connection, so this is Chrome's only.
//
// Seen in Chromium 156 (tests/e2e/test_keep_partial.py): a pause that lands while Chrome is
// between two of its own retries is kept, and resume() answers but does nothing until the
// new request has its answer; so a download we paused is resumed again on every tick until
// it runs. One cut while we held it paused reports itself interrupted AND paused; resuming
// it then resets the count too (the rescuer does that at once, see ownsPause()).
//
// Neither browser times out a download whose server stops sending while the connection
// stays open. One that gained nothing for `stallMs` is handed to `onStall` (once per
// stall period).

/** How often running downloads are looked at. */
export const WATCH_TICK_MS = 500;

/** A running download that gained nothing for this long is stalled (settings: stallSeconds). */
export const DEFAULT_STALL_MS = 60_000;

/** storage.session key of the ids we paused: a worker that dies holding a pause must not
 *  leave the download paused for ever (Chromium's worker has been seen dying silently when
 *  several downloads fail together). */
export const PAUSES_KEY = "ourPauses";

/** storage.local key of the user's settings. */
export const SETTINGS_KEY = "settings";

/** The stall time from the settings object; anything odd means the default. */
export function stallMsOf(settings) {
  const s = Number(settings?.stallSeconds);
  return Number.isFinite(s) && s >= 1 && s <= 86_400 ? Math.round(s * 1000) : DEFAULT_STALL_MS;
}

/**
 * What to do with one download on one tick. Pure.
 * @param {object|undefined} seen  what the last ticks learnt of it, or undefined
 * @param {object} item            the DownloadItem now
 * @returns {{seen: object, act: "reset"|"unpause"|"stall"|null}}
 *   reset    Chrome, running and received more since the last reset: pause + resume
 *   unpause  we paused it and it is still paused: resume again
 *   stall    nothing received for stallMs (and not everything received already)
 */
export function step(seen, item, now, { browser, stallMs, keepCount = true }) {
  const bytes = Number(item?.bytesReceived) || 0;
  const next = seen ? { ...seen } : { bytes, progressAt: now, resetBytes: 0, ourPause: false };
  if (bytes > next.bytes) {
    next.bytes = bytes;
    next.progressAt = now;
  }
  // every announced byte in: what it waits for is on this machine (Chrome's Save As dialog
  // for a download continued after a full disk, the file's last move), not the network;
  // a reconnect would throw the file away and fetch it all again
  const allIn = Number(item.totalBytes) > 0 && bytes >= Number(item.totalBytes);
  const stalled = !allIn && now - next.progressAt >= stallMs;
  if (item.paused && !next.ourPause) {
    next.progressAt = now; // the user's pause is not a stall
    return { seen: next, act: null };
  }
  if (stalled && item.state === "in_progress") {
    // a pause of ours that does not let go counts too: Chromium can sit in a resumption
    // that never ends (seen after an outage), where resume() does nothing
    next.progressAt = now; // once per stall period
    return { seen: next, act: "stall" };
  }
  if (item.paused) return { seen: next, act: "unpause" };
  next.ourPause = false;
  if (item.state !== "in_progress") return { seen: next, act: null };
  if (browser === "chrome" && keepCount && bytes > next.resetBytes) {
    next.resetBytes = bytes;
    next.ourPause = true;
    return { seen: next, act: "reset" };
  }
  return { seen: next, act: null };
}

export class RunningWatch {
  /**
   * @param {object} o
   * @param {object} o.api            downloads, storage
   * @param {"chrome"|"firefox"} o.browser
   * @param {(item: object) => any} o.onStall
   * @param {() => any} [o.onChange]  when it starts watching and after each look (active()
   *   may have changed: the rescuer keeps the system awake while downloads run)
   */
  constructor({
    api, browser, onStall, log = console, timers = globalThis, now = () => Date.now(), tickMs = WATCH_TICK_MS, onChange = () => {},
  }) {
    Object.assign(this, { api, browser, onStall, log, timers, now, tickMs, onChange });
    this.seen = new Map(); // download id -> step() state
    this.wanted = new Set(); // ids reported running, looked up by id (Chromium's state filter can miss items)
    this.persisted = null; // ids we paused, as storage.session has them (loaded on the first tick)
    this.timer = null;
    this.ticking = null;
  }

  /** Look every tick until nothing runs (onCreated, onChanged to in_progress, start-up). */
  start(id) {
    if (Number.isInteger(id)) this.wanted.add(id);
    if (this.timer === null && !this.ticking) {
      this._schedule();
      this.onChange();
    }
  }

  /** Whether a download runs (or is about to be looked at): the watch is on. */
  active() {
    return this.seen.size > 0 || this.wanted.size > 0 || this.timer !== null;
  }

  _schedule() {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
      });
    }, this.tickMs);
  }

  /** Did we pause this download (so a pause it reports is ours to undo)? */
  ownsPause(id) {
    return Boolean(this.seen.get(id)?.ourPause ?? this.persisted?.has(id));
  }

  async _loadPauses() {
    if (this.persisted) return;
    try {
      const got = await this.api.storage?.session?.get(PAUSES_KEY);
      this.persisted = new Set(Array.isArray(got?.[PAUSES_KEY]) ? got[PAUSES_KEY] : []);
    } catch {
      this.persisted = new Set();
    }
  }

  /** Persist the ids we hold paused, before pausing more (so a dying worker loses none). */
  async _savePauses() {
    const ours = new Set([...this.seen].filter(([, seen]) => seen.ourPause).map(([id]) => id));
    if (ours.size === this.persisted.size && [...ours].every((id) => this.persisted.has(id))) return;
    this.persisted = ours;
    try {
      await this.api.storage?.session?.set({ [PAUSES_KEY]: [...ours] });
    } catch (e) {
      this.log.warn("running watch: could not keep the paused ids", e);
    }
  }

  /** Resume a download we paused (interrupted while we held it: the count resets too). */
  async unpause(id) {
    const seen = this.seen.get(id);
    if (seen) seen.ourPause = true; // until a tick sees it running
    try {
      await this.api.downloads.resume(id);
    } catch (e) {
      this.log.warn(`resume(${id}) after our pause failed: ${e?.message ?? e}`);
    }
  }

  async _settings() {
    try {
      const got = await this.api.storage.local.get(SETTINGS_KEY);
      return got?.[SETTINGS_KEY] ?? {};
    } catch {
      return {};
    }
  }

  async tick() {
    await this._loadPauses();
    let items = [];
    try {
      items = (await this.api.downloads.search({ state: "in_progress" })) ?? [];
      const listed = new Set(items.map((i) => i.id));
      for (const id of new Set([...this.seen.keys(), ...this.wanted, ...this.persisted])) {
        if (!listed.has(id)) items.push(...((await this.api.downloads.search({ id })) ?? []));
      }
      this.wanted.clear();
      items = items.filter((i) => i.state === "in_progress" || (i.paused && this.ownsPause(i.id)));
    } catch (e) {
      this.log.warn("running watch: downloads.search failed", e);
    }
    const settings = await this._settings();
    const stallMs = stallMsOf(settings);
    const keepCount = settings.keepResumeCount !== false;
    const now = this.now();
    const kept = new Map();
    const acts = [];
    for (const item of items) {
      let before = this.seen.get(item.id);
      if (!before && this.persisted.has(item.id)) {
        // paused by a worker that died: ours to resume
        before = { bytes: Number(item.bytesReceived) || 0, progressAt: now, resetBytes: 0, ourPause: true };
      }
      const { seen, act } = step(before, item, now, { browser: this.browser, stallMs, keepCount });
      kept.set(item.id, seen);
      acts.push([act, item]);
    }
    this.seen = kept; // downloads that stopped running are forgotten
    await this._savePauses();
    for (const [act, item] of acts) await this._act(act, item, stallMs);
    if (this.seen.size) this._schedule();
    this.onChange();
  }

  async _act(act, item, stallMs) {
    const { downloads } = this.api;
    try {
      if (act === "reset") {
        await downloads.pause(item.id);
        await downloads.resume(item.id);
      } else if (act === "unpause") {
        await downloads.resume(item.id);
      } else if (act === "stall") {
        this.log.warn(`download ${item.id} received nothing for ${Math.round(stallMs / 1000)} s`
          + ` (${item.bytesReceived} of ${item.totalBytes} bytes): stalled`);
        await this.onStall(item);
      }
    } catch (e) {
      this.log.warn(`running watch: ${act} of download ${item.id} failed: ${e?.message ?? e}`);
    }
  }
}
