"""Parquet contacts and events files, read row group by row group.

A `.parquet` input is read with pyarrow (the optional `columnar` extra:
`pip install 'nurturedsl[columnar]'`), imported only when such a file is
given. Each row becomes the object a JSON line would be, so the JSON Lines
rules of inputs.py apply unchanged: a string column is text, typed by the
IR like a CSV cell; numbers, booleans and lists keep their types; a struct
is a nested object (dotted attributes). Dates become `YYYY-MM-DD`, and
timestamps ISO 8601 text, with their zone when the column has one (an
event's `at` needs it: a timestamp without a zone is a bad row, as
`2026-01-05T10:00:00` is in JSON Lines). "Lines" in messages are row
numbers, the first row 1.

Batches of BATCH_ROWS rows are decoded at a time, so memory is a row
group's column chunks and one batch, however large the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .inputs import InputError

BATCH_ROWS = 4096
NEEDS_PYARROW = "reading Parquet needs pyarrow: pip install 'nurturedsl[columnar]'"


def parquet_rows(path: str, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, object) per row of the Parquet file `path`. Raises
    InputError when it cannot be read (before the first row when it is no
    Parquet file at all)."""
    from ..files import UnreadableInput, check_input

    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet as parquet  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(f"{path}: {NEEDS_PYARROW}") from None
    try:
        check_input(path, 1 << 62, what)  # a regular file: never a FIFO or a device
        source = parquet.ParquetFile(path)
    except UnreadableInput as error:
        raise InputError(str(error)) from None
    except (pyarrow.ArrowException, OSError) as error:
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    return _rows(path, source, pyarrow.ArrowException)


def _rows(path: str, source: Any, failure: type[Exception]) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    try:
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            for record in batch.to_pylist():
                number += 1
                yield number, {key: _plain(value) for key, value in record.items()}
    except (failure, OSError) as error:
        raise InputError(f"{path}:{number + 1}: cannot read the Parquet file here: {error}") from None
    finally:
        source.close()


def _plain(value: Any) -> Any:
    """A pyarrow value as JSON would hold it."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return str(value)
