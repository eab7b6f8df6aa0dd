"""Who writes and reads demands: the posting enterprise writes; a draft is its own, a published demand is on the
market for every principal with `matching:read` (services/matching/market.py, docs/matching-core.md "Access")."""

from services.matching.demands.models import Demand
from services.matching.market import MarketAccess

ACCESS = MarketAccess(Demand, "需求")
ensure_owner = ACCESS.ensure_owner
can_read = ACCESS.can_read
visible = ACCESS.visible
