"""Calendar conventions: "today" is the date in Asia/Shanghai (docs/architecture.md)."""

import re
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


# A date on the wire is exactly `YYYY-MM-DD`. Pydantic's lax `date` also takes a number (`as_of=0` is
# 1970-01-01, a Unix timestamp) and digit strings; every date query parameter and body field is `IsoDate`.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value  # pydantic checks the calendar (2024-02-30 is date_from_datetime_parsing)
    raise PydanticCustomError("date_type", "Input should be a date YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def parse_iso_date(text: str) -> date:
    """`YYYY-MM-DD` → date; ValueError for anything else (`date.fromisoformat` also takes `20240301`, weeks…)."""
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)


# A timestamp on the wire carries its UTC offset: `2024-05-01T10:00:00+08:00` or `…Z`. Pydantic's lax `datetime`
# reads `2024-05-01T10:00:00` as naive (compared as UTC: 8 hours off for a +08:00 client, so `updated_since`
# silently returns nothing) and takes numbers as Unix timestamps; every datetime query parameter and body field is
# `AwareDatetime`, which refuses both (rule `timezone` for a missing offset).
ISO_DATETIME = re.compile(
    r"(?P<stamp>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)"
    r"(?P<offset>[Zz]|[+-]\d{2}:?\d{2})?"
)
TIMEZONE_ZH = "时间须带 UTC 偏移，如 2024-05-01T10:00:00+08:00 或 2024-05-01T02:00:00Z（查询参数中的 + 写作 %2B）"
TIMEZONE_EN = (
    "Give the UTC offset, e.g. 2024-05-01T10:00:00+08:00 or 2024-05-01T02:00:00Z (in a query string write + as %2B)"
)


def _iso_datetime(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError("timezone", TIMEZONE_EN)
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 timestamp with a UTC offset")
    match = ISO_DATETIME.fullmatch(value)
    if match is None:
        # `2024-05-01T10:00:00 08:00` is an offset whose `+` a query string turned into a space.
        if ISO_DATETIME.fullmatch(value.rsplit(" ", 1)[0]) is not None:
            raise PydanticCustomError("timezone", TIMEZONE_EN)
        raise PydanticCustomError("datetime_parsing", "Input should be an ISO 8601 timestamp with a UTC offset")
    if match["offset"] is None:
        raise PydanticCustomError("timezone", TIMEZONE_EN)
    return value  # pydantic checks the calendar and the clock (2024-02-30, 25:00 are datetime_parsing)


AwareDatetime = Annotated[datetime, BeforeValidator(_iso_datetime)]
