"""A policy's fingerprint: which text, and which library, made a decision (CONTRACT §7).

sha256 over the library's version and the text of every file of the policy, base first
(the file that extends nothing, then each file that extends it, ending with the policy
itself). Each part is preceded by its length in bytes, so that no two different lists of
texts give the same bytes. Paths are left out: the same policy gives the same fingerprint
wherever it is stored, and whether it was loaded from a file or from a string.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .._version import __version__


def fingerprint(texts: Iterable[str]) -> str:
    """The sha256 hex digest of the library version and `texts` (base first)."""
    digest = hashlib.sha256()
    for part in (f"policyrules {__version__}", *texts):
        data = part.encode("utf-8")
        digest.update(f"{len(data)}:".encode("ascii"))
        digest.update(data)
    return digest.hexdigest()
