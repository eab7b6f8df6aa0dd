from chanjiao.migrate import run_env
from services.training.models import metadata
from services.training.settings import TrainingSettings

run_env(metadata, "training", TrainingSettings)
