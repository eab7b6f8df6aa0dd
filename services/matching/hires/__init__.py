"""Hires 招录: who was taken on by whom, through what, and the yearly figures (docs/matching-hires.md)."""
