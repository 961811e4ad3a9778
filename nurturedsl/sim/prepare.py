"""`nurturedsl prepare`: unsorted exports into contact-sorted Parquet buckets.

DuckDB (the optional `columnar` extra) reads a contacts file and an events
file as exported (CSV, TSV, JSON Lines or Parquet, in any order), puts each
contact in bucket hash(contact id) % N, and writes per bucket
`contacts-K.parquet` sorted by contact id and `events-K.parquet` sorted by
contact id and then file order (time order is the simulator's, which keeps
the file's order for equal times, so the replay is the replay of the
originals), plus `manifest.json`. DuckDB sorts out of core, spilling to a
work database inside the new folder, so the exports may be larger than
memory.

CSV and TSV cells are kept as text (`all_varchar`): the simulator types them
by the playbook, as it types a CSV, so a prepared replay reads each value
exactly as the export's. JSON Lines and Parquet keep their types (DuckDB's
JSON reader names a timestamp column's type itself; zones are kept).

`simulate --contacts DIR` replays a prepared folder: streamed (`--sorted` is
implied), bucket after bucket, a bucket per worker task. The trace lists the
contacts bucket by bucket, each bucket in id order: the order differs from
the export's, the report does not (contacts are independent).

The folder is written whole or not at all: into a temporary folder beside
DIR, renamed into place; an existing prepared folder at DIR is replaced, any
other existing DIR is refused, as is an input inside DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any

MANIFEST = "manifest.json"
FORMAT = "nurturedsl-prepared"
VERSION = 1
MAX_BUCKETS = 4096
MEMORY_LIMIT = "512MB"  # DuckDB's, before it spills to the work folder
NEEDS_DUCKDB = "`prepare` needs DuckDB: pip install 'nurturedsl[columnar]'"


class PrepareError(Exception):
    """A usage or input problem: exit 2, the message as it is."""


def is_prepared(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, MANIFEST))


def read_manifest(folder: str) -> dict[str, Any]:
    """The manifest of a prepared folder, checked enough to trust its file names."""
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise PrepareError(f"{path}: cannot read the manifest: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PrepareError(f'{path}: not a prepared folder\'s manifest (its `format` is not "{FORMAT}")')
    if manifest.get("version") != VERSION:
        raise PrepareError(f"{path}: manifest version {manifest.get('version')!r}; this nurturedsl reads {VERSION}")
    for bucket in manifest.get("buckets", []):
        for key in ("contacts", "events"):
            name = bucket.get(key)
            if name is not None and (not isinstance(name, str) or os.path.basename(name) != name):
                raise PrepareError(f"{path}: bucket file {name!r} is not a file name in the folder")
    return manifest


def parts(folder: str) -> list[tuple[str, str | None]]:
    """(contacts file, events file or None) per bucket, in bucket order."""
    manifest = read_manifest(folder)
    found = []
    for bucket in manifest["buckets"]:
        events = bucket.get("events")
        found.append((os.path.join(folder, bucket["contacts"]), os.path.join(folder, events) if events else None))
    return found


# What Python's str.strip() strips (the simulator strips ids so), for DuckDB's trim():
# an id padded with a tab must land in the bucket of its events.
_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())


def _stripped(column: str) -> str:
    return f"trim(CAST({column} AS VARCHAR), {_quoted(_WHITESPACE)})"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(path: str) -> str:
    """DuckDB's reader of an export, by its extension."""
    from .inputs import InputError, _format

    lower = path.lower()
    if lower.endswith(".parquet"):
        return f"read_parquet({_quoted(path)})"
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            kind = _format(path, handle.read(1 << 16))
    except InputError as error:
        raise PrepareError(str(error)) from None
    if kind == "jsonl":
        return f"read_json({_quoted(path)}, format = 'newline_delimited')"
    delimiter = "\\t" if kind == "tsv" else ","
    return (
        f"read_csv({_quoted(path)}, header = true, all_varchar = true, delim = E'{delimiter}', "
        "quote = '\"', escape = '\"')"
    )


def prepare(contacts: str, events: str | None, output: str, buckets: int, id_column: str = "id") -> dict[str, Any]:
    """Write the prepared folder `output`; returns its manifest."""
    if not 1 <= buckets <= MAX_BUCKETS:
        raise PrepareError(f"--buckets {buckets}: between 1 and {MAX_BUCKETS}")
    target = os.path.abspath(output)
    for what, path in (("the contacts file", contacts), ("the events file", events)):
        if path is None:
            continue
        if not os.path.isfile(path):
            raise PrepareError(f"{path}: no such file ({what})")
        if os.path.commonpath([os.path.abspath(path), target]) == target:
            raise PrepareError(f"-o {output}: {what} {path} is inside it; prepare writes a new folder")
    if os.path.exists(target) and not is_prepared(target):
        raise PrepareError(f"-o {output}: exists and is not a prepared folder (no {MANIFEST}); give a new folder")
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise PrepareError(f"-o {output}: the folder {parent} does not exist")
    try:
        import duckdb
    except ImportError:
        raise PrepareError(NEEDS_DUCKDB) from None
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(work, 0o777 & ~umask)  # as mkdir would have made it, not mkdtemp's 0700
        manifest = _write(duckdb, contacts, events, work, buckets, id_column)
        with open(os.path.join(work, MANIFEST), "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True)
            handle.write("\n")
        _replace(work, target)
        work = ""
    except duckdb.Error as error:
        raise PrepareError(f"cannot prepare the inputs: {str(error).splitlines()[0]}") from None
    except OSError as error:
        raise PrepareError(f"cannot write {output}: {error.strerror}") from None
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)
    return manifest


