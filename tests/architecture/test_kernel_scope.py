"""The kernel keeps to the kernel: no process's own settings class and no demo data in `chanjiao/`; each process's
settings live with its code and read the same environment variables as before, with the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from chanjiao import settings as kernel_settings
from chanjiao.settings import DEV_INTERNAL_KEY
from gateway.settings import GatewaySettings
from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = {
    "services.membership.settings": (MembershipSettings, "CHANJIAO_MEMBERSHIP_"),
    "services.training.settings": (TrainingSettings, "CHANJIAO_TRAINING_"),
    "services.matching.settings": (MatchingSettings, "CHANJIAO_MATCHING_"),
    "gateway.settings": (GatewaySettings, "CHANJIAO_GATEWAY_"),
}


def test_the_kernel_has_no_process_settings_and_no_demo_data():
    classes = [
        v
        for v in vars(kernel_settings).values()
        if isinstance(v, type) and issubclass(v, BaseSettings) and v.__module__ == kernel_settings.__name__
    ]
    assert classes and not [c.__name__ for c in classes if c.model_config.get("env_prefix")]
    assert not list((ROOT / "chanjiao").glob("demo*"))
    assert (ROOT / "demo" / "alliance.json").exists() and (ROOT / "demo" / "training.json").exists()


@pytest.mark.parametrize("module", sorted(PROCESSES))
def test_each_process_reads_its_own_prefix_and_the_shared_one(module, monkeypatch):
    cls, prefix = PROCESSES[module]
    assert cls.__module__ == module and cls.model_config["env_prefix"] == prefix
    monkeypatch.setenv("CHANJIAO_ENVIRONMENT", "development")
    monkeypatch.setenv("CHANJIAO_LOG_LEVEL", "WARNING")
    monkeypatch.setenv(f"{prefix}MAX_BODY_BYTES", "4096")
    got = cls()
    assert (got.log_level, got.max_body_bytes) == ("WARNING", 4096)


def test_the_refusals_outside_development_are_unchanged(monkeypatch):
    # pydantic reports a refusal (`UnsafeSettings`, a ValueError) as a ValidationError, also a ValueError.
    monkeypatch.setenv("CHANJIAO_ENVIRONMENT", "production")
    for cls, _ in PROCESSES.values():
        with pytest.raises(ValueError, match="internal_token_key"):
            cls(internal_token_key=DEV_INTERNAL_KEY)
    key = "k" * 40
    with pytest.raises(ValueError, match="database_url"):
        TrainingSettings(internal_token_key=key)
    with pytest.raises(ValueError, match="api_key_cache_ttl_seconds"):
        GatewaySettings(internal_token_key=key, api_key_cache_ttl_seconds=120)
    db = "postgresql+asyncpg://db:5432/x"
    # Certificate QR codes link to the public address: in production it must be set, to https.
    with pytest.raises(ValueError, match="public_base_url"):
        TrainingSettings(internal_token_key=key, database_url=db)
    with pytest.raises(ValueError, match="public_base_url"):
        TrainingSettings(internal_token_key=key, database_url=db, public_base_url="http://chanjiao.example.cn")
    monkeypatch.setenv("CHANJIAO_TRAINING_ORG_CACHE_TTL_SECONDS", "5")
    production_training = {
        "internal_token_key": key,
        "database_url": db,
        "public_base_url": "https://chanjiao.example.cn",
        "certificate_signing_key": "-----BEGIN PRIVATE KEY-----",
    }
    assert TrainingSettings(**production_training).org_cache_ttl_seconds == 5
