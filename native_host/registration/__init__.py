"""Registration of the native-messaging host with every browser: `dlrescue register`,
`unregister` and `doctor`.

    targets.py   (browser, OS, scope) -> folder or registry key, as tables (pure)
    manifest.py  the host manifest: builder, checker, extension-id rules (pure)
    launcher.py  the script a manifest's `path` names: runs the host with `python -I`
    writers.py   safe writes: ownership and mode checks, temp file + atomic rename
    windows.py   the registry, behind one small seam (`winreg` is imported only there)
    detect.py    what this machine has: its folders, installed and sandboxed browsers
    ledger.py    the record of what register wrote, so unregister removes exactly that
    steps.py     what a plan is made of: the steps, their owners, the plan (pure data)
    plan.py      register / unregister as a list of steps: built (writing nothing), described
    recorded.py  the manifests an earlier register recorded, rewritten when ids change
    apply.py     a plan carried out: files, registry values, and the ledger of both
    doctor.py    checks every registration and says hello to the host as a browser would
    assets.py    where the extension folder and the manifest templates are installed
    commands.py  the argparse side of the three commands
"""


class RegistrationError(Exception):
    """Something on the machine prevents the operation; the message says what and the fix."""


class UsageError(RegistrationError):
    """The options asked for something that cannot be done (exit status 2)."""
