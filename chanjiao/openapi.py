"""The error answers of every operation, written into the OpenAPI document from what the operation declares.

FastAPI documents a `422` as its own `HTTPValidationError` JSON and nothing else; our services answer every error
as `application/problem+json` (`chanjiao/errors.py`), and the gateway in front of them adds its own answers. This
module derives each operation's error responses from its parameters, body and `Access` (written by
`chanjiao.auth.document_access` as `x-access` / `security`), so a new route is documented without a hand-written
`responses=`:

| status | documented on | why |
|---|---|---|
| 400 | every API operation | an unknown query parameter; malformed JSON, a bad key, a cursor we did not issue |
| 401 | every API operation | no or a bad credential; on a public route only a bad credential sent anyway |
| 403 | routes that are not public | the caller's roles, scopes or tenant do not fit |
| 404 | a path parameter | no such record, or one the caller may not see |
| 409 | an `Idempotency-Key` | the same key is still in flight |
| 412 | an `If-Match` header | the ETag is stale |
| 413, 429, 503, 504 | every API operation | the gateway: body too large, rate limit, a service down or too slow |
| 422 | any parameter or body | validation, naming the field and the rule |

Codes a route documents itself (`problem_responses`, upload routes) keep their descriptions; every error answer of
an API operation gets the `Problem` schema, and FastAPI's unused `HTTPValidationError` / `ValidationError`
components are removed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from chanjiao.errors import PROBLEM_JSON
from chanjiao.routes import declared_routes

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

DESCRIPTIONS: dict[int, str] = {
    400: "请求格式错误 Malformed request: an unknown query parameter (rule `unknown_parameter`), a body that is not "
    "JSON, or a malformed header or cursor",
    401: "未认证 Missing or invalid credentials",
    403: "无权操作 Not allowed for this caller",
    404: "资源不存在 Not found (or not visible to the caller)",
    409: "状态冲突 Conflict (duplicate, illegal state change, idempotent request in flight)",
    412: "资源已被修改 If-Match did not match the current ETag",
    413: "请求体过大 Request body larger than the limit",
    422: "输入校验未通过 Validation failed; `errors` names each field and rule",
    429: "请求过于频繁 Rate limit; retry after `Retry-After` seconds",
    503: "服务暂不可用 A service behind the gateway is unavailable",
    504: "后端服务超时 A service behind the gateway did not answer in time",
}
PUBLIC_401 = "未认证 A credential was sent and is not valid (public routes need none; send none or a valid one)"
HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": 'How to authenticate; `error="invalid_token"` when an access token expired or is '
            "invalid: refresh it and retry",
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}
EDGE = (413, 429, 503, 504)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict)
    ]


def error_codes(op: dict[str, Any]) -> dict[int, str]:
    """The error statuses an API operation can answer with (see the table above), with their descriptions."""
    params = op.get("parameters", [])
    names = {(p.get("in"), str(p.get("name", "")).lower()) for p in params}
    body = op.get("requestBody", {}).get("content", {})
    public = op.get("security") == []
    codes: dict[int, str] = {c: DESCRIPTIONS[c] for c in EDGE}
    codes[401] = PUBLIC_401 if public else DESCRIPTIONS[401]
    if not public:
        codes[403] = DESCRIPTIONS[403]
    codes[400] = DESCRIPTIONS[400]  # every route refuses unknown query parameters (chanjiao/queries.py)
    if any(where == "path" for where, _ in names):
        codes[404] = DESCRIPTIONS[404]
    if ("header", "idempotency-key") in names:
        codes[409] = DESCRIPTIONS[409]
    if ("header", "if-match") in names:
        codes[412] = DESCRIPTIONS[412]
    if params or body:
        codes[422] = DESCRIPTIONS[422]
    return codes


def problem_response(description: str, status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Write every API operation's error answers (operations with an `x-access` declaration; `/health` and
    `/metrics` are left as they are) and drop FastAPI's validation-error components when nothing uses them."""
    for _path, _method, op in operations(schema):
        if "x-access" not in op:
            continue
        responses = op.setdefault("responses", {})
        for status, description in error_codes(op).items():
            responses.setdefault(str(status), problem_response(description, status))
        for status, response in responses.items():
            if not (status.isdigit() and int(status) >= 400):
                continue
            content = response.setdefault("content", {})
            if _VALIDATION_REF in str(content.get("application/json", {})):
                del content["application/json"]  # FastAPI's default 422; ours is problem+json
            content.setdefault(PROBLEM_JSON, {"schema": PROBLEM_REF})
            if int(status) in HEADERS:
                response["headers"] = {**HEADERS[int(status)], **response.get("headers", {})}
        op["responses"] = dict(sorted(responses.items()))
    components = schema.get("components", {}).get("schemas", {})
    fastapi_own = ("HTTPValidationError", "ValidationError")
    rest = {"paths": schema.get("paths", {}), "schemas": {k: v for k, v in components.items() if k not in fastapi_own}}
    if _VALIDATION_REF not in str(rest) and "#/components/schemas/ValidationError" not in str(rest):
        for name in fastapi_own:
            components.pop(name, None)
    return schema


