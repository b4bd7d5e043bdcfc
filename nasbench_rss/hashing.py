"""Short content hashes of configs: what names a cell directory or an evaluation protocol."""

from __future__ import annotations

import hashlib
import json
from typing import Any

HASH_LENGTH = 10


def json_hash(value: Any, length: int = HASH_LENGTH) -> str:
    """First ``length`` hex digits of the SHA-256 of ``value``'s canonical JSON (sorted keys)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]
