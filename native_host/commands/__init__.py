"""The history's commands, one module each: each has `<name>_args(parser)`, which declares
its options (parsed and checked by options.py's `type=`), and `<name>_run(args) -> int`,
which opens the store, calls one library function and writes what report/ formats.

    history.py  list recorded interruptions        stats.py   counts and how retries pay off
    export.py   every event as JSON Lines or CSV   prune.py   remove old ended downloads
    policy.py   the effective retry policy         common.py  the store, spans, the terminal

The registration commands (register, unregister, doctor) are registration/commands.py.
cli.py builds the parser of the command given and maps failures to exit statuses.
"""
