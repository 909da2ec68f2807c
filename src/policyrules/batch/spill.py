"""Rows spilled to temporary Parquet files by a hash of the worker id, for a training
file in any order: a worker and its records meet in one partition, decided on its own,
and the partitions' output rows are merged back by line (batch/parquet.py's route)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..render.parquet import SCHEMA
from .colocate import SEED


def partition(frame: pl.DataFrame, column: str, parts: int) -> pl.Expr:
    """Each row's partition: by a hash of its worker id, so that a worker and its records
    meet in one; a row without a text id (it has no records) by its line."""
    by_line = (pl.col("_line") % parts).cast(pl.UInt32)
    if frame.schema[column] not in (pl.String, pl.Categorical):
        return by_line
    key = pl.col(column).cast(pl.String)
    return pl.when(key.is_null()).then(by_line).otherwise(
        (key.hash(seed=SEED) % parts).cast(pl.UInt32))


class Spill:
    """Frames written to one temporary Parquet file per partition (`_p`), in the order
    they come; a partition read back whole, or all of them merged by line."""

    def __init__(self, folder: str, name: str, parts: int, group: int) -> None:
        """`group`: rows per row group; what a merge reads ahead from each partition."""
        self.paths = [os.path.join(folder, f"{name}{p}.parquet") for p in range(parts)]
        self.group = group
        self._writers: dict[int, pq.ParquetWriter] = {}

    def add(self, frame: pl.DataFrame) -> None:
        for key, piece in frame.partition_by("_p", as_dict=True,
                                             include_key=False).items():
            p = int(key[0])
            table = piece.to_arrow()
            writer = self._writers.get(p)
            if writer is None:
                writer = pq.ParquetWriter(self.paths[p], table.schema, compression="lz4")
                self._writers[p] = writer
            writer.write_table(table.cast(writer.schema), row_group_size=self.group)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def read(self, p: int) -> pl.DataFrame | None:
        if p not in self._writers:
            return None
        frame = pl.read_parquet(self.paths[p])
        return frame

    def merged(self, rows: int, lines: int) -> Iterator[pl.DataFrame]:
        """Every partition's rows in line order, `rows` lines at a time: each partition
        is in line order, so a window of lines is a prefix of each."""
        # One thread and no pre-buffering per reader: there is a reader per partition.
        streams = [pq.ParquetFile(self.paths[p], pre_buffer=False).iter_batches(
                       batch_size=self.group, use_threads=False)
                   for p in sorted(self._writers)]
        empty = pl.DataFrame(pl.from_arrow(SCHEMA.empty_table()))
        held = [empty for _ in streams]
        ended = [False for _ in streams]
        end = 1
        while end <= lines:
            end += rows
            taken = []
            for i, stream in enumerate(streams):
                while not ended[i] and (held[i].height == 0 or held[i]["line"][-1] < end):
                    batch = next(stream, None)
                    if batch is None:
                        ended[i] = True
                    else:
                        held[i] = pl.concat([held[i], numbered_free(batch)])
                taken.append(held[i].filter(pl.col("line") < end))
                held[i] = held[i].filter(pl.col("line") >= end)
            yield pl.concat(taken).sort("line", maintain_order=True)


def numbered_free(batch: pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_batches([batch]))
    assert isinstance(frame, pl.DataFrame)
    return frame
