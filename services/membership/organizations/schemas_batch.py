"""The bodies of the organization routes that take many at once (routes_batch.py): the batch's example and
result, the spreadsheet import's report and its column table."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field

# ---- batch 批量登记 ---------------------------------------------------------------------------------
# The example body of `POST /v1/organizations/batch` (`{"items": [...]}`, each item an `OrganizationCreate`;
# parsed by `chanjiao.batch.BatchBody`).
BATCH_EXAMPLE: dict[str, Any] = {
    "items": [
        {"name": "山东工业职业学院", "org_type": "higher_vocational", "region_code": "370303"},
        {"name": "济南钢铁集团有限公司", "org_type": "enterprise", "region_code": "370112"},
    ]
}


class OrganizationBatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in `items` (from 0)")
    status: int = Field(
        description="201 created; 4xx the item's problem; 424 valid but not committed (atomic batch with errors)"
    )
    id: uuid.UUID | None = None
    existing_id: uuid.UUID | None = Field(default=None, description="On 409: the organization with this credit code")
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457 problem of a failed item")


class OrganizationBatchResult(BaseModel):
    committed: bool
    created: int
    failed: int
    results: list[OrganizationBatchItemResult]


# ---- imports 导入 ----------------------------------------------------------------------------------
class OrganizationImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. credit_code")
    column: str | None = Field(description="Column heading, e.g. 统一社会信用代码")
    rule: str = Field(description="The rule broken, e.g. check_character, missing, duplicate-organization")
    message: str


class OrganizationImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int
    updated: int
    skipped: int = Field(
        description="Rows matching an existing organization that change nothing, or that the caller may not edit "
        "(claimed by its own org admin, or in none of the caller's alliances)"
    )
    rejected: list[OrganizationImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks (a row "
        "with three bad cells has three), in row order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")
