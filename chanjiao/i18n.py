"""Language choice for human-readable messages: Chinese by default, English on request."""

from starlette.requests import HTTPConnection


def wants_english(conn: HTTPConnection) -> bool:
    """True when `Accept-Language` prefers English over Chinese (q-values honoured)."""
    header = conn.headers.get("accept-language")
    if not header:
        return False
    best_lang, best_q = "zh", -1.0
    for part in header.split(","):
        lang, _, params = part.strip().partition(";")
        lang = lang.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang.startswith(("en", "zh")) and q > best_q:
            best_lang, best_q = lang[:2], q
    return best_lang == "en"


def pick(conn: HTTPConnection, zh: str, en: str) -> str:
    return en if wants_english(conn) else zh
