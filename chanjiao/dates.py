"""Calendar conventions: "today" is the date in Asia/Shanghai (API.md "Decisions")."""

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
