// Starting a resume, and checking that it worked. Takes the downloads API and timers as
// arguments.
//
// Chrome counts resumes without a user gesture; after 5 (its own IMMEDIATE retries count too),
// downloads.resume() resolves and does nothing (docs/BROWSERS.md, "Chrome's resume
// counter"). So after every resume the extension looks again a few seconds later.
//
// Firefox's downloads.resume() returns the download's start() promise (ext-downloads.js in
// ESR 153): it settles when the resumed download ENDS, resolving on completion and rejecting
// with the failure (NS_ERROR_ENTITY_CHANGED, ...) if it fails again. Only an immediate
// "Download N cannot be resumed" is a refusal. So a resume is never awaited to the end.

/** How long after resume() we look at the item again. */
export const VERIFY_AFTER_MS = 5000;

/**
 * @param {object|undefined} item   the DownloadItem now (from downloads.search({id}))
 * @param {boolean} sawInProgress   onChanged reported in_progress since the resume
 * @returns {"ok"|"ignored"|"reinterrupted"|"gone"}
 *   ok             it is running (or already complete)
 *   ignored        still interrupted and never ran: the resume was silently dropped
 *   reinterrupted  it ran and failed again: a new interruption, reported as such
 *   gone           the item was erased
 */
export function resumeVerdict(item, sawInProgress) {
  if (!item) return "gone";
  if (item.state === "in_progress" || item.state === "complete") return "ok";
  if (item.state === "interrupted") return sawInProgress ? "reinterrupted" : "ignored";
  return "ok";
}

/** Errors from downloads.resume() that mean "this item cannot be resumed" (restart instead). */
export function isNotResumableError(error) {
  const text = String(error?.message ?? error ?? "");
  return /cannot be resumed|canResume must be true|not resumable|invalid operation/i.test(text);
}

/** How long a resume() promise may take to say "refused" before we take it as started. */
export const RESUME_SETTLE_MS = 300;

/**
 * Call downloads.resume(id) and wait at most settleMs for it to settle.
 * @returns {Promise<{refused: Error|null, failed: Error|null}>}
 *   refused  the browser would not resume it (not resumable): nothing was started;
 *   failed   it started and failed again at once, or another error: the item reports the
 *            rest through onChanged, and the resume check looks at it.
 */
export async function startResume(downloads, id, { timers = globalThis, settleMs = RESUME_SETTLE_MS, log = console } = {}) {
  const pending = Symbol("pending");
  const settled = Promise.resolve()
    .then(() => downloads.resume(id))
    .then(() => null, (e) => (e instanceof Error ? e : new Error(String(e?.message ?? e))));
  let timer;
  const early = await Promise.race([
    settled,
    new Promise((resolve) => {
      timer = timers.setTimeout(() => resolve(pending), settleMs);
    }),
  ]);
  timers.clearTimeout(timer);
  if (early === pending) {
    // still running (Firefox): report how it ends, for the log only
    settled.then((e) => log.info(`resumed download ${id} ${e ? `ended with: ${e.message}` : "completed"}`));
    return { refused: null, failed: null };
  }
  if (early && isNotResumableError(early)) return { refused: early, failed: null };
  return { refused: null, failed: early };
}
