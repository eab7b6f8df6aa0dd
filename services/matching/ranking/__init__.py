"""Ranking routes: a demand's or an offer's best counterparts, explained (docs/matching-ranking-routes.md)."""
