"""The simulation's code fingerprint.

Stored frames are shared between runs of the same spec and seed only while the code
that computed them is the same: a changed model must compute its own frames, not
replay another model's. The fingerprint is the SHA-256 of every module of this package.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path


@functools.cache
def code_digest() -> str:
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
