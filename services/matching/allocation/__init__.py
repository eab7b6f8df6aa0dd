"""Allocation: assign offer capacity to demand headcount to maximise the total score (docs/matching-allocation.md).

Pure Python over plain values, no database: the caller gathers the demands, offers and scored pairs, `solve` answers
the optimum with its quality report, `greedy` the baseline, `pruning_effect` what `top_k` costs."""

from services.matching.allocation.greedy import greedy
from services.matching.allocation.inputs import AllocationInput, AllocationInputError, DemandNode, Edge, OfferNode
from services.matching.allocation.result import (
    AllocationResult,
    Assignment,
    PruningEffect,
    QualityReport,
    SchoolShare,
    Shortfall,
    TakenBy,
)
from services.matching.allocation.solver import AllocationSolverError, pruning_effect, solve

__all__ = [
    "AllocationInput",
    "AllocationInputError",
    "AllocationResult",
    "AllocationSolverError",
    "Assignment",
    "DemandNode",
    "Edge",
    "OfferNode",
    "PruningEffect",
    "QualityReport",
    "SchoolShare",
    "Shortfall",
    "TakenBy",
    "greedy",
    "pruning_effect",
    "solve",
]
