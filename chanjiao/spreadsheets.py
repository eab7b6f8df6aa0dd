"""Roster uploads for any service: read an `.xlsx`/`.csv` into a heading map and rows, bound the upload, build a
template. One `Column` table per import maps Chinese headings to fields; what the cells mean stays in the service.
List exports: a list route answers `Accept: …spreadsheetml.sheet` with the whole filtered list as one `.xlsx` sheet
(`Listing` picks page or export, `Export` holds the sheet's columns and file name).

Used by the membership imports (organizations, an alliance's member roll) and the training rosters: ≤ 5 MiB,
≤ 10,000 rows, zip-bomb guard, legacy `.xls` refused (415), CSV in UTF-8 or GBK, the heading row found within the
first 5 rows, control characters dropped from cells. Reading and writing workbooks is blocking: run those functions
in a thread. Nothing here ever echoes a cell value.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from chanjiao.errors import AppError, ValidationFailed, field_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 50
HEADER_SEARCH_ROWS = 5  # the heading row may sit under a title row or two
EXPORT_CAP = 50_000  # rows in one list export; more → 422 `export_too_large`

# OpenAPI of an upload route: its 413/415 answers and its multipart body (field `file`).
UPLOAD_PROBLEMS = {
    413: {
        "description": "上传内容过大 Upload larger than 5 MiB, or more than 10,000 rows",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
    415: {
        "description": "不支持的文件类型 Not multipart, or not an .xlsx/.csv file",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": ".xlsx or .csv, ≤ 5 MiB"}
                    },
                }
            }
        },
    }
}


class PayloadTooLarge(AppError):
    status, slug = 413, "payload-too-large"
    title_zh, title_en = "上传内容过大", "Payload too large"


class UnsupportedFile(AppError):
    status, slug = 415, "unsupported-media-type"
    title_zh, title_en = "不支持的文件类型", "Unsupported file type"


def too_large(zh: str, en: str) -> PayloadTooLarge:
    return PayloadTooLarge(detail_zh=zh, detail_en=en)


def unreadable(zh: str, en: str, rule: str = "unreadable") -> ValidationFailed:
    return field_error(["body", "file"], rule, zh, en)


@dataclass(frozen=True)
class Column:
    heading: str
    field: str
    required: bool
    rule_zh: str


@dataclass
class Table:
    columns: dict[int, Column]  # position → column
    ignored: list[str]  # letters of columns with an unknown heading
    rows: list[tuple[int, list[str | None]]]  # (sheet row number, cell texts)

    def cells(self, values: list[str | None]) -> dict[str, str]:
        """The non-blank cells of one data row, by field."""
        return {
            c.field: text for pos, c in self.columns.items() if pos < len(values) and (text := values[pos]) is not None
        }


def text_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).replace("*", "").split()).lower()


def aliases(labels: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a cell may say for each code: the code itself, its label and any `extra` spelling, keyed by `text_key`
    (case, width and spacing ignored)."""
    out = {text_key(code): code for code in labels} | {text_key(label): code for code, label in labels.items()}
    return out | {text_key(k): v for k, v in (extra or {}).items()}


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    # Control characters (NUL above all) never mean anything in a cell, and Postgres text refuses NUL.
    text = "".join(ch for ch in str(value) if ch in "\t\n" or unicodedata.category(ch) != "Cc").strip()
    return text or None


