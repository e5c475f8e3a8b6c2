"""The reviewer's verifier page, ``verify.html``: one self-contained file that re-checks a whole draw
in any current browser, with nothing installed (the third implementation of protocol v1, beside the
package and ``verify-task.sh``).

The page is built from ``templates/verifier/``: ``page.html`` (the page, its style and words),
``verify/*.js`` (the verifier, written from ``docs/draw-protocol.md``: one file a concern, run in name
order as one script in one scope) and ``js-yaml.min.js`` (js-yaml 4.3.2, MIT, to read the params as
PyYAML does). Both scripts are inline, and the page's
Content-Security-Policy allows exactly those two by their SHA-256 and nothing else: no other script,
no fetch, no connection. The bytes are the same for every archive, so one SHA-256 identifies the
page of a version (``sha256()``, printed by ``make verify`` and in the README).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from .evidence.store import sha256_bytes, write_new

SOURCES = Path(__file__).resolve().parent / "templates" / "verifier"
VENDOR = "js-yaml.min.js"
VERIFIER = "verify"  # the verifier's files, joined in name order into the page's second script
# Everything the page may do: its own two scripts, inline styles, data: images; no fetch, no form, no base.
POLICY = ("default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; connect-src 'none'; "
          "base-uri 'none'; form-action 'none'")


def _hash_source(script: str) -> str:
    """A CSP source allowing exactly this inline script (CSP Level 2, "hash-source")."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def script() -> str:
    """The verifier: its files in name order, in one strict-mode scope."""
    parts = [path.read_text(encoding="utf-8") for path in sorted((SOURCES / VERIFIER).glob("*.js"))]
    return "'use strict';\n(() => {\n" + "\n".join(parts) + "})();\n"


@cache
def page() -> bytes:
    """The page's bytes: the template with both scripts inlined and the policy naming their hashes."""
    vendor, script_ = (SOURCES / VENDOR).read_text(encoding="utf-8"), script()
    for name, text in ((VENDOR, vendor), (VERIFIER, script_)):
        if "</script" in text.lower():
            raise ValueError(f"{name} contains '</script', which would end the inline script early")
    policy = POLICY.format(hashes=" ".join(_hash_source(text) for text in (vendor, script_)))
    html = (SOURCES / "page.html").read_text(encoding="utf-8")
    html = html.replace("@CSP@", policy).replace("@VENDOR@", vendor).replace("@SCRIPT@", script_)
    return html.encode("utf-8")


def sha256() -> str:
    """The SHA-256 of this version's page, as ``certutil -hashfile verify.html SHA256`` prints it (lower case)."""
    return sha256_bytes(page())


def write(path: Path) -> None:
    """Write the page to ``path`` (never over an existing file)."""
    write_new(path, page())
