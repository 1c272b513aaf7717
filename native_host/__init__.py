"""dlrescue: rescue browser downloads that die half way.

This package is the native-messaging host and the `dlrescue` command line. The names below
are the product's fixed identities; they import nothing so the host starts fast.
"""

__version__ = "0.1.0"

#: The native-messaging host name the extension connects to.
HOST_NAME = "org.dlrescue.host"

#: Chrome-family ids of dlrescue's own extension, by where the copy comes from. Every id here
#: may use the host and is written into every Chrome-family host manifest.
#: - "unpacked": the folder loaded by hand (or a self-packed .crx), fixed by the public `key` in
#:   extension/manifest.json (the first 128 bits of SHA-256 of the key, letters a-p).
#: - a store's copy carries no `key` (the Chrome Web Store refuses it) and gets the id the
#:   store assigns: add it here as "chrome-web-store": "<id>" once the extension is published.
CHROME_EXTENSION_IDS: dict[str, str] = {
    "unpacked": "gjccldfdjgdpkjgmhcahflepmbmohjjc",
}

#: The unpacked extension's id (what `dlrescue doctor` and the tests call the host with).
CHROME_EXTENSION_ID = CHROME_EXTENSION_IDS["unpacked"]

#: Firefox-family add-on id, from `browser_specific_settings.gecko.id`: the same unpacked and
#: on addons.mozilla.org, which keeps the id the manifest declares.
GECKO_ID = "dlrescue@dlrescue.org"

#: The protocol version announced in the `hello` reply.
PROTOCOL = 1