_VALIDATION_REF = "#/components/schemas/HTTPValidationError"


def document_nulls(schema: dict[str, Any], routes: Any) -> dict[str, Any]:
    """A body field whose explicit `null` the model rejects (`not_null`: it may be omitted, never cleared) is not
    nullable in the document; a field that accepts `null` (and so clears the value) stays nullable. Decided by
    validating `{field: null}` against the route's body model, so the document follows the behaviour."""
    components = schema.get("components", {}).get("schemas", {})
    for route in declared_routes(routes):
        body = getattr(route, "body_field", None)
        model = getattr(getattr(body, "field_info", None), "annotation", None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        target = components.get(model.__name__)
        if target is None or target.get("title", model.__name__) != model.__name__:
            continue
        for name, prop in target.get("properties", {}).items():
            field = model.model_fields.get(name)
            if field is None or not _nullable(prop):
                continue
            try:
                model.model_validate({field.alias or name: None})
            except ValidationError as e:
                if any(tuple(err["loc"][:1]) == (field.alias or name,) for err in e.errors()):
                    target["properties"][name] = _without_null(prop)
    return schema


def _nullable(prop: dict[str, Any]) -> bool:
    return any(branch.get("type") == "null" for branch in prop.get("anyOf", []))


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
    rest = {k: v for k, v in prop.items() if k != "anyOf" and not (k == "default" and v is None)}
    if len(branches) == 1:
        return {**branches[0], **rest}
    return {**rest, "anyOf": branches}


# The path parameters of every service, described once: a record's id means the same on every route that takes it.
# A route may still describe its own (`Path(description=…)`); that text wins.
PATH_PARAMETERS: dict[str, str] = {
    "alliance_id": "联盟 ID The alliance's id",
    "appointment_id": "聘任记录 ID The appointment's id",
    "base_id": "实训基地 ID The training base's id",
    "code": "代码表中的代码 The code in this reference table (e.g. region 370303, major 460103)",
    "committee_id": "委员会 ID The committee's id",
    "enrolment_id": "报名 ID The enrolment's id",
    "internship_id": "实习 ID The internship's id",
    "key_id": "API 密钥 ID The API key's id",
    "learner_id": "学员 ID The learner's id",
    "membership_id": "成员资格 ID The membership's id",
    "org_id": "单位 ID The organization's id",
    "person_id": "人员 ID The person's id",
    "practice_id": "教师企业实践记录 ID The teacher practice record's id",
    "programme_id": "培训项目 ID The programme's id",
    "record_id": "兼职授课记录 ID The part-time teaching record's id",
    "seat_id": "委员会席位 ID The committee seat's id",
    "user_id": "用户 ID The user's id",
}


def document_path_parameters(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe each path parameter that has no description of its own from `PATH_PARAMETERS`."""
    for _path, _method, op in operations(schema):
        for param in op.get("parameters", []):
            if param.get("in") == "path" and not param.get("description") and param.get("name") in PATH_PARAMETERS:
                param["description"] = PATH_PARAMETERS[param["name"]]
    return schema
