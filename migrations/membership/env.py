from chanjiao.migrate import run_env
from services.membership.models import metadata
from services.membership.settings import MembershipSettings

run_env(metadata, "membership", MembershipSettings)
