"""Passwords: the rules, and argon2id hashing off the event loop under a semaphore.

Rules (every password a person sets — claim, setup, change, reset, `CHANJIAO_BOOTSTRAP_ADMIN`):

1. 10–128 characters (`length`);
2. does not contain the login, ignoring case (`contains_login`; logins of 3+ characters);
3. is not one of the common passwords below, ignoring case (`common`);
4. is not one character repeated (`repeated`).

A violation is a 422 naming the field (`password` or `new_password`) and the rule; the value is
never echoed. There is no composition rule (digits, symbols): length beats it (NIST SP 800-63B).

Hashing: argon2id with the cost from settings (`argon2_time_cost`, `argon2_memory_kib`,
`argon2_parallelism`). Each hash or verification runs in a worker thread, at most
`password_hash_concurrency` at a time, so a burst of logins cannot starve the event loop or the
host's memory. A hash made with older parameters is re-hashed at the next successful login.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chanjiao.errors import ValidationFailed, field_error
from services.membership.settings import MembershipSettings

MIN_LENGTH = 10
MAX_LENGTH = 128

# Frequent choices in public leak lists (global and Chinese), lower-cased. Short ones are caught by the
# length rule anyway; the list is about the long-but-guessable ones.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
    1234567890 0123456789 0987654321 1234567891 12345678910 1234512345 1122334455 1111111111
    123456789a a123456789 123456789q q123456789 123456789z 1234567890a 1234qwerasdf 1q2w3e4r5t
    1q2w3e4r5t6y 1qaz2wsx3edc 1qazxsw23edc zaq12wsxcde3 qwertyuiop qwertyuiop123 qwerty1234 qwerty12345
    qwerty123456 qwer1234qwer asdfghjkl; asdfghjkl1 asdfghjkl123 zxcvbnm123 zxcvbnm1234 zxcvbnmasd
    password123 password1234 password12 password01 password2024 password2025 password2026 passw0rd123
    p@ssw0rd123 p@ssword123 iloveyou123 iloveyou1314 woaini1314 woaini5201314 5201314520 1314520520
    woaini123456 aini1314520 wo5201314 admin12345 admin123456 administrator admin@1234 admin@123456
    root123456 rootroot123 welcome123 welcome1234 letmein123 football123 baseball123 superman123
    princess123 sunshine123 starwars123 dragon12345 monkey12345 master12345 shadow12345 michael123
    trustno1234 changeme123 default1234 abc1234567 abcd123456 abcdefghij abcdef123456 aa123456789
    a1234567890 a1b2c3d4e5 a1b2c3d4e5f6 qazwsxedcrfv qazwsxedc123 1a2b3c4d5e 147258369a 1472583690
    159753456852 7758521521 5211314521 88888888888 66666666666 18888888888 13800138000 chanjiao123
    chanjiao2026 china123456 beijing123 shanghai123 huawei123456 qq123456789 baidu123456 iphone123456
    """.split()
)


def password_problems(password: str, *, login: str | None) -> list[tuple[str, str, str]]:
    """The rules `password` breaks, as (rule, zh, en)."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(
            (
                "length",
                f"密码长度应为 {MIN_LENGTH}–{MAX_LENGTH} 个字符",
                f"A password is {MIN_LENGTH}–{MAX_LENGTH} characters long",
            )
        )
    lowered = password.lower()
    if login and len(login) >= 3 and login.lower() in lowered:
        problems.append(("contains_login", "密码不能包含登录名", "A password must not contain the login"))
    if lowered in COMMON_PASSWORDS:
        problems.append(("common", "这是常见密码，请换一个", "This is a common password; choose another"))
    if password and len(set(password)) == 1:
        problems.append(("repeated", "密码不能由同一个字符重复组成", "A password must not repeat one character"))
    return problems


def check_password(password: str, *, login: str | None, field_name: str = "password") -> None:
    """422 naming `field_name` and each broken rule; the value is never echoed."""
    problems = password_problems(password, login=login)
    if not problems:
        return
    first = field_error(["body", field_name], *problems[0])
    if len(problems) == 1:
        raise first
    raise ValidationFailed(
        detail_zh=first.detail_zh,
        detail_en=first.detail_en,
        errors=[field_error(["body", field_name], *p).errors[0] for p in problems],
    )


@dataclass
class Passwords:
    """Argon2id hashing in worker threads, `concurrency` at a time (kept on `app.state.passwords`)."""

    hasher: PasswordHasher
    concurrency: int = 2
    _semaphore: asyncio.Semaphore = field(init=False)
    _dummy: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._semaphore = asyncio.Semaphore(max(1, self.concurrency))

    @classmethod
    def from_settings(cls, settings: MembershipSettings) -> Passwords:
        hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        return cls(hasher=hasher, concurrency=settings.password_hash_concurrency)

    async def prepare(self) -> None:
        """Make the dummy hash at startup, so even the first unknown login costs one verification only."""
        if not self._dummy:
            self._dummy = await self.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        async with self._semaphore:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches. With no hash (unknown login, disabled user) a dummy hash of the
        same cost is verified instead, so the answer takes as long and logins cannot be enumerated."""
        if password_hash is None:
            await self.prepare()
            target = self._dummy
        else:
            target = password_hash
        async with self._semaphore:
            try:
                ok = await asyncio.to_thread(self.hasher.verify, target, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        return ok and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
