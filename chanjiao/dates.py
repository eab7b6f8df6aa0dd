"""Calendar conventions: "today" is the date in Asia/Shanghai (API.md "Decisions")."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()
