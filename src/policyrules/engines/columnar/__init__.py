"""The columnar backend: a checked policy decided over whole tables (CONTRACT §6).

Beside `interpret` (the semantics) and `compiled` (one worker at a time), this backend
runs the same decision form as Polars expressions over every worker at once; a
differential test holds all three to the interpreter. Importing it imports Polars and
pyarrow, so `policyrules` itself imports it only when a frame is evaluated.
"""

from .run import DECISIONS as DECISIONS
from .run import FINDINGS as FINDINGS
from .run import FrameResult as FrameResult
from .run import evaluate_frame as evaluate_frame
