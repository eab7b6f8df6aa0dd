"""Matching service — wiring only."""

from fastapi import FastAPI

from chanjiao.app import create_service_app
from services.matching.db import kernel
from services.matching.settings import MatchingSettings

DESCRIPTION = """对接服务：企业需求、院校供给、匹配、合作协议与双选会。
Matching: enterprise demands, school offers, matches, agreements and fairs."""


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or MatchingSettings(), title="Chanjiao matching", description=DESCRIPTION, kernel=kernel
    )
