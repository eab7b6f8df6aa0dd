"""Names and search keys."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")  # str patterns match Unicode whitespace, incl. U+3000


def normalize_name(raw: str) -> str:
    """Strip and collapse each internal whitespace run to one ASCII space.

    No NFKC here: full-width Chinese punctuation （）、，is part of official names and is kept.
    """
    return _WHITESPACE.sub(" ", raw.strip())


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping 2-character keys of the NFKC-lower-cased text with all whitespace removed.

    Duplicates are dropped, first occurrence order kept. A 1-character text gives ``[text]``
    (normalised), an empty or all-whitespace one ``[]``.
    """
    folded = "".join(unicodedata.normalize("NFKC", text).lower().split())
    if len(folded) <= 1:
        return [folded] if folded else []
    return list(dict.fromkeys(folded[i : i + 2] for i in range(len(folded) - 1)))
