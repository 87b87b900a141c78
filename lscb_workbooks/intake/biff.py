"""Formulas in a legacy .xls workbook (Excel 97 and later's BIFF8, or Excel 5.0/95's BIFF5), read from its records.

python-calamine reads an .xls formula's saved result, but not always right: the text result of a
formula in a file LibreOffice saved comes back as 0. So the saved results are read here from the
records themselves: a number, a text, a true/false, or the error the cell shows.

The two versions lay their records out alike; they differ in how text is stored (BIFF8's carries a
flags byte saying whether it is one byte or two a character; BIFF5's is bytes in the file's code page).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import olefile

BOF, BOUNDSHEET, FORMULA, STRING, EOF, CODEPAGE = 0x0809, 0x0085, 0x0006, 0x0207, 0x000A, 0x0042
BIFF8 = 0x0600
PTG_STR = 0x17
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
          0x2A: "#N/A"}


@dataclass(frozen=True)
class FormulaResult:
    """A formula's saved result: `value` (float, str or bool), or the `error` the cell shows."""

    value: float | str | bool | None = None
    error: str = ""


def xls_formulas(data: bytes) -> dict[str, dict[tuple[int, int], FormulaResult]]:
    """{sheet title: {(row, column), 1-based: saved result}} of every formula in an .xls."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            return {}
        stream = ole.openstream(name).read()
    text = _text_reader(stream)
    sheets = _sheet_names(stream, text)
    found: dict[str, dict[tuple[int, int], FormulaResult]] = {}
    sheet, pending = None, None
    for offset, kind, body in _records(stream):
        if kind == BOF:
            sheet = sheets.get(offset)
        elif kind == FORMULA and sheet is not None and len(body) >= 14:
            row, col = struct.unpack_from("<HH", body)
            result = _constant_text(body, text) or _result(body[6:14])
            found.setdefault(sheet, {})[(row + 1, col + 1)] = result
            pending = (sheet, row + 1, col + 1) if result.value == "" and body[6:8] == b"\x00\x00" \
                and body[12:14] == b"\xff\xff" else None
        elif kind == STRING and pending is not None:
            found[pending[0]][pending[1:]] = FormulaResult(text(body, 2)[0])
            pending = None
    return found


def _records(stream: bytes):
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        yield position, kind, stream[position + 4:position + 4 + length]
        position += 4 + length


def _sheet_names(stream: bytes, text) -> dict[int, str]:
    """{offset of the sheet's first record: title} from the workbook's BOUNDSHEET records."""
    names = {}
    for _, kind, body in _records(stream):
        if kind == BOUNDSHEET and len(body) >= 7:
            names[struct.unpack_from("<I", body)[0]] = text(body[6:], 1)[0]
        elif kind == EOF:
            break
    return names


def _text_reader(stream: bytes):
    """How this file stores text: `text(body, count_bytes)` reads a string whose character count takes
    `count_bytes` bytes at the start of `body`, and says where in `body` the string ends."""
    records = _records(stream)
    first = next(records, None)
    if first is None or first[1] != BOF or len(first[2]) < 2 or struct.unpack_from("<H", first[2])[0] == BIFF8:
        return _unicode_string
    encoding = "cp1252"
    for _, kind, body in records:
        if kind == CODEPAGE and len(body) >= 2:
            encoding = _encoding(struct.unpack_from("<H", body)[0])
        if kind in (CODEPAGE, EOF):
            break
    return lambda body, count_bytes: _byte_string(body, count_bytes, encoding)


def _encoding(codepage: int) -> str:
    """Python's name for a Windows code page; Western European where it names none Python knows."""
    name = {1200: "utf-16-le", 10000: "mac_roman", 32768: "mac_roman", 32769: "cp1252"}.get(codepage, f"cp{codepage}")
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def _unicode_string(body: bytes, count_bytes: int) -> tuple[str, int]:
    """BIFF8: the count, a flags byte (bit 0: two bytes a character), then the characters."""
    count = body[0] if count_bytes == 1 else struct.unpack_from("<H", body)[0]
    flags = body[count_bytes] if len(body) > count_bytes else 0
    width = 2 if flags & 0x01 else 1
    chars = body[count_bytes + 1:count_bytes + 1 + width * count]
    return chars.decode("utf-16-le" if width == 2 else "latin-1", "replace"), count_bytes + 1 + width * count


def _byte_string(body: bytes, count_bytes: int, encoding: str) -> tuple[str, int]:
    """BIFF5: the count, then the characters as bytes in the file's code page."""
    count = body[0] if count_bytes == 1 else struct.unpack_from("<H", body)[0]
    return body[count_bytes:count_bytes + count].decode(encoding, "replace"), count_bytes + count


def _constant_text(body: bytes, text) -> FormulaResult | None:
    """The text of a formula that is only a text constant (="12"), whatever result was saved with it.

    LibreOffice saves such a formula's result in an .xls as the number 0, so the constant itself is
    the only faithful record of what the cell shows.
    """
    if len(body) < 25:
        return None
    length = struct.unpack_from("<H", body, 20)[0]
    formula = body[22:22 + length]
    if not formula or formula[0] != PTG_STR or len(formula) < 3:
        return None
    value, end = text(formula[1:], 1)
    return FormulaResult(value) if 1 + end == len(formula) else None


def _result(value: bytes) -> FormulaResult:
    if value[6:8] != b"\xff\xff":
        return FormulaResult(struct.unpack("<d", value)[0])
    kind = value[0]
    if kind == 1:
        return FormulaResult(bool(value[2]))
    if kind == 2:
        return FormulaResult(error=ERRORS.get(value[2], "#VALUE!"))
    return FormulaResult("")
