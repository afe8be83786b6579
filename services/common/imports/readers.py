"""The file formats of bulk imports, read as a stream of records.

A record is one row of the file as a flat mapping of column (or key) to value, with the
line it starts on, or the reason it could not be read (a broken quote, bytes that are not
in the file's encoding, a line that is not JSON): such a record is rejected alone and
reading goes on with the next line. Nothing reads the whole file into memory except the
`.xlsx` reader (the format is a zip archive; python-calamine reads the sheet).

CSV: UTF-8 with or without a BOM, or Windows-1256 as Arabic spreadsheets export it,
declared (`charset=windows-1256`) or detected (`detect_encoding`).
In a UTF-8 file, a line that is not UTF-8 (one row pasted from a Windows-1256 export) is
rejected with its line number.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from services.common.i18n import text

FORMATS = ("csv", "jsonl", "xlsx", "ics")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "windows-1256": "cp1256",
    "cp1256": "cp1256",
}
SNIFF_BYTES = 64 * 1024
# a quoted field may span lines; an unterminated quote is given up after this many lines
# and the record's first line rejected (the next line is read again as a record of its own)
MAX_RECORD_LINES = 200


@dataclass(slots=True)
class Record:
    line: int
    values: dict[str, Any] | None = None
    field: str | None = None
    value: str | None = None
    reason: str | None = None


def broken(line: int, reason: str, field: str | None = None, value: str | None = None) -> Record:
    return Record(line, None, field, value, reason)


class RecordReader:
    """Iterates a file's records; `progress` is the fraction of the file read so far."""

    def __iter__(self) -> Iterator[Record]:
        raise NotImplementedError

    @property
    def progress(self) -> float:
        raise NotImplementedError

    def close(self) -> None:
        return None


