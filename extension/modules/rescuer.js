// The rescuer: catches interruptions, forwards them through the host port, and carries out
// the host's decisions. It makes its parts, hands each its collaborators, and keeps the
// surface background.js, commands.js and the tests use. Everything browser-facing comes in
// through the constructor (the API object, the port, the stores, timers, the clock), so node
// tests run it against fakes.
//
// Flow:
//   downloads.onChanged / start-up reconciliation (Catcher, catcher.js)
//     -> a new interruption: ledger record "queued" + `interrupted` message in the outbox
//   flush() (Delivery, delivery.js): outbox head -> host port -> reply
//     -> decision resume/restart: record "decided" with `pending` {action, dueAt, ...}
//        (a timer for short waits, the wake alarm for long ones and as a safety net: Waits)
//     -> decision none: record "left", a notification when `notify`
//   runDue() (Actor, acting.js): resume (then verify: Resumer, resuming.js) or restart
//   (Restarter, restarting.js), a click asked for when only a user gesture helps (Clicks,
//   clicks.js); outcomes (complete, interrupted again, in_progress after a verified resume,
//   given_up) go through the outbox as `outcome`.
//   retryNow() / giveUp() (UserActions, user_actions.js): what the popup asks for.
//
// Shared state has one owner each: the step chain (Serial: all state changes run one at a
// time; talking to the host does not hold it), the timers (Waits), the session tag
// (Records), the host's last complaint (Delivery). This file owns start-up: the stores are
// loaded once, and event handlers wait for the first reconciliation, not for the host.

import { Actor } from "./acting.js";
import { KeepAwake } from "./awake.js";
import { Catcher } from "./catcher.js";
import { Clicks } from "./clicks.js";
import { Delivery } from "./delivery.js";
import { Notifier } from "./notifier.js";
import { probe } from "./probe.js";
import { Records } from "./records.js";
import { Restarter } from "./restarting.js";
import { Resumer } from "./resuming.js";
import { RunningWatch } from "./running.js";
import { WAKE_ALARM, WATCH_ALARM } from "./schedule.js";
import { Serial } from "./serial.js";
import { ServerSignals } from "./server_signals.js";
import { UserActions } from "./user_actions.js";
import { Waits } from "./waits.js";

export class Rescuer {
  /**
   * @param {object} o
   * @param {object} o.api       chrome / browser namespace: downloads, alarms, notifications, runtime
   * @param {object} o.port      a HostPort (the one door to the host)
   * @param {object} o.outbox    an Outbox
   * @param {object} o.ledger    a Ledger
   * @param {string} o.browser   "chrome" | "firefox"
   * @param {Function} o.t       i18n.getMessage
   * @param {() => boolean} [o.online]  navigator.onLine
   * @param {Function} [o.fetch]  for the server probe (probe.js)
   */
  constructor({
    api, port, outbox, ledger, browser, t, log = console, timers = globalThis,
    now = () => Date.now(), online = () => true, iconUrl = "icons/icon-128.png", fetch = (...args) => globalThis.fetch(...args),
  }) {
    Object.assign(this, { api, port, outbox, ledger, browser, log, online });
    const clock = { log, timers, now };
    const check = (url) => probe(url, { fetch, timers });
    const serial = new Serial({ log });
    const records = new Records({ api, ledger, outbox, log });
    // what the server answered (with the user's consent); background.js starts its listeners
    const signals = new ServerSignals({ api, log, now, timers });
    // the system stays awake while a download runs or anything waits (Chrome only)
    const keepAwake = new KeepAwake({ api, log, busy: () => this.running.active() || this._pendingWork() });
    const awake = () => keepAwake.update();
    const waits = new Waits({
      api, ledger, outbox, ...clock, onChange: awake,
      due: {
        action: (key) => this.actor.runDue(key),
        verify: (key) => this.resumer.verify(key).then(() => this.delivery.flush()),
        network: () => this.actor.runAllDue(),
      },
    });
    const notifier = new Notifier({ api, ledger, browser, t, log, iconUrl });
    // a restart that is left too: the dead download it replaced (its data discarded) goes,
    // so the list shows one item with the reason it stopped
    const onLeft = (rec) => this.catcher._eraseReplaced(rec);
    const itemOf = (rec) => records.itemFor(rec);
    const delivery = new Delivery({ port, outbox, ledger, serial, waits, notifier, browser, ...clock, onLeft, itemOf });
    const running = new RunningWatch({ api, browser, ...clock, onStall: (item) => this.onStall(item), onChange: awake });
    const catcher = new Catcher({
      api, ledger, records, waits, delivery, notifier, running, serial, probe: check, browser, signals, log, now,
    });
    const clicks = new Clicks({ api, ledger, records, waits, notifier, serial, browser, ...clock });
    const restarter = new Restarter({ api, ledger, records, notifier, clicks, browser, log, now });
    const resumer = new Resumer({ api, ledger, records, waits, catcher, delivery, restarter, clicks, serial, browser, ...clock });
    const actor = new Actor({
      api, ledger, records, waits, catcher, delivery, notifier, running, resumer, restarter, serial, probe: check, browser, log, now, online,
    });
    const userActions = new UserActions({
      ledger, records, waits, resumer, restarter, delivery, notifier, serial, log, now, online,
    });
    Object.assign(this, {
      serial, records, waits, delivery, running, catcher, clicks, restarter, resumer, actor, userActions, signals, keepAwake,
    });
    this.ready = null; // the stores loaded (init)
    this.started = null; // start-up done (start)
    this.reconciled = null; // the first reconciliation done
  }

