"""Who writes and reads offers: the posting school writes; a draft is its own, a published offer is on the
market for every principal with `matching:read` (services/matching/market.py, docs/matching-core.md "Access")."""

from services.matching.market import MarketAccess
from services.matching.offers.models import Offer

ACCESS = MarketAccess(Offer, "供给")
ensure_owner = ACCESS.ensure_owner
can_read = ACCESS.can_read
visible = ACCESS.visible
