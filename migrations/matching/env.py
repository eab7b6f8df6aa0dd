from chanjiao.migrate import run_env
from services.matching.models import metadata
from services.matching.settings import MatchingSettings

run_env(metadata, "matching", MatchingSettings)
