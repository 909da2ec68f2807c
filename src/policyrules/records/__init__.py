"""Reading worker records from files (CONTRACT §1, §1.4): JSON, JSON Lines, CSV, stdin.

Two layers, so that `evaluate --jobs N` can parse in worker processes:

* `WorkerInput` (`open.py`) opens a file and yields *raw* records, `(line, raw)`, where
  `raw` is a JSON Lines text (not yet parsed, `jsonl.py`), a mapping in the CONTRACT §1
  shape (`json_array.py`, `csv.py`), a `WithTraining` mapping with records from a
  separate training file (`training_index.py`), or a `WorkerError` found while reading
  (a CSV cell that is not `ID@DATE`, say).
* `validate(policy, line, raw)` (`validate.py`) turns one raw record into
  `(line, worker id, Worker)` or `(line, worker id or None, WorkerError)`.

`read_workers(path, policy)` puts the two together, and `find_worker` looks for one id.
Reading streams: one record is held at a time, for every format (a `.json` array is
decoded element by element), so memory stays flat however many workers come in. The one
exception is a separate training file (`--training`): it may be in any order, so it is
indexed by worker id before the workers are read, and its size (not the workers') sets
the memory used.

Problems with a whole file (missing, not UTF-8, not JSON, a CSV without an `id` column)
raise `WorkerFileError`; problems with one record become a `WorkerError` for that record,
and reading goes on.
"""

from .csv import FALSE_CELLS as FALSE_CELLS
from .csv import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from .csv import TRUE_CELLS as TRUE_CELLS
from .csv import WORKER_COLUMNS as WORKER_COLUMNS
from .csv import hours_cell as hours_cell
from .csv import roles_cell as roles_cell
from .csv import volunteer_cell as volunteer_cell
from .jsonl import block_lines as block_lines
from .jsonl import id_in_text as id_in_text
from .jsonl import json_error as json_error
from .jsonl import parse_line as parse_line
from .open import FORMATS as FORMATS
from .open import Found as Found
from .open import WorkerInput as WorkerInput
from .open import WorkerNotFoundError as WorkerNotFoundError
from .open import find_worker as find_worker
from .open import input_format as input_format
from .open import read_workers as read_workers
from .raw import Raw as Raw
from .raw import RowError as RowError
from .raw import WithTraining as WithTraining
from .text import WorkerFileError as WorkerFileError
from .training_index import TRAINING_COLUMNS as TRAINING_COLUMNS
from .validate import Item as Item
from .validate import validate as validate