def _replace(work: str, target: str) -> None:
    """Rename the finished folder into place; an old prepared folder is moved
    aside first and removed once the new one is in."""
    if not os.path.exists(target):
        os.rename(work, target)
        return
    old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old.", dir=os.path.dirname(target))
    os.rmdir(old)
    os.rename(target, old)
    os.rename(work, target)
    shutil.rmtree(old, ignore_errors=True)


def _write(duckdb: Any, contacts: str, events: str | None, work: str, buckets: int, id_column: str) -> dict[str, Any]:
    database = os.path.join(work, ".work.duckdb")
    db = duckdb.connect(database)
    try:
        db.execute("SET preserve_insertion_order = true")
        # DuckDB takes 80% of the machine by default; spilling past this keeps prepare beside a replay
        db.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        db.execute(f"SET temp_directory = {_quoted(os.path.join(work, '.spill'))}")
        column = '"' + id_column.replace('"', '""') + '"'
        found = [row[0] for row in db.execute(f"DESCRIBE SELECT * FROM {_source(contacts)}").fetchall()]
        if id_column not in found:
            shown = ", ".join(f"`{name}`" for name in found[:12])
            raise PrepareError(f"{contacts}: no `{id_column}` column (columns: {shown}); name it with --id COLUMN")
        key = _stripped(column)
        db.execute(
            f"CREATE TABLE c AS SELECT *, hash({key}) % {buckets} AS __bucket, {key} AS __key, "
            f"row_number() OVER () AS __row FROM {_source(contacts)}"
        )
        if events is not None:
            names = [row[0] for row in db.execute(f"DESCRIBE SELECT * FROM {_source(events)}").fetchall()]
            if "contact" not in names:
                raise PrepareError(f"{events}: no `contact` column (the columns are contact, at, event and args)")
            ekey = _stripped("contact")
            db.execute(
                f"CREATE TABLE e AS SELECT *, hash({ekey}) % {buckets} AS __bucket, {ekey} AS __key, "
                f"row_number() OVER () AS __row FROM {_source(events)}"
            )
        helpers = "EXCLUDE (__bucket, __key, __row)"
        listed = []
        for bucket in range(buckets):
            entry: dict[str, Any] = {"contacts": f"contacts-{bucket:05d}.parquet"}
            db.execute(
                f"COPY (SELECT * {helpers} FROM c WHERE __bucket = {bucket} ORDER BY __key, __row) "
                f"TO {_quoted(os.path.join(work, entry['contacts']))} (FORMAT PARQUET)"
            )
            entry["contact_rows"] = db.execute(f"SELECT count(*) FROM c WHERE __bucket = {bucket}").fetchone()[0]
            if events is not None:
                entry["events"] = f"events-{bucket:05d}.parquet"
                db.execute(
                    f"COPY (SELECT * {helpers} FROM e WHERE __bucket = {bucket} ORDER BY __key, __row) "
                    f"TO {_quoted(os.path.join(work, entry['events']))} (FORMAT PARQUET)"
                )
                entry["event_rows"] = db.execute(f"SELECT count(*) FROM e WHERE __bucket = {bucket}").fetchone()[0]
            listed.append(entry)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "sources": {"contacts": os.path.abspath(contacts), "events": os.path.abspath(events) if events else None},
            "id_column": id_column,
            "contact_rows": sum(entry["contact_rows"] for entry in listed),
            "event_rows": sum(entry.get("event_rows", 0) for entry in listed),
            "buckets": listed,
        }
        if "created_at" in found:
            latest = db.execute("SELECT max(TRY_CAST(left(CAST(created_at AS VARCHAR), 10) AS DATE)) FROM c").fetchone()
            manifest["latest_created_at"] = latest[0].isoformat() if latest[0] is not None else None
        if events is not None:
            latest = db.execute('SELECT max(TRY_CAST(CAST("at" AS VARCHAR) AS TIMESTAMPTZ)) FROM e').fetchone()
            manifest["latest_event"] = latest[0].isoformat() if latest[0] is not None else None
        return manifest
    finally:
        db.close()
        for leftover in (database, database + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        shutil.rmtree(os.path.join(work, ".spill"), ignore_errors=True)
