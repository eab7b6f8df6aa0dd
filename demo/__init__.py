"""The demo data set: a believable alliance with seven years of history and its members' training and matching
records, kept as data (`alliance.json`, `training.json`, `matching.json` and the yearly records' files beside this
file) and loaded through the public API by `load_demo` (`chanjiao demo`, `chanjiao up --demo`)."""

from __future__ import annotations

import httpx

from demo.alliance import load_alliance
from demo.apprentice import load_apprentice
from demo.asof import load_asof
from demo.client import PatientTransport, sign_in
from demo.committees import load_committees
from demo.designations import load_designations
from demo.facts import load_facts
from demo.governance import load_governance
from demo.matching import load_matching
from demo.periods import load_periods
from demo.teachers import load_teachers
from demo.training import load_training

# A year of the records an alliance keeps beside its roll, each file loaded in this order (the dated changes first:
# they add the upgraded school and the foreign partner the later files may name).
YEARLY = (
    ("dated facts", load_asof),
    ("committees as run", load_committees),
    ("designations", load_designations),
    ("governance", load_governance),
    ("members' yearly facts", load_facts),
    ("programmes by period", load_periods),
    ("apprenticeships and accreditations", load_apprentice),
    ("teachers and co-built bases", load_teachers),
)


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
        yearly = [f"{label}: {load(client, loaded.ids, loaded.alliance)}" for label, load in YEARLY]
    return (
        f"demo data: {loaded.created} organizations created; alliance {loaded.name} with "
        f"{loaded.memberships} memberships, their history since 2019 and {loaded.committees} committees; "
        f"training records: {training}; matching: {matching}; " + "; ".join(yearly)
    )
