"""Comparing two policies (CONTRACT §7): over every profile and the dates that matter, or
over a real workforce. `compare.py` decides, `text.py` renders for people."""

from .compare import Comparison as Comparison
from .compare import Difference as Difference
from .compare import diff as diff

__all__ = ["Comparison", "Difference", "diff"]
