"""CNY amounts (元, 2 decimal places): decimal strings in the API, `numeric(14,2)` in the database, never float.

An amount is sent as a JSON string — `"1200000"`, `"1200000.5"`, `"1200000.50"` — and answered as a string with
exactly two decimals (`"1200000.50"`). A JSON number is refused (a float may already have lost the cents), and so
are more than two decimal places, signs, exponents, and amounts above `MAX_AMOUNT`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from chanjiao.validators import CodeError

MAX_AMOUNT = Decimal("10000000000.00")  # 100 亿元: above any one school-enterprise agreement
_SHAPE = re.compile(r"^[0-9]{1,11}(\.[0-9]{1,2})?$")
PATTERN = r"^[0-9]{1,11}(\.[0-9]{1,2})?$"


def parse_amount(value: object, *, allow_zero: bool) -> Decimal:
    if isinstance(value, Decimal):
        amount = value
    elif not isinstance(value, str):
        raise CodeError(
            "decimal_string",
            '金额须为字符串形式的十进制数，如 "1200.50"',
            'An amount is a decimal string, e.g. "1200.50"',
        )
    else:
        text = value.strip()
        if not _SHAPE.match(text):
            raise CodeError(
                "decimal_places",
                "金额须为非负十进制数，至多两位小数（元，精确到分）",
                "An amount is a non-negative decimal with at most 2 decimal places (yuan and fen)",
            )
        amount = Decimal(text)
    if amount > MAX_AMOUNT:
        raise CodeError("maximum", "金额不能超过 10000000000.00 元（100亿元）", "An amount is at most 10000000000.00")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise CodeError("positive", "金额必须大于 0", "The amount must be greater than 0")
    return amount.quantize(Decimal("0.01"))


def format_amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _schema(description: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": PATTERN, "description": description, "examples": ["1200000.00"]},
        mode="validation",
    )


_OUT = PlainSerializer(format_amount, return_type=str, when_used="json")
_OUT_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["1200000.00"]}, mode="serialization"
)

# A payment: > 0. A commitment: ≥ 0 (an agreement without funding commits 0).
Amount = Annotated[
    Decimal,
    BeforeValidator(lambda v: parse_amount(v, allow_zero=False)),
    _OUT,
    _schema("金额（元，字符串，至多两位小数，> 0） — CNY amount as a decimal string, > 0"),
    _OUT_SCHEMA,
]
Commitment = Annotated[
    Decimal,
    BeforeValidator(lambda v: parse_amount(v, allow_zero=True)),
    _OUT,
    _schema("承诺金额（元，字符串，至多两位小数，≥ 0） — CNY amount as a decimal string, ≥ 0"),
    _OUT_SCHEMA,
]
