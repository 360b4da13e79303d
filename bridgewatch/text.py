"""Vietnamese text helpers: NFC storage and diacritic-insensitive search keys."""

from __future__ import annotations

import re
import unicodedata

# đ/Đ are letters of their own, not d + a combining mark: NFD leaves them alone.
_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_SPACES = re.compile(r"\s+")


def nfc(value: str) -> str:
    """Return `value` in NFC with outer whitespace trimmed and inner runs collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Search key: lower case, no diacritics, đ→d ("Chợ Đồn" -> "cho don")."""
    decomposed = unicodedata.normalize("NFD", value.translate(_SPECIAL_FOLDS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.lower()).strip()


def slug(value: str) -> str:
    """ASCII identifier from a name ("Chợ Đồn" -> "cho-don")."""
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")
