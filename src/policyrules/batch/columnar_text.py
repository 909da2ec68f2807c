"""`evaluate` of a plain CSV worker file to `--format jsonl` or `json` through the columnar
backend (issue #13): the columnar route's reading and batches (columnar.py), each batch
decided by `evaluate_frame(..., facts=True)` and written by the bulk JSON writer
(render/bulk_json.py), which makes the row path's text from the columns.

The rows the writer does not word itself (rejected rows, and the few whose explanations
list records: render/bulk_json.py says which) are read again as the row path reads them
(`ColumnarRoute._raws`) and go through the row path's own stages, so every byte of the output
— error records with their training file lines included — is the row path's: a test
holds the two routes' output, warnings, summary and exit status equal.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..policy import Policy
from ..records import WORKER_COLUMNS, Raw
from ..records.csv import REQUIRED_COLUMNS
from ..records.csv_table import open_table
from ..render import bulk_json
from ..render.formats import MACHINE_FORMATS
from .colocate import in_order, numbered
from .columnar import ColumnarRoute, Progress, Put, distinct_ids, owned
from .stages import Counts, Job, process
from .write import Writer

# Workers per batch: the text of a batch (about 2 kB a worker with explanations) and its
# working columns are held while it is decided and written, up to THREADS + 1 batches.
ROWS = 8_192
# One batch decided at a time: with two, memory passes the row path's (docs/cli.md).
THREADS = 1


class ColumnarText(ColumnarRoute):
    """The route: `run_text` writes the decisions in `fmt` (jsonl or json)."""

    def __init__(self, policy: Policy, workers: str, training: str | None,
                 as_of: datetime.date, fmt: str, *, explain: bool = True,
                 rows: int | None = None, threads: int = THREADS) -> None:
        """`rows`: workers a batch (default ROWS); `threads`: batches decided at once."""
        super().__init__(policy, workers, training, as_of, rows or ROWS, threads)
        if fmt not in bulk_json.FORMATS:
            raise ValueError(f"the columnar text route writes {bulk_json.FORMATS}, not {fmt}")
        self.fmt = fmt
        self.explain = explain

    def run_text(self, stream: IO[bytes], progress: Progress) -> Counts | None:
        """The whole run; None, with nothing written, when the training records do not
        follow the workers' order (the caller then takes the row path)."""
        source = open_table(self.workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
        try:
            order = None
            if self.training is not None:
                order = in_order(source, self.training, self.rows)
                if order is None:
                    return None
            counts = Counts()
            writer = Writer(MACHINE_FORMATS[self.fmt](self.as_of, explain=self.explain),
                            stream)
            try:
                if order is None or self.training is None:
                    self._pipelined(((frame, None, ()) for frame in numbered(source,
                                                                               self.rows)),
                                    self._write(writer), counts, progress)
                else:
                    self.ordered = True
                    self._ordered(source, self.training, order, self._write(writer), counts,
                                  progress)
            except BaseException:
                writer.abandon()
                raise
            writer.close()
            return counts
        finally:
            source.close()

    @staticmethod
    def _write(writer: Writer) -> Put:
        """Puts a batch's bytes (`_batch`) out, and gives its counts."""
        def put(part: tuple[bytes, tuple[int, int, int]]) -> tuple[int, int, int]:
            writer.add_chunk(part[0])
            return part[1]
        return put

    def _batch(self, frame: pl.DataFrame, records: pl.DataFrame | None,
               rest: Sequence[tuple[int, Raw]]) -> tuple[bytes, tuple[int, int, int]]:
        """A batch as the format's bytes, records joined by its separator, and the
        batch's counts: its frame's rows (numbered in `_line`), and its `rest` through
        the row path's stages, merged by line."""
        parts, counts = [], Counts()
        for part in distinct_ids(frame) if frame.height else []:
            texts, counted = self._texts(part, owned(records, part))
            parts.append(pl.DataFrame({"_line": part["_line"], "text": texts}))
            counts.add(counted)
        if rest:
            job = Job(self.policy, self.as_of, MACHINE_FORMATS[self.fmt](
                self.as_of, explain=self.explain))
            parts.append(pl.DataFrame({"_line": [line for line, _ in rest],
                                       "text": process(job, rest)},
                                      schema={"_line": pl.Int64, "text": pl.String}))
            counts.add(job.counts.as_tuple())
        if not parts:
            return b"", (0, 0, 0)
        joined = parts[0] if len(parts) == 1 else pl.concat(
            [p.cast({"_line": pl.Int64}) for p in parts]).sort("_line")
        separator = MACHINE_FORMATS[self.fmt].separator
        # Joined and turned into bytes by Polars: one copy into Python, none through str.
        data: bytes = joined["text"].str.join(separator).cast(pl.Binary).item()
        return data, counts.as_tuple()

    def _texts(self, frame: pl.DataFrame, records: pl.DataFrame | None
               ) -> tuple[pl.Series, tuple[int, int, int]]:
        """One frame of distinct ids: each row's text, and the frame's counts."""
        workers = frame.drop("_line")
        result = self.policy.evaluate_frame(workers, records, as_of=self.as_of, facts=True)
        compliant = pl.Series(result.decisions["compliant"])
        counted = (int(compliant.sum()), int((~compliant).sum()),
                   int(compliant.is_null().sum()))
        return bulk_json.texts(self.policy, self.as_of, result, workers, records,
                               fmt=self.fmt, explain=self.explain,
                               row_path=lambda rows: self._row_path(frame, records, rows)
                               ), counted

    def _row_path(self, frame: pl.DataFrame, records: pl.DataFrame | None,
                  rows: npt.NDArray[np.int64]) -> list[str]:
        """The row path's texts of these rows of `frame`, read again as it reads them."""
        subset = frame[rows]
        by_worker: dict[str, list[dict[str, Any]]] = {}
        if records is not None and records.height:
            ids = subset["id"].cast(pl.String).drop_nulls().implode()
            for rec in records.filter(pl.col("worker").is_in(ids)).to_dicts():
                by_worker.setdefault(rec["worker"], []).append(rec)
        job = Job(self.policy, self.as_of, MACHINE_FORMATS[self.fmt](
            self.as_of, explain=self.explain))
        texts: list[str] = process(job, self._raws(subset, by_worker))
        return texts
