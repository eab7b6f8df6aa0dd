"""What an allocation run answers: the assignments, their total score and the quality report, with one canonical
JSON form (RFC 8785, the same canonical JSON the certificates sign), so the same input gives the same bytes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import rfc8785


@dataclass(frozen=True)
class Assignment:
    demand_id: str
    offer_id: str
    count: int
    points: int


@dataclass(frozen=True)
class TakenBy:
    """A pair that holds places of an unfilled demand's candidate offer."""

    demand_id: str
    offer_id: str
    count: int
    points: int


@dataclass(frozen=True)
class Shortfall:
    """Why a demand got fewer places than it asked for (`reason` is a code, `text` says it in Chinese and English)."""

    demand_id: str
    headcount: int
    filled: int
    reason: str
    text: dict[str, str]
    taken_by: list[TakenBy] = field(default_factory=list)
    spare_pruned_offers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SchoolShare:
    """One school's (offer organization's) part of the allocation."""

    org_id: str
    offers: int
    capacity: int
    places: int
    demands: int
    points: int


@dataclass(frozen=True)
class PruningEffect:
    """The optimum on each demand's `top_k` best candidates next to the optimum on all of them."""

    top_k: int
    arcs_kept: int
    arcs_total: int
    objective_pruned: int
    objective_unpruned: int
    filled_pruned: int
    filled_unpruned: int

    @property
    def loss(self) -> int:
        return self.objective_unpruned - self.objective_pruned

    @property
    def share_kept(self) -> float:
        """The pruned objective as a share of the unpruned one (1.0 when nothing is lost)."""
        return 1.0 if self.objective_unpruned == 0 else self.objective_pruned / self.objective_unpruned


@dataclass(frozen=True)
class QualityReport:
    method: str
    demands: int
    headcount_requested: int
    headcount_filled: int
    demands_fully_filled: int
    share_fully_filled: float
    mean_score: float | None
    objective: int
    greedy_objective: int
    min_points: int
    top_k: int | None
    arcs_kept: int
    arcs_pruned: int
    # What `top_k` cost (None without `top_k`, in greedy's report, or when the caller skipped measuring it).
    pruning: PruningEffect | None
    per_school: list[SchoolShare]
    unfilled: list[Shortfall]


@dataclass(frozen=True)
class AllocationResult:
    assignments: list[Assignment]
    objective: int
    report: QualityReport

    def as_dict(self) -> dict:
        return asdict(self)

    def result_json(self) -> bytes:
        """The canonical JSON of the whole result (RFC 8785: sorted keys, no spaces, fixed number form)."""
        return rfc8785.dumps(self.as_dict())
