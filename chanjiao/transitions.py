"""State machines for lifecycle resources: legal moves as data, 409s that name the allowed ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from chanjiao.errors import Conflict


class IllegalTransition(Conflict):
    slug = "illegal-transition"
    title_zh, title_en = "不允许的状态变更", "Illegal transition"


class OutOfOrderEvent(Conflict):
    slug = "event-out-of-order"
    title_zh, title_en = "生效日期早于最近一次变更", "Effective date precedes the latest event"


@dataclass(frozen=True)
class StateMachine:
    name: str
    moves: Mapping[str, frozenset[str]]

    def allowed_from(self, state: str) -> list[str]:
        return sorted(self.moves.get(state, frozenset()))

    def is_terminal(self, state: str) -> bool:
        return not self.moves.get(state)

    def check(self, current: str, target: str) -> None:
        allowed = self.allowed_from(current)
        if target in allowed:
            return
        shown = "、".join(allowed) if allowed else "无（终态）"
        shown_en = ", ".join(allowed) if allowed else "none (terminal state)"
        raise IllegalTransition(
            detail_zh=f"{self.name} 不能从 {current} 变为 {target}；允许的目标状态：{shown}",
            detail_en=f"{self.name} cannot go from {current} to {target}; allowed: {shown_en}",
            extra={"current": current, "allowed": allowed},
        )

    @staticmethod
    def check_effective_on(latest: date | None, effective_on: date) -> None:
        """Events are append-only in time: one dated before the latest event is a conflict."""
        if latest is not None and effective_on < latest:
            raise OutOfOrderEvent(
                detail_zh=f"生效日期 {effective_on} 早于最近一次变更日期 {latest}",
                detail_en=f"effective_on {effective_on} is before the latest event on {latest}",
                extra={"latest_effective_on": latest.isoformat()},
            )
