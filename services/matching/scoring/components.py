"""One function per ranking component, each giving a `Part`: the value in thousandths (0..1000), a status (ok,
insufficient, unavailable) and the reason as a message key of `reasons.MESSAGES` with its arguments.

`Prepared` holds what depends on the demand alone (its codes, their classes, its occupations' affinities, its region
and period), so scoring one offer is a few dictionary lookups. Values, thresholds and why:
docs/matching-ranking.md."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from services.matching.scoring import affinity, fields
from services.matching.scoring.profiles import EDUCATION_LEVELS, DemandProfile, Facts, OfferProfile, level_of_major
from services.matching.scoring.reasons import INSUFFICIENT, MESSAGES, OK, UNAVAILABLE

Part = tuple[int, str, str, dict[str, Any]]

FULL = 1000
# field_fit
SAME_CODE, SAME_CLASS, SAME_CATEGORY = 1000, 700, 400
AFFINITY_MAX = 800  # an occupation's closest major, by text alone, ranks below the same major and above its class
AFFINITY_FLOOR = 0.15  # cosine that counts as "closest" when an occupation's best major is weaker than this
AFFINITY_MIN = 0.03  # cosines below this are noise: one shared common bigram
# education_level: offered rank minus wanted rank
LEVEL_VALUE = {0: 1000, 1: 700, 2: 700, -1: 300}
# geography
SAME_CITY, SAME_PROVINCE = 1000, 600
# relationship
ALLIANCE_SHARE, PAST_SHARE, PAST_FULL = 600, 400, 2
# track_record
CERTIFICATES_FULL, INTERNSHIPS_FULL = 50, 20


def missing(facts: Facts, source: str) -> Part:
    if source in facts.unavailable:
        return (0, UNAVAILABLE, "unavailable", {})
    return (0, INSUFFICIENT, "insufficient", {})


INSUFFICIENT_PART: Part = (0, INSUFFICIENT, "insufficient", {})
NO_FIELD: Part = (0, OK, "no_field", {})


def _affinity_milli(cosine: float, best: float) -> int:
    if cosine < AFFINITY_MIN:
        return 0
    return min(AFFINITY_MAX, int(AFFINITY_MAX * cosine / max(best, AFFINITY_FLOOR)))


@lru_cache(maxsize=4096)
def _affinities(occupation: str) -> dict[str, tuple[int, float]]:
    """major code6 → (affinity value in thousandths, cosine) for one occupation."""
    cosines = affinity.for_occupation(occupation)
    best = max(cosines.values(), default=0.0)
    out = {}
    for major, cos in cosines.items():
        milli = _affinity_milli(cos, best)
        if milli:
            out[major] = (milli, cos)
    return out


def level_rank(offer: OfferProfile) -> int:
    """The rank of the offer's level (stated, else the highest of its majors'); 0 when unknown."""
    if offer.education_level is not None:
        level = EDUCATION_LEVELS.get(offer.education_level)
        return level[0] if level else 0
    return max(map(major_level_rank, offer.major_codes), default=0)


_LEVEL_BY_RANK = {level[0]: level for level in EDUCATION_LEVELS.values()}


@lru_cache(maxsize=8192)
def major_level_rank(code: str) -> int:
    level = level_of_major(code)
    return EDUCATION_LEVELS[level][0] if level else 0


class Prepared:
    """The demand side of every component, computed once per demand."""

    def __init__(self, demand: DemandProfile) -> None:
        self.demand = demand
        majors = [fields.normalize_major(c) for c in demand.major_codes]
        self.majors = dict.fromkeys(majors)
        self.classes: dict[str, str] = {}
        self.categories: dict[str, str] = {}
        for code in majors:
            self.classes.setdefault(fields.class_key(code), code)
            self.categories.setdefault(fields.category_key(code), code)
        self.occupations = dict.fromkeys(demand.occupation_codes)
        self.occ_groups: dict[str, str] = {}
        self.occ_fields: dict[str, str] = {}
        for code in demand.occupation_codes:
            group, minor = fields.occupation_prefixes(code)
            if group:
                self.occ_groups.setdefault(group, code)
            if minor:
                self.occ_fields.setdefault(minor, code)
        # major code6 → (value, cosine, demand occupation): the best affinity of any of the demand's occupations
        self.affine: dict[str, tuple[int, float, str]] = {}
        for occ in demand.occupation_codes:
            for major, (milli, cos) in _affinities(occ).items():
                if major not in self.affine or milli > self.affine[major][0]:
                    self.affine[major] = (milli, cos, occ)
        self.has_field = bool(majors or demand.occupation_codes)
        self.level = EDUCATION_LEVELS.get(demand.education_level or "")
        self.region = fields.region_parts(demand.region_code) if demand.region_code else None
        self.memo: dict[Any, Part] = {}
        self.major_memo: dict[str, Part] = {}
        self.occupation_memo: dict[str, Part] = {}

    # ---- field_fit ------------------------------------------------------------------------------------------------
    def field_fit(self, offer: OfferProfile) -> Part:
        key = ("f", offer.major_codes, offer.occupation_codes)
        part = self.memo.get(key)
        if part is None:
            part = self.memo[key] = self._field_fit(offer.major_codes, offer.occupation_codes)
        return part

    def _field_fit(self, major_codes: tuple[str, ...], occupation_codes: tuple[str, ...]) -> Part:
        if not self.has_field or not (major_codes or occupation_codes):
            return INSUFFICIENT_PART
        best: Part = NO_FIELD
        for code in major_codes:
            part = self.major_part(code)
            if part[0] > best[0]:
                best = part
        for code in occupation_codes:
            part = self.occupation_part(code)
            if part[0] > best[0]:
                best = part
        return best

    def major_part(self, code: str) -> Part:
        """The field fit of one offered major code (memoised per demand)."""
        part = self.major_memo.get(code)
        if part is None:
            part = self.major_memo[code] = self._major(fields.normalize_major(code))
        return part

    def occupation_part(self, code: str) -> Part:
        """The field fit of one offered occupation code (memoised per demand)."""
        part = self.occupation_memo.get(code)
        if part is None:
            part = self.occupation_memo[code] = self._occupation(code)
        return part

    def _major(self, code: str) -> Part:
        if code in self.majors:
            part: Part = (SAME_CODE, OK, "same_major", {"code": code, "name": fields.major_name(code)})
        elif (other := self.classes.get(fields.class_key(code))) is not None:
            part = (SAME_CLASS, OK, "same_class", {"code": other, "other": code, "class_name": fields.class_name(code)})
        elif (other := self.categories.get(fields.category_key(code))) is not None:
            args = {"code": other, "other": code, "category_name": fields.category_name(code)}
            part = (SAME_CATEGORY, OK, "same_category", args)
        else:
            part = NO_FIELD
        # the text affinity of the demand's occupations to this major counts when it is the stronger evidence
        hit = self.affine.get(code)
        if hit is not None and hit[0] > part[0]:
            part = (hit[0], OK, "affinity", _affinity_args(hit[2], code, hit[1]))
        return part

    def _occupation(self, code: str) -> Part:
        group, minor = fields.occupation_prefixes(code)
        if code in self.occupations:
            return (SAME_CODE, OK, "same_occupation", {"code": code, "name": fields.occupation_name(code)})
        if group and (other := self.occ_groups.get(group)) is not None:
            part: Part = (SAME_CLASS, OK, "same_occupation_group", {"code": other, "other": code})
        elif minor and (other := self.occ_fields.get(minor)) is not None:
            part = (SAME_CATEGORY, OK, "same_occupation_field", {"code": other, "other": code})
        else:
            part = NO_FIELD
        # the text affinity of this occupation to the demand's majors counts when it is the stronger evidence
        close = self._offer_occupation_affinity(code)
        return close if close[0] > part[0] else part

    def _offer_occupation_affinity(self, occupation: str) -> Part:
        best: Part = NO_FIELD
        table = _affinities(occupation)
        for major in self.majors:
            hit = table.get(major)
            if hit is not None and hit[0] > best[0]:
                best = (hit[0], OK, "affinity", _affinity_args(occupation, major, hit[1]))
        return best

    # ---- capacity_fit ---------------------------------------------------------------------------------------------
    def capacity_fit(self, offer: OfferProfile) -> Part:
        need, can = self.demand.headcount, offer.count
        if need is None or need <= 0 or can is None or can < 0:
            return INSUFFICIENT_PART
        milli = min(FULL, can * FULL // need)
        return (milli, OK, "capacity", {"need": need, "can": min(can, need), "share": milli // 10})

    # ---- education_level ------------------------------------------------------------------------------------------
    def education_level(self, offer: OfferProfile) -> Part:
        key = ("e", offer.education_level, offer.major_codes)
        part = self.memo.get(key)
        if part is None:
            part = self.memo[key] = self._education_level(offer)
        return part

    def _education_level(self, offer: OfferProfile) -> Part:
        offered = _LEVEL_BY_RANK.get(level_rank(offer))
        if self.level is None or offered is None:
            return INSUFFICIENT_PART
        diff = offered[0] - self.level[0]
        args = {"level": offered[1], "level_en": offered[2], "wanted": self.level[1], "wanted_en": self.level[2]}
        key = "level_same" if diff == 0 else "level_higher" if diff > 0 else "level_lower"
        return (self.level_value(offered[0]), OK, key, args)

    def level_value(self, offered_rank: int) -> int:
        """The value of an offered level (its rank in EDUCATION_LEVELS) against the demand's; 0 if either is unknown."""
        if self.level is None or not offered_rank:
            return 0
        return LEVEL_VALUE.get(offered_rank - self.level[0], 0)

    # ---- geography ------------------------------------------------------------------------------------------------
    def geography(self, offer: OfferProfile) -> Part:
        key = ("g", offer.region_code)
        part = self.memo.get(key)
        if part is None:
            part = self.memo[key] = self._geography(offer.region_code)
        return part

    def _geography(self, region_code: str | None) -> Part:
        if self.region is None or not region_code:
            return INSUFFICIENT_PART
        city, province = fields.region_parts(region_code)
        d_city, d_province = self.region
        if city is not None and city == d_city:
            return (SAME_CITY, OK, "same_city", {"code": city, "name": fields.region_name(city)})
        if province == d_province:
            return (SAME_PROVINCE, OK, "same_province", {"code": province, "name": fields.region_name(province)})
        return (0, OK, "elsewhere", {"code": self.demand.region_code, "other": region_code})

    # ---- period_overlap -------------------------------------------------------------------------------------------
    def period_overlap(self, offer: OfferProfile) -> Part:
        key = ("p", offer.period_start, offer.period_end)
        part = self.memo.get(key)
        if part is None:
            part = self.memo[key] = self._period(offer.period_start, offer.period_end)
        return part

    def _period(self, start: date | None, end: date | None) -> Part:
        kind, days, milli = self.overlap(start, end)
        if kind == "period":
            return (milli, OK, "period", {"days": days, "share": milli // 10})
        return INSUFFICIENT_PART if kind == "insufficient" else (milli, OK, kind, {})

    def overlap(self, start: date | None, end: date | None) -> tuple[str, int, int]:
        """(insufficient / period_open / period_none / period, days of overlap, value): the share of the demand's
        period the offer's covers; an open end runs on; a demand without an end is covered by any overlap."""
        d_start, d_end = self.demand.period_start, self.demand.period_end
        if d_start is None or start is None or (d_end is not None and d_end < d_start):
            return ("insufficient", 0, 0)
        if end is not None and end < start:
            return ("insufficient", 0, 0)
        if d_end is None:
            return ("period_open", 0, FULL) if end is None or end >= d_start else ("period_none", 0, 0)
        last = d_end if end is None else min(d_end, end)
        days = (last - max(d_start, start)).days + 1
        if days <= 0:
            return ("period_none", 0, 0)
        return ("period", days, days * FULL // ((d_end - d_start).days + 1))

    # ---- relationship, track_record, shortage: facts, counted only for a pair with a field in common -------------
    def relationship(self, offer: OfferProfile, facts: Facts, field_milli: int) -> Part:
        same = facts.same_alliance
        if same is None and self.demand.alliance_id is not None and offer.alliance_id is not None:
            same = self.demand.alliance_id == offer.alliance_id
        past = facts.past_agreements
        if same is None and past is None:
            return missing(facts, "membership")
        if field_milli == 0:
            return (0, OK, "not_in_field", {})
        milli = (ALLIANCE_SHARE if same else 0) + (PAST_SHARE * min(past, PAST_FULL) // PAST_FULL if past else 0)
        alliance = "alliance_unknown" if same is None else "alliance_same" if same else "alliance_other"
        args = {
            "alliance": _message(alliance, False),
            "alliance_en": _message(alliance, True),
            "past": "未知" if past is None else f"{past} 份",
            "past_en": "unknown" if past is None else str(past),
        }
        return (milli, OK, "relationship", args)

    def track_record(self, facts: Facts, field_milli: int) -> Part:
        record = facts.track_record
        if record is None:
            return missing(facts, "training")
        if field_milli == 0:
            return (0, OK, "not_in_field", {})
        certs, interns = max(record.certificates, 0), max(record.completed_internships, 0)
        half = FULL // 2
        milli = half * min(certs, CERTIFICATES_FULL) // CERTIFICATES_FULL
        milli += half * min(interns, INTERNSHIPS_FULL) // INTERNSHIPS_FULL
        return (milli, OK, "track_record", {"certificates": certs, "internships": interns})

    def shortage(self, facts: Facts, field_milli: int) -> Part:
        if facts.shortage is None:
            return missing(facts, "matching")
        if not facts.shortage:
            return (0, OK, "no_shortage", {})
        if field_milli == 0:
            return (0, OK, "not_in_field", {})
        return (field_milli, OK, "shortage", {"fit": f"{field_milli / FULL:.2f}"})


def _message(key: str, english: bool) -> str:
    return MESSAGES[key][1 if english else 0]


def _affinity_args(occupation: str, major: str, cosine: float) -> dict[str, Any]:
    return {
        "code": occupation,
        "name": fields.occupation_name(occupation),
        "other": major,
        "other_name": fields.major_name(major),
        "sim": f"{cosine:.2f}",
    }
