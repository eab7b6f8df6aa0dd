"""Pure validation and normalisation functions (no I/O, no database).

Convention: ``normalize_*`` turns user input into the canonical stored form; ``validate_*``
checks an already-normalised value and raises :class:`CodeError` (a ``ValueError``), naming the
broken rule without ever echoing the value.
"""

from chanjiao.validators.codes import (
    industry_code_level,
    normalize_code,
    occupation_code_level,
    validate_industry_code,
    validate_major_code,
    validate_occupation_code,
    validate_region_code,
)
from chanjiao.validators.credit_code import (
    compute_check_character,
    normalize_credit_code,
    validate_credit_code,
)
from chanjiao.validators.errors import CodeError
from chanjiao.validators.id_card import (
    compute_check_digit,
    derive_gender_and_birth_year,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from chanjiao.validators.text import cjk_bigrams, normalize_name

__all__ = [
    "CodeError",
    "cjk_bigrams",
    "compute_check_character",
    "compute_check_digit",
    "derive_gender_and_birth_year",
    "industry_code_level",
    "mask_id_number",
    "mask_phone",
    "normalize_code",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_name",
    "normalize_phone",
    "occupation_code_level",
    "validate_credit_code",
    "validate_id_number",
    "validate_industry_code",
    "validate_major_code",
    "validate_occupation_code",
    "validate_phone",
    "validate_region_code",
]
