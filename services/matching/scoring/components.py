"""One function per ranking component, each giving a `Part`: the value in thousandths (0..1000), a status (ok,
insufficient, unavailable) and the reason as a message key of `reasons.MESSAGES` with its arguments.

`Prepared` holds what depends on the demand alone (its codes, their classes, its occupations' affinities, its region
and period), so scoring one offer is a few dictionary lookups. Values, thresholds and why:
docs/matching-ranking.md."""

from __future__ import annotations

from datetime import date
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


def _affinity_milli(cosine: float, best: float) -> int:
    if cosine < AFFINITY_MIN:
        return 0
    return min(AFFINITY_MAX, int(AFFINITY_MAX * cosine / max(best, AFFINITY_FLOOR)))


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


def _level_of(offer: OfferProfile) -> str | None:
    if offer.education_level is not None:
        return offer.education_level
    levels = [level_of_major(c) for c in offer.major_codes]
    known = [lv for lv in levels if lv in EDUCATION_LEVELS]
    return max(known, key=lambda lv: EDUCATION_LEVELS[lv][0]) if known else None


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
        best: Part = (0, OK, "no_field", {})
        for raw in major_codes:
            code = fields.normalize_major(raw)
            if code in self.majors:
                part: Part = (SAME_CODE, OK, "same_major", {"code": code, "name": fields.major_name(code)})
            elif (other := self.classes.get(fields.class_key(code))) is not None:
                part = (
                    SAME_CLASS,
                    OK,
                    "same_class",
                    {"code": other, "other": code, "class_name": fields.class_name(code)},
                )
            elif (other := self.categories.get(fields.category_key(code))) is not None:
                args = {"code": other, "other": code, "category_name": fields.category_name(code)}
                part = (SAME_CATEGORY, OK, "same_category", args)
            else:
                part = (0, OK, "no_field", {})
            # the text affinity of the demand's occupations to this major counts when it is the stronger evidence
            hit = self.affine.get(code)
            if hit is not None and hit[0] > part[0]:
                part = (hit[0], OK, "affinity", _affinity_args(hit[2], code, hit[1]))
            if part[0] > best[0]:
                best = part
        for code in occupation_codes:
            group, minor = fields.occupation_prefixes(code)
            if code in self.occupations:
                part = (SAME_CODE, OK, "same_occupation", {"code": code, "name": fields.occupation_name(code)})
            elif group and (other := self.occ_groups.get(group)) is not None:
                part = (SAME_CLASS, OK, "same_occupation_group", {"code": other, "other": code})
            elif minor and (other := self.occ_fields.get(minor)) is not None:
                part = (SAME_CATEGORY, OK, "same_occupation_field", {"code": other, "other": code})
            else:
                part = self._offer_occupation_affinity(code)
            if part[0] > best[0]:
                best = part
        return best

    def _offer_occupation_affinity(self, occupation: str) -> Part:
        best: Part = (0, OK, "no_field", {})
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
        key = ("e", offer.education_level, offer.major_codes if offer.education_level is None else None)
        part = self.memo.get(key)
        if part is None:
            part = self.memo[key] = self._education_level(offer)
        return part

    def _education_level(self, offer: OfferProfile) -> Part:
        offered = EDUCATION_LEVELS.get(_level_of(offer) or "")
        if self.level is None or offered is None:
            return INSUFFICIENT_PART
        diff = offered[0] - self.level[0]
        args = {"level": offered[1], "level_en": offered[2], "wanted": self.level[1], "wanted_en": self.level[2]}
        key = "level_same" if diff == 0 else "level_higher" if diff > 0 else "level_lower"
        return (LEVEL_VALUE.get(diff, 0), OK, key, args)

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
        d_start, d_end = self.demand.period_start, self.demand.period_end
        if d_start is None or start is None or (d_end is not None and d_end < d_start):
            return INSUFFICIENT_PART
        if end is not None and end < start:
            return INSUFFICIENT_PART
        if d_end is None:
            overlaps = end is None or end >= d_start
            return (FULL, OK, "period_open", {}) if overlaps else (0, OK, "period_none", {})
        last = d_end if end is None else min(d_end, end)
        days = (last - max(d_start, start)).days + 1
        if days <= 0:
            return (0, OK, "period_none", {})
        span = (d_end - d_start).days + 1
        milli = days * FULL // span
        return (milli, OK, "period", {"days": days, "share": milli // 10})

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
