from chanjiao.migrate import run_env
from services.membership.models import metadata

run_env(metadata, "membership")
