// One state change at a time. Every step that reads and then writes the ledger, the outbox
// or the timers runs through the one Serial the rescuer makes and hands to each of its
// parts, after the steps queued before it. Talking to the host does not hold it.

export class Serial {
  /** @param {{log?: object}} [o] */
  constructor({ log = console } = {}) {
    this.log = log;
    this.chain = Promise.resolve();
  }

  /**
   * Run fn after every step queued before it; resolve with its result, or with undefined
   * after logging when it throws (a failed step must not stop the next ones).
   */
  run(fn) {
    const step = this.chain.then(() => fn()).catch((e) => {
      this.log.error("rescuer: a step failed:", e?.stack ?? String(e));
      return undefined;
    });
    this.chain = step;
    return step;
  }

  /** The step queued last: once it settles and is still the last, nothing is queued. */
  last() {
    return this.chain;
  }
}
