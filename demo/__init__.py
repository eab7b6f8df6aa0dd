"""The demo data set: a believable alliance with seven years of history and its members' training records, kept as
data (`alliance.json`, `training.json` beside this file) and loaded through the public API by `load_demo`
(`chanjiao demo`, `chanjiao up --demo`)."""

from demo.alliance import load_demo

__all__ = ["load_demo"]
