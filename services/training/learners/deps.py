"""What the learner routes (router.py, routes_batch.py, routes_import.py) take as dependencies: the personal-data
keys of the service's settings and the organization directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.training.learners.personal import PersonalData
from services.training.orgs import OrgDirectory, org_directory


def _pd(request: Request) -> PersonalData:
    current, previous = request.app.state.settings.personal_data_secrets()
    return PersonalData(current, previous)


PdDep = Annotated[PersonalData, Depends(_pd)]
DirectoryDep = Annotated[OrgDirectory, Depends(org_directory)]