def _too_many() -> PayloadTooLarge:
    return too_large(f"最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows can be imported at once")


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str | None]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED_BYTES:
                raise too_large("工作簿解压后过大", "The workbook is too large once unpacked")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except AppError:
        raise
    except Exception:  # noqa: BLE001 - any failure to open means the file is not a readable workbook
        raise unreadable("无法读取该 .xlsx 文件", "The .xlsx file could not be read") from None
    try:
        out: list[tuple[int, list[str | None]]] = []
        if not wb.worksheets:
            return out
        for number, values in enumerate(wb.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many()
            out.append((number, [cell_text(v) for v in values]))
        return out
    except AppError:
        raise
    except Exception:  # noqa: BLE001
        raise unreadable("无法读取该 .xlsx 文件", "The .xlsx file could not be read") from None
    finally:
        wb.close()


def _csv_rows(data: bytes) -> list[tuple[int, list[str | None]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # what Excel saves as "CSV" on Chinese Windows
        except UnicodeDecodeError:
            raise unreadable("CSV 文件应为 UTF-8 或 GBK 编码", "A CSV file must be UTF-8 or GBK encoded") from None
    out: list[tuple[int, list[str | None]]] = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many()
            out.append((number, [cell_text(v) for v in values[:MAX_COLUMNS]]))
    except csv.Error:
        raise unreadable("无法解析该 CSV 文件", "The CSV file could not be parsed") from None
    return out


def headings_of(columns: Sequence[Column]) -> dict[str, Column]:
    """What a heading cell may say for each column: its Chinese heading or its field name."""
    return {text_key(c.heading): c for c in columns} | {text_key(c.field): c for c in columns}


def read_table(data: bytes, filename: str | None, columns: Sequence[Column], *, en_join: str = "、") -> Table:
    """Blocking: parse an upload into a heading map (of `columns`, by Chinese heading or field name) and data rows.
    `en_join` separates the required headings named in the English "no heading row" message."""
    known = headings_of(columns)
    name = (filename or "").lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise UnsupportedFile(
            detail_zh="不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv",
            detail_en="Legacy .xls files are not supported; save as .xlsx or .csv",
        )
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")) or not name:
        rows = _csv_rows(data)
    else:
        raise UnsupportedFile(detail_zh="请上传 .xlsx 或 .csv 文件", detail_en="Upload an .xlsx or .csv file")
    for i, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {pos: known[text_key(v)] for pos, v in enumerate(values) if v and text_key(v) in known}
        if found:
            if len({c.field for c in found.values()}) != len(found):
                raise unreadable("表头中有重复的列", "A column heading appears twice", rule="duplicate_column")
            ignored = [get_column_letter(pos + 1) for pos, v in enumerate(values) if v and pos not in found]
            data_rows = [(n, vals) for n, vals in rows[i + 1 :] if any(vals)]
            if len(data_rows) > MAX_ROWS:
                raise _too_many()
            return Table(columns=found, ignored=ignored, rows=data_rows)
    required = [c.heading for c in columns if c.required]
    raise unreadable(
        f"找不到表头：第一行应包含 {'、'.join(required)} 等列名（见导入模板）",
        f"No heading row: the first row should name the columns {en_join.join(required)} … (see the template)",
        rule="missing_headings",
    )


async def limit_upload(request: Request) -> None:
    """Route dependency: read at most 5 MiB (+ multipart framing) before anything parses the body (else 413), refuse
    anything but multipart (415), and key an `Idempotency-Key` retry by the file's bytes, not the random boundary."""
    limit = MAX_UPLOAD_BYTES + 64 * 1024
    big = too_large("上传文件不能超过 5 MiB", "The upload may not exceed 5 MiB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise big
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedFile(
            detail_zh="请以 multipart/form-data 上传文件（字段名 file）",
            detail_en="Upload the file as multipart/form-data (field `file`)",
        )
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise big
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Starlette's cached body: form() and the idempotency HMAC reuse it
    if request.headers.get("idempotency-key"):
        # Key a retried upload by the file, not by the multipart framing (its boundary is random).
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - a malformed body is reported by the route's own parsing
            return
        upload = form.get("file")
        if upload is not None and hasattr(upload, "read"):
            content = await upload.read()
            await upload.seek(0)
            request.state.idempotency_material = content


def attachment(ascii_name: str, name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def save_workbook(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_template(
    sheet: str,
    columns: Sequence[Column],
    choices: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[Any] = (),
    *,
    widths: Mapping[str, float] | None = None,
    formats: Mapping[str, str] | None = None,
    freeze: str = "A2",
    required: str = "是",
    notes_widths: Sequence[float] = (20, 22, 8, 70),
) -> bytes:
    """Blocking: a template workbook — bold heading row, columns formatted as text (or `formats`: field → number
    format) 24 wide (or `widths`: field → width), drop-downs for `choices` (field → labels), panes frozen at `freeze`,
    and a 说明 sheet describing every column (`required` marks the required ones), then the `notes` rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([c.heading for c in columns])
    for pos, c in enumerate(columns, start=1):
        letter = get_column_letter(pos)
        ws[f"{letter}1"].font = Font(bold=True)
        ws.column_dimensions[letter].width = (widths or {}).get(c.field, 24)
        # text keeps leading zeros and long numbers as typed
        ws.column_dimensions[letter].number_format = (formats or {}).get(c.field, "@")
        if choices and c.field in choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices[c.field]) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = freeze
    info = wb.create_sheet("说明")
    info.append(["列名", "字段", "必填", "规则"])
    for c in columns:
        info.append([c.heading, c.field, required if c.required else "否", c.rule_zh])
    for row in notes:
        info.append(list(row))
    for letter, width in zip("ABCD", notes_widths, strict=True):
        info.column_dimensions[letter].width = width
    return save_workbook(wb)


# ---- list exports ----------------------------------------------------------------------------------------------
# One column of an export: its Chinese heading and the item's attribute name, or a function of the item.
ExportColumn = tuple[str, str | Callable[[Any], Any]]

EXPORT_NOTE = (
    " With `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` the whole filtered list "
    "(every page, tombstones left out, at most 50,000 rows — else 422 `export_too_large`) comes back as an `.xlsx`."
)


def list_ok(example: Any) -> dict[int | str, dict[str, Any]]:
    """OpenAPI of a list route's 200: the JSON page (with `example`) or the `.xlsx` export."""
    return {
        200: {
            "content": {
                "application/json": {"example": example},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    }


def wants_xlsx(request: Request) -> bool:
    return XLSX in request.headers.get("accept", "")


def _export_value(ws: Any, value: Any) -> Any:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, list | tuple | set | frozenset):
        value = ",".join(str(v.value if isinstance(v, Enum) else v) for v in value) or None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, Decimal | int | float) or value is None:
        return value
    cell = WriteOnlyCell(ws, value=str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def build_export(sheet: str, columns: Sequence[ExportColumn], items: Sequence[Any]) -> bytes:
    """Blocking: one sheet, a bold frozen heading row, one row per item. A column reads an attribute (or mapping
    key) of the item, or calls a function of it; dates stay dates, numbers (Decimal too) numbers, booleans 是/否,
    lists comma-joined, every text a text cell (never a formula)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for pos in range(len(columns)):
        ws.column_dimensions[get_column_letter(pos + 1)].width = 20
    heading = []
    for title, _ in columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        heading.append(cell)
    ws.append(heading)
    for item in items:
        row = []
        for _, key in columns:
            if callable(key):
                value = key(item)
            elif isinstance(item, Mapping):
                value = item.get(key)
            else:
                value = getattr(item, key)
            row.append(_export_value(ws, value))
        ws.append(row)
    return save_workbook(wb)


@dataclass(frozen=True)
class Export:
    """What a list route exports: sheet name, columns, file name (ASCII and Chinese)."""

    sheet: str
    columns: Sequence[ExportColumn]
    filename: str
    filename_zh: str

    async def response(self, items: Sequence[Any]) -> Response:
        content = await run_in_threadpool(build_export, self.sheet, self.columns, items)
        return Response(
            content, media_type=XLSX, headers={"Content-Disposition": attachment(self.filename, self.filename_zh)}
        )


@dataclass(frozen=True)
class Listing:
    """One GET of a list route: a page (`cursor`, `limit` as asked) or, when `export`, the whole filtered list
    (from the start, `EXPORT_CAP` rows at most). Query with `cursor`/`limit`, leave tombstones out when `export`
    (`include_deleted and not listing.export`), then `answer`."""

    export: bool
    cursor: str | None
    limit: int

    @classmethod
    def of(cls, request: Request, cursor: str | None, limit: int) -> Listing:
        if wants_xlsx(request):
            return cls(True, None, EXPORT_CAP)
        return cls(False, cursor, limit)

    async def answer(self, page: Callable[..., Any], items: list[Any], next_cursor: str | None, export: Export) -> Any:
        """`page(items=, next_cursor=)` as JSON, or the export of every item (422 beyond the cap)."""
        if not self.export:
            return page(items=items, next_cursor=next_cursor)
        if next_cursor is not None:
            raise field_error(
                ["header", "accept"],
                "export_too_large",
                f"导出最多 {self.limit} 行，请加筛选条件",
                f"An export holds at most {self.limit} rows; narrow the filters",
            )
        return await export.response([i for i in items if not getattr(i, "deleted", False)])


# ---- import templates ------------------------------------------------------------------------------------------
# One column of an import table, as `GET …/import-template.xlsx` answers it with `Accept: application/json` (a
# comment, not a docstring: the docstring would become the schema's description in every OpenAPI document).
class ImportColumn(BaseModel):
    heading: str
    field: str
    required: bool
    description: str


def describe_columns(columns: Sequence[Column]) -> list[ImportColumn]:
    return [ImportColumn(heading=c.heading, field=c.field, required=c.required, description=c.rule_zh) for c in columns]


def template_responses(example: list[dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers of an import-template route: the `.xlsx`, or the column table as JSON."""
    return {
        200: {
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {
                    "schema": {"type": "array", "items": ImportColumn.model_json_schema()},
                    "example": example,
                },
            }
        }
    }


async def template_response(
    request: Request,
    describe: Callable[[], list[ImportColumn]],
    build: Callable[[], bytes],
    ascii_name: str,
    name: str,
) -> Response:
    """The column table as JSON when asked for it, else the template workbook (built off the event loop) as an
    attachment."""
    accept = request.headers.get("accept", "")
    if "application/json" in accept and XLSX not in accept:
        return JSONResponse([c.model_dump() for c in describe()])
    content = await run_in_threadpool(build)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": attachment(ascii_name, name)})
