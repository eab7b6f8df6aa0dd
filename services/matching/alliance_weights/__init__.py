"""An alliance's ranking weights (docs/matching-ranking-routes.md, "Weights per alliance")."""
