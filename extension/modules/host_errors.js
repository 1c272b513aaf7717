// What an error reply from the host means for the queued message it answers (PROTOCOL.md,
// "Errors": its last column). Pure.

/**
 * What to do with an error reply to a queued event:
 *   "retry": keep it queued and try again later (the host could not store it now);
 *   "drop":  the host refused it for good; keep it and we would loop for ever.
 * Unknown codes are dropped too (the list is append-only; a new code we do not know cannot
 * be one we know how to wait out), but logged loudly.
 */
export function errorDisposition(code) {
  return code === "store_unavailable" ? "retry" : "drop";
}
