"""What the commands print: pure formatting, no I/O, each formatter a generator of lines.

    formats.py   JSON (safe Unicode), JSON Lines, CSV; history items with their explanation
    cells.py     a cell's text measured in terminal columns, cut, padded; short durations
    tables.py    aligned columns that fit the terminal, and wrapped `label: text` lines
    history.py   `dlrescue history` as a table
    stats.py     `dlrescue stats`: a summary and bar charts
    policy.py    `dlrescue policy`: the effective policy as tables
    prune.py     what `dlrescue prune` removed

Text from the history (URLs, file names, domains) can carry terminal escape codes or
bidirectional overrides: tables show such characters escaped (textsafe.escape: `\\x1b`,
`\\u202e`), and JSON spells them as `\\u` escapes, which decode back to the same text. CSV
keeps the data as it is, quoted, for other tools. Only tables import textwrap and
unicodedata, so `history --format json` starts without them (bench/RESULTS.md).
"""
