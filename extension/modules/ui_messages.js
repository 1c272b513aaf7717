// The runtime messages between the popup (or a test page) and the background. The
// background owns the host port; everything else asks it through these.

export const MSG = Object.freeze({
  STATUS: "dlrescue:status", //   -> {host, mode: "companion" | "alone", localDecisions, queued, ...}
  HISTORY: "dlrescue:history", // {limit} -> {ok, items, truncated} | {ok: false, error}
  RETRY: "dlrescue:retry", //     {key (ledger), resumedInPopup} -> {ok, did} | {ok: false, error}
  GIVE_UP: "dlrescue:give-up", // {key (ledger)} -> {ok} | {ok: false, error}
  RECONNECT: "dlrescue:reconnect", // -> status
  DEBUG: "dlrescue:debug", //     -> everything the background knows, and its log
  RECONCILE: "dlrescue:reconcile", // -> debug state after a reconciliation
  POLICY: "dlrescue:policy", //   -> status + {ok, view, allowed, known_reasons} | {ok: false, error}
  SET_POLICY: "dlrescue:set-policy", // {changes} -> as POLICY, + {written} | {ok: false, error}
  DOCTOR: "dlrescue:doctor", //   -> status + {ok, registrations, problems, summary} | {ok: false, error}
});
