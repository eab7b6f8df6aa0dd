"""The matching service's ranking engine: pure, database-free scoring of a demand against offers.

`profiles` (what is scored), `compat` (which kinds meet, hard filters), `weights` (points per component),
`affinity` (occupation↔major affinity from the shipped reference tables), `fields` and `components` (one function
per component), `engine` (`score`, `rank`). Method, weights and limits: docs/matching-ranking.md."""
