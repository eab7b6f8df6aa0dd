"""Occupation↔major affinity from the shipped reference tables (chanjiao.refdata): the cosine between character-bigram
TF-IDF vectors of an occupation (its name, counted twice, and its definition) and of a major (its name, counted twice,
and its 专业类 name). Built lazily on first use (~0.2 s) and cached; nothing is downloaded or stored.

Only runs of CJK characters make bigrams, so punctuation and Latin letters are ignored; bigrams that occur in
almost every text (从事, 人员) weigh little through the IDF. Method, examples and limits: docs/matching-ranking.md."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from chanjiao import refdata

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

Vector = dict[str, float]


def bigrams(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out[run] += 1
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _occupation_text(row: dict) -> list[str]:
    return [row["name"], row["name"], row["definition"] or ""]


def _major_text(row: dict) -> list[str]:
    return [row["name"], row["name"], row["class_name"]]


class _Index:
    """TF-IDF vectors (unit length) of every major and occupation, and an inverted index of the majors' bigrams."""

    def __init__(self) -> None:
        majors = {m["code6"]: m for m in refdata.majors()}
        occupations = {o["code"]: o for o in refdata.occupations()}
        counts_m = {code: sum((bigrams(t) for t in _major_text(m)), Counter()) for code, m in majors.items()}
        counts_o = {code: sum((bigrams(t) for t in _occupation_text(o)), Counter()) for code, o in occupations.items()}
        df: Counter[str] = Counter()
        for counts in (*counts_m.values(), *counts_o.values()):
            df.update(counts.keys())
        n = len(counts_m) + len(counts_o)
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1.0 for g, d in df.items()}
        self.majors = {code: self._vector(c) for code, c in counts_m.items()}
        self.occupations = {code: self._vector(c) for code, c in counts_o.items()}
        self.postings: dict[str, list[tuple[str, float]]] = {}
        for code, vec in self.majors.items():
            for g, w in vec.items():
                self.postings.setdefault(g, []).append((code, w))

    def _vector(self, counts: Counter[str]) -> Vector:
        vec = {g: (1.0 + math.log(c)) * self.idf[g] for g, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        return {g: w / norm for g, w in vec.items()} if norm else {}


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index()


def known_occupation(code: str) -> str | None:
    """The code itself if the table has a text for it, else its nearest ancestor that has one (None if none)."""
    occupations = _index().occupations
    while code:
        if occupations.get(code):
            return code
        code = code.rsplit("-", 1)[0] if "-" in code else ""
    return None


@lru_cache(maxsize=4096)
def for_occupation(code: str) -> dict[str, float]:
    """Affinity (cosine, 0..1) of the occupation `code` (or its nearest known ancestor) to every major sharing a
    bigram with it, keyed by the major's six-digit code; majors absent have affinity 0. Empty if the code is unknown."""
    known = known_occupation(code)
    if known is None:
        return {}
    index = _index()
    out: dict[str, float] = {}
    for g, w in index.occupations[known].items():
        for major, mw in index.postings.get(g, ()):
            out[major] = out.get(major, 0.0) + w * mw
    return out


def affinity(occupation_code: str, major_code: str) -> float:
    """The affinity of one occupation to one major (0 when either is unknown or they share no bigram)."""
    return for_occupation(occupation_code).get(major_code[:6], 0.0)