def normalize_encoding(name: str | None) -> str | None:
    """The codec of a declared charset, None when it is not one we read."""
    if name is None:
        return None
    return ENCODINGS.get(name.strip().strip('"').lower())


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` (BOM), `utf-8`, or `cp1256`: the first 64 KiB decide, line by line. A
    line of Arabic in Windows-1256 is practically never valid UTF-8 and the other way
    round, so the file is UTF-8 unless more of its non-ASCII lines fail as UTF-8 than pass
    (a few pasted Windows-1256 rows in a UTF-8 file are then rejected, not the file)."""
    with path.open("rb") as file:
        sample = file.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    lines = sample.split(b"\n")
    if len(sample) == SNIFF_BYTES and len(lines) > 1:
        lines.pop()  # cut in the middle
    passed = failed = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            failed += 1
        else:
            passed += 1
    return "cp1256" if failed > passed else "utf-8"


class _Sized:
    def __init__(self, file: IO[bytes], size: int) -> None:
        self.file = file
        self.size = max(size, 1)

    @property
    def progress(self) -> float:
        return min(self.file.tell() / self.size, 1.0)

    def close(self) -> None:
        self.file.close()


def _not_encoded(line: int, encoding: str) -> Record:
    return broken(
        line,
        text(
            f"السطر ليس بترميز {encoding} (ربما Windows-1256): أعد حفظ الملف بترميز UTF-8",
            f"The line is not {encoding} (perhaps Windows-1256): save the file as UTF-8",
        ),
    )


class CsvReader(_Sized, RecordReader):
    """RFC 4180 CSV with a header row: quoted fields may hold commas, quotes and line
    breaks. Each record is found by quote parity over physical lines and parsed strictly by
    the `csv` module, so a broken quote costs its own record only."""

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.encoding = encoding or detect_encoding(path)
        super().__init__(path.open("rb"), path.stat().st_size)
        self.codec = "utf-8" if self.encoding == "utf-8-sig" else self.encoding

    def _lines(self) -> Iterator[tuple[int, str | None]]:
        first = True
        for number, raw in enumerate(self.file, start=1):
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            first = False
            try:
                yield number, raw.decode(self.codec)
            except UnicodeDecodeError:
                yield number, None

    def __iter__(self) -> Iterator[Record]:
        lines = self._lines()
        pending: deque[tuple[int, str | None]] = deque()
        header: list[str] | None = None

        def next_line() -> tuple[int, str | None] | None:
            if pending:
                return pending.popleft()
            return next(lines, None)

        while (item := next_line()) is not None:
            start, line = item
            if line is None:
                yield _not_encoded(start, "UTF-8")
                continue
            if not line.strip():
                continue
            taken = [item]
            joined = line
            while joined.count('"') % 2 and len(taken) < MAX_RECORD_LINES:
                following = next_line()
                if following is None:
                    break
                taken.append(following)
                if following[1] is None:
                    break
                joined += following[1]
            if any(value is None for _, value in taken):
                pending.extendleft(reversed(taken[1:]))
                yield _not_encoded(start, "UTF-8")
                continue
            fields: list[str] | None
            try:
                fields = None if joined.count('"') % 2 else next(csv.reader([joined], strict=True))
            except (csv.Error, StopIteration):
                fields = None
            if header is not None and fields is not None and len(fields) != len(header):
                if len(taken) > 1:
                    fields = None  # a stray quote joined lines that are records of their own
                else:
                    yield broken(
                        start,
                        text(
                            f"عدد الأعمدة {len(fields)} والمتوقع {len(header)}",
                            f"{len(fields)} columns where the header has {len(header)}",
                        ),
                    )
                    continue
            if fields is None:
                pending.extendleft(reversed(taken[1:]))
                yield broken(
                    start,
                    text(
                        "علامة اقتباس غير مغلقة أو في غير موضعها",
                        "A quote is not closed or is out of place",
                    ),
                    value=line.rstrip("\r\n")[:200],
                )
                continue
            if header is None:
                header = [name.strip() for name in fields]
                continue
            yield Record(start, {name: cell for name, cell in zip(header, fields, strict=True)})


class JsonLinesReader(_Sized, RecordReader):
    """One JSON object per line (UTF-8); nested objects are flattened with `_`."""

    def __init__(self, path: Path) -> None:
        super().__init__(path.open("rb"), path.stat().st_size)

    def __iter__(self) -> Iterator[Record]:
        for number, raw in enumerate(self.file, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield _not_encoded(number, "UTF-8")
                continue
            except ValueError as exc:
                yield broken(
                    number,
                    text(f"السطر ليس JSON صالحاً: {exc}", f"The line is not valid JSON: {exc}"),
                    value=raw.decode("utf-8", "replace").rstrip()[:200],
                )
                continue
            if not isinstance(value, dict):
                yield broken(
                    number, text("المطلوب كائن JSON في كل سطر", "Each line must be a JSON object")
                )
                continue
            yield Record(number, flatten(value))


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            flat.update(flatten(item, f"{name}_"))
        else:
            flat[name] = item
    return flat


def _cell(value: Any) -> Any:
    """A spreadsheet cell as the text a CSV export would hold: integral numbers without
    `.0` (phone numbers typed as numbers), dates and times in ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


class XlsxReader(RecordReader):
    """The first sheet of an `.xlsx` workbook (python-calamine); its first row the header."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook

        self.workbook = CalamineWorkbook.from_path(str(path))
        self.sheet = self.workbook.get_sheet_by_index(0)
        self.height = max(int(self.sheet.height), 1)
        self.done = 0

    @property
    def progress(self) -> float:
        return min(self.done / self.height, 1.0)

    def __iter__(self) -> Iterator[Record]:
        header: list[str] | None = None
        # the sheet's range starts at its first used row: lines count from the sheet's top
        first = (self.sheet.start or (0, 0))[0]
        for index, row in enumerate(self.sheet.iter_rows(), start=first):
            self.done = index + 1
            cells = [_cell(value) for value in row]
            if all(cell is None for cell in cells):
                continue
            if header is None:
                header = [str(cell or "").strip() for cell in cells]
                continue
            values = {name: cell for name, cell in zip(header, cells, strict=False) if name}
            yield Record(index + 1, values)

    def close(self) -> None:
        self.workbook.close()


def open_reader(path: Path, format: str, encoding: str | None = None) -> RecordReader:
    if format == "csv":
        return CsvReader(path, encoding)
    if format == "jsonl":
        return JsonLinesReader(path)
    if format == "xlsx":
        return XlsxReader(path)
    raise ValueError(f"no reader for {format}")
