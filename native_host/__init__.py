"""dlrescue: rescue browser downloads that die half way.

This package is the native-messaging host and the `dlrescue` command line. The names below
are the product's fixed identities; they import nothing so the host starts fast.
"""

__version__ = "0.1.0"

#: The native-messaging host name the extension connects to.
HOST_NAME = "org.dlrescue.host"

#: Chrome-family extension id, fixed by the public `key` in extension/manifest.json
#: (the first 128 bits of SHA-256 of the key, written with the letters a-p).
CHROME_EXTENSION_ID = "gjccldfdjgdpkjgmhcahflepmbmohjjc"

#: Firefox-family add-on id, from `browser_specific_settings.gecko.id`.
GECKO_ID = "dlrescue@dlrescue.org"

#: The protocol version announced in the `hello` reply.
PROTOCOL = 1
