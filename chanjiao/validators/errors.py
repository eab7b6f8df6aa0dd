"""The one error type raised by every validator in this package."""

from __future__ import annotations


class CodeError(ValueError):
    """A code, number or identifier is malformed.

    `rule` is a stable machine-readable name (``"length"``, ``"charset"``, ``"check_character"`` …)
    that callers can map to an error `type`. The messages describe the rule only: they never
    contain the rejected value, which may be personal data (ID and phone numbers).
    """

    def __init__(self, rule: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.rule = rule
        self.message_zh = message_zh
        self.message_en = message_en

    def __repr__(self) -> str:
        return f"CodeError(rule={self.rule!r}, message_en={self.message_en!r})"
