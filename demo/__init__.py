"""The demo data set: a believable alliance with seven years of history and its members' training and matching
records, kept as data (`alliance.json`, `training.json`, `matching.json` beside this file) and loaded through the
public API by `load_demo` (`chanjiao demo`, `chanjiao up --demo`)."""

from __future__ import annotations

import httpx

from demo.alliance import load_alliance
from demo.client import PatientTransport, sign_in
from demo.matching import load_matching
from demo.teachers import load_teachers
from demo.training import load_training


def load_demo(gateway_url: str, credentials: tuple[str, str]) -> str:
    """Load the demo through the API as a platform admin (`credentials` = login, password). Idempotent: a second
    run creates nothing (organizations by `Idempotency-Key`; the rest only with a new alliance)."""
    with httpx.Client(base_url=gateway_url, timeout=15, transport=PatientTransport()) as client:
        sign_in(client, credentials)
        loaded = load_alliance(client)
        if loaded.alliance is None:
            return f"demo data: {loaded.created} organizations created; the alliance was already there"
        training = load_training(client, loaded.ids, loaded.alliance)
        matching = load_matching(client, loaded.ids, loaded.alliance)
        teachers = load_teachers(client, loaded.ids, loaded.alliance)
    return (
        f"demo data: {loaded.created} organizations created; alliance {loaded.name} with "
        f"{loaded.memberships} memberships, their history since 2019 and {loaded.committees} committees; "
        f"training records: {training}; matching: {matching}; teachers: {teachers}"
    )
