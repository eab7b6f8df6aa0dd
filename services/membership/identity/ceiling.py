"""Scopes are a ceiling: nothing a principal creates carries more than the principal holds.

The calling token's scopes (`Principal.scopes`, as the gateway established them — a login narrowed
with `scope=` carries only those) bound every credential it creates:

* an API key: its `scopes` must be a subset of the caller's (else 403 naming the missing ones);
* an invitation or a password-reset token: the account it leads to logs in with every scope its
  roles give (`chanjiao/auth.py` `scopes_for_roles`), so the caller must hold all of those;
* a session: a refresh keeps the narrowing chosen at login (`RefreshToken.scopes`).

A refusal is 403 (like a missing route scope), never a silent narrowing: the caller asked for
something it may not hand out and should know.
"""

from __future__ import annotations

from collections.abc import Iterable

from chanjiao.auth import SCOPES, Principal
from chanjiao.errors import Forbidden


class ScopeCeiling(Forbidden):
    slug = "scope-ceiling"
    title_zh, title_en = "超出本令牌的权限范围", "More than this token holds"


def lacking(principal: Principal, wanted: Iterable[str]) -> list[str]:
    """The scopes among `wanted` that `principal` does not hold, in the vocabulary's order."""
    want = set(wanted)
    return [s for s in SCOPES if s in want and s not in principal.scopes]


def ensure_within(principal: Principal, wanted: Iterable[str], *, what_zh: str, what_en: str) -> None:
    """403 unless `principal` holds every scope in `wanted` (platform admins included)."""
    missing = lacking(principal, wanted)
    if missing:
        raise ScopeCeiling(
            detail_zh=f"{what_zh}不能超出本令牌的权限范围；本令牌缺少：{', '.join(missing)}",
            detail_en=f"{what_en} cannot carry more than this token holds; it lacks: {', '.join(missing)}",
            extra={"missing_scopes": missing},
        )