  /**
   * Whether a retry waits: an action pending (for its time, the network, the site or disk
   * space) or a resume being checked. A message waiting for a host that is not there does
   * not count: that may be for ever.
   */
  _pendingWork() {
    return this.ledger.all().some((r) => r.pending || (r.status === "acted" && r.verifyAt));
  }

  /** permissions.onAdded / onRemoved: listen to the server's answers only with the consent. */
  onPermissionsChanged() {
    this.signals.permissionsChanged();
  }

  /** The host's last error reply, for the popup (Delivery keeps it). */
  get hostProblem() {
    return this.delivery.hostProblem;
  }

  // ---------------------------------------------------------------- start-up

  /** Load the stores once per worker. */
  init() {
    if (!this.ready) {
      this.ready = this.serial.run(async () => {
        await this.records.load(this.api.storage?.session);
        await this.outbox.load();
        await this.ledger.load();
        this.log.info(`loaded: ${this.outbox.size} queued message(s), ${this.ledger.all().length} record(s)`);
      });
    }
    return this.ready;
  }

  /**
   * Once per worker / background start (and install): load the stores, reconcile with the
   * browser's download list, re-arm pending actions, connect to the host and send what is
   * queued. Event handlers wait for the reconciliation, not for the host.
   */
  start(reason = "start") {
    if (!this.started) {
      this.reconciled = this.init().then(() => this.catcher.reconcile(reason));
      this.started = this.reconciled.then(async () => {
        // One long-lived port: connect now, not only when something is queued. Its
        // "connected" status makes every queued message due and flushes them.
        await this.port.connect();
        await this.flush();
        await this.runAllDue();
      });
    }
    return this.started;
  }

  /** Reconcile again (the wake alarm, a debugging request), then send and act. */
  async reconcile(reason = "reconcile") {
    await this.init();
    await this.catcher.reconcile(reason);
    await this.flush();
    await this.runAllDue();
  }

  /** Loaded, and (once start() ran) reconciled: what event handlers wait for. */
  async _settled() {
    await this.init();
    await this.reconciled;
  }

  // ---------------------------------------------------------------- events

  /** downloads.onChanged listener (both delta shapes). */
  async onChanged(delta) {
    if (!this.catcher.seen(delta)) return;
    await this._settled();
    await this.catcher.changed(delta);
    await this.flush();
  }

  /** downloads.onCreated listener: a running download is watched. */
  onCreated(item) {
    return this.catcher.created(item);
  }

  /** The running watch found a download that receives nothing: forwarded as a stall. */
  async onStall(item) {
    await this._settled();
    await this.catcher.stalled(item);
    await this.flush();
  }

  /** alarms.onAlarm listener. */
  async onAlarm(alarm) {
    if (alarm?.name !== WAKE_ALARM && alarm?.name !== WATCH_ALARM) return;
    this.log.info(alarm.name === WAKE_ALARM ? "wake alarm" : "watch alarm");
    await this.start("alarm");
    await this.reconcile("alarm");
  }

  /** The browser went online: run what waited for the network. */
  async onOnline() {
    this.log.info("online");
    await this.runAllDue();
  }

  /**
   * notifications.onClicked / onButtonClicked (`button`: the button's index): a user
   * gesture; resume if we asked for it, or keep the bytes if the user chose that.
   */
  async onNotificationClicked(notifId, button = null) {
    if (!String(notifId).startsWith("dlrescue:")) return;
    await this.start("notification");
    await this.reconciled;
    await this.clicks.clicked(notifId, button);
  }

  // ---------------------------------------------------------------- acting and sending

  /** Send queued messages, one at a time, while the host answers. Never throws. */
  flush() {
    return this.delivery.flush();
  }

  /** Run every pending action that is due (the Actor). */
  runAllDue() {
    return this.actor.runAllDue();
  }

  // ---------------------------------------------------------------- the popup

  /** "Retry now" for the download of ledger record `key` (user_actions.js). */
  async retryNow(request) {
    await this.start("popup");
    return this.userActions.retryNow(request);
  }

  /** "Give up" for the download of ledger record `key` (user_actions.js). */
  async giveUp(request) {
    await this.start("popup");
    return this.userActions.giveUp(request);
  }

  /** What the extension itself is doing about a history row (for the popup). */
  localState(eventId, downloadId, url) {
    return this.userActions.localState(eventId, downloadId, url);
  }

  // ---------------------------------------------------------------- debugging

  /** Resolves when every queued step and the current flush are done (tests, debugging). */
  async idle() {
    for (let i = 0; i < 20; i += 1) {
      const last = this.serial.last();
      await last;
      if (this.delivery.flushing) await this.delivery.flushing;
      if (last === this.serial.last() && !this.delivery.flushing) return;
    }
  }

  /** Everything, for debugging and the end-to-end tests. */
  debugState() {
    const timers = this.waits.state();
    return {
      browser: this.browser,
      online: this.online(),
      host: this.port.status(),
      outbox: this.outbox.entries(),
      records: this.ledger.all(),
      timers: { actions: timers.actions, verifies: timers.verifies },
      keepAwake: this.keepAwake.state(),
      serverSignals: this.signals.state(),
    };
  }
}
