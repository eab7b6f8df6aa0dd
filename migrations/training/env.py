from chanjiao.migrate import run_env
from services.training.models import metadata

run_env(metadata, "training")
