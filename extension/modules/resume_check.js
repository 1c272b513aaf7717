// Did a resume work? Pure.
//
// Chrome counts resumes without a user gesture; after 5 (its own IMMEDIATE retries count too),
// downloads.resume() resolves and does nothing (BROWSER_FACTS section 2). So after every
// resume the extension looks again a few seconds later.

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
