"""Request fields every identity noun shares: logins, display names, passwords, secrets.

Secrets travel only in requests and in the shown-once fields of a few answers (`access_token`,
`refresh_token`, `key`, `invitation_token`, `reset_token`). Passwords are checked by the rules in
`passwords.py` (in the service, where the login is known), so a 422 names the rule."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from chanjiao.validators import CodeError, normalize_name

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")


def _login(value: str) -> str:
    login = value.strip()
    if not _LOGIN.fullmatch(login.lower()):
        raise CodeError(
            "login_format",
            "登录名为 3–64 个字符：字母、数字及 . _ @ + -，以字母或数字开头",
            "A login is 3–64 characters: letters, digits and . _ @ + -, starting with a letter or digit",
        )
    return login


def _display_name(value: str) -> str:
    name = normalize_name(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if not 1 <= len(name) <= 50:
        raise CodeError("length", "显示名称长度应为 1–50 个字符", "A display name is 1–50 characters long")
    return name


Login = Annotated[
    str,
    Field(
        min_length=3,
        max_length=200,
        description="登录名: 3–64 characters, letters, digits and . _ @ + - (case-insensitive)",
    ),
    AfterValidator(_login),
]
DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=200, description="显示名称 (1–50 characters)", examples=["王建华"]),
    AfterValidator(_display_name),
]
PASSWORD_RULES = "10–128 characters; must not contain the login, be a common password or repeat one character"
Password = Annotated[str, Field(min_length=10, max_length=1024, description=f"密码 — {PASSWORD_RULES}")]
Secret = Annotated[str, Field(min_length=1, max_length=512)]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
