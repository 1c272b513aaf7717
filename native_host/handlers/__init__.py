"""One handler per request type, as PROTOCOL.md lists them:

    hello.py        the port's language and browser; the policy file's problems
    interrupted.py  record an interruption and decide it (decide.decide)
    outcome.py      record how a download ended; close its episode
    history.py      the recorded events, filtered, explained
    stats.py        the counts, explained
    space.py        the free bytes at a download's folder (loaded on first use)
    policy.py       the effective policy and what each key allows (the settings page)
    set_policy.py   the settings page's changes, written to policy.toml keeping its comments
    doctor.py       the registrations, checked as `dlrescue doctor` checks them
    events.py       the two writes: each event recorded once under its key, else replayed
    port.py         what the handlers share: the port's state, a request's browser

host.py validates each request (parser.py) and calls its handler, the writes
(`interrupted`, `outcome`) inside the batch's transaction. A handler returns the reply's
payload, or raises HostError.
"""
