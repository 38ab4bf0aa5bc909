"""Masking secrets (API keys, database passwords) in text that is logged, printed or stored.

A secret is replaced only where it stands whole. A long secret (:data:`MIN_SECRET_LENGTH`
characters or more) is replaced wherever it occurs; a shorter one only where it is not part
of a longer word, so that a one-letter password never turns "connection" into
"c***nnecti***n". A password written inside a URL (``scheme://user:PASSWORD@host``) is masked
whatever its length: :func:`mask_url_passwords`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "MIN_SECRET_LENGTH", "mask_secrets", "mask_url_passwords"]

MASK = "***"
MIN_SECRET_LENGTH = 8
"""A secret this long is masked wherever it occurs; a shorter one only as a whole token."""

_URL_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)(?P<pw>[^\s/]*)@")


def mask_secrets(text: str, secrets: Iterable[str | None], mask: str = MASK) -> str:
    """``text`` with every occurrence of each secret replaced by ``mask`` (longest first).

    A secret shorter than :data:`MIN_SECRET_LENGTH` is replaced only where it is not
    preceded or followed by a letter or digit.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, mask)
        else:
            whole = rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])"
            text = re.sub(whole, mask.replace("\\", "\\\\"), text)
    return text


def mask_url_passwords(text: str, mask: str = MASK) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL masked."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['head']}{mask}@", text)
