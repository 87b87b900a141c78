"""Checks on a file's bytes: every dangerous or mistaken file is named for what it is, by content."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from datetime import datetime, timezone

import openpyxl
import pytest
import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile
from intake_files import (
    BILLION_LAUGHS,
    SHEET_MEMBER,
    outlook_message_bytes,
    sheet_xml,
    with_sheet_xml,
    xlsx_bytes,
    zeros_sheet,
    zip_bytes,
)

from lscb_workbooks.intake.safety import Unreadable, check_workbook_bytes, error_values, formula_cells
from lscb_workbooks.intake.unreadable import for_the_sender


def reason(data: bytes, name: str = "return.xlsx") -> str | None:
    found = check_workbook_bytes(name, data)
    return found.reason if found else None


def calamine_abort_file() -> bytes:
    """The 5 KB workbook whose only cells are A1 and XFD1048576 (tafia/calamine#693)."""
    return xlsx_bytes({"A1": 1, "XFD1048576": 2})


def test_an_ordinary_return_passes():
    assert check_workbook_bytes("return.xlsx", xlsx_bytes({"A1": "Camden", "D14": 12})) is None


def test_the_file_that_aborts_calamine_is_too_many_cells():
    found = check_workbook_bytes("return.xlsx", calamine_abort_file())

    assert found is not None and found.reason == "too_many_cells"
    assert "Sheet 'Return'" in found.message and "XFD1048576" in found.message


def test_a_far_cell_is_found_even_when_the_dimension_hides_it():
    cells = '<row r="1"><c r="A1"><v>1</v></c></row><row r="30000"><c r="B30000"><v>2</v></c></row>'
    data = with_sheet_xml(xlsx_bytes(), [sheet_xml(cells, dimension="A1:B2")])

    found = check_workbook_bytes("return.xlsx", data)

    assert found is not None and found.reason == "too_many_cells" and "B30000" in found.message


def test_a_far_cell_deep_in_a_large_sheet_is_found_while_streaming():
    text = "x" * 40
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for r in range(1, 19_000)
    )
    far = '<row r="19000"><c r="SG19000"><v>1</v></c></row>'
    data = with_sheet_xml(xlsx_bytes(), [sheet_xml(rows + far, dimension="A1:B2")])
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET_MEMBER).file_size > 1024 * 1024

    found = check_workbook_bytes("return.xlsx", data)

    assert found is not None and found.reason == "too_many_cells" and "SG19000" in found.message


PROSE = "Enter the number of referrals for the quarter; a rate per 10,000 is worked out for you. " * 40


@pytest.mark.parametrize(
    ("cells", "far"),
    [
        ('<c r="XFD1048576"><v>1</v></c>', "XFD1048576"),
        ("<c r = 'XFD5'><v>1</v></c>", "XFD5"),
        ('<c r\t=\n"SG1"><v>1</v></c>', "SG1"),
        ('<c r="$XFD$5"><v>1</v></c>', "XFD5"),
        ('<c r="xfd5"><v>1</v></c>', "XFD5"),
        ('<c r="B30000"><v>1</v></c>', "B30000"),
        ('<x:c r="AAA1"><x:v>1</x:v></x:c>', "AAA1"),
    ],
)
def test_a_far_cell_is_found_however_its_reference_is_written(cells, far):
    xml = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c>{cells}</row>', dimension="A1:B2")

    found = check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [xml]))

    assert found is not None and found.reason == "too_many_cells" and far in found.message


@pytest.mark.parametrize(
    "row",
    ['<row r="30000"><c><v>1</v></c></row>', "<row r = '30000' ht=\"15\"><c><v>1</v></c></row>",
     '<x:row spans="1:2" r="30000"><x:c><x:v>1</x:v></x:c></x:row>',
     # a '>' or '/>' inside a value, or as text after the tag, does not make the row look closed on itself
     '<row x=">" r="30000"><c><v>1</v></c></row>', '<row r="30000" x="/>"><c><v>1</v></c></row>',
     "<row r='30000' x='a/>b' >/><c><v>1</v></c></row>"],
)
def test_a_far_row_holding_cells_is_found_however_its_number_is_written(row):
    xml = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{row}', dimension="A1:B2")

    found = check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [xml]))

    assert found is not None and found.reason == "too_many_cells" and "A30000" in found.message


@pytest.mark.parametrize("row", ['<row r="30000" ht="15" customHeight="1"/>', "<row r='30000' x=\"a>b\" />"])
def test_an_empty_far_row_closed_on_itself_is_fine(row):
    xml = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{row}')

    assert check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [xml])) is None


@pytest.mark.parametrize(
    "elsewhere",
    ['<dataValidations count="1"><dataValidation sqref="D9" prompt="{prose}"><c r="XFD5"/></dataValidation>'
     "</dataValidations>",
     '<extLst><ext uri="x"><x14:c r = \'ZZZ9\'><x14:v>1</x14:v></x14:c></ext></extLst>'],
)
def test_a_far_cell_after_the_sheet_data_and_among_prose_is_found(elsewhere):
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"</worksheet>", elsewhere.format(prose=PROSE).encode() + b"</worksheet>")

    found = check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [xml]))

    assert found is not None and found.reason == "too_many_cells"


def test_prose_with_equals_signs_and_references_within_the_bounds_is_fine():
    prose = PROSE + 'r = "A5" or r = \'SF20000\'; for = "ABCD" and x="XFD5" ' * 20
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"</worksheet>", f'<headerFooter><oddHeader>{prose.replace(chr(34), "&quot;")}</oddHeader></headerFooter>'
        .encode() + b"</worksheet>")

    assert check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [xml])) is None


def test_an_entity_declaration_after_the_sheet_data_is_found():
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"</worksheet>", b"</worksheet><! doctype x [<!entity a 'b'>]>")

    assert reason(with_sheet_xml(xlsx_bytes(), [xml])) == "xml_entities"


def test_cells_up_to_the_bounds_are_fine():
    assert check_workbook_bytes("return.xlsx", xlsx_bytes({"A1": 1, "SF20000": 2})) is None


def test_a_decompression_bomb_is_too_large_without_being_inflated():
    data = with_sheet_xml(xlsx_bytes(), zeros_sheet(200))
    assert len(data) < 1024 * 1024

    found = check_workbook_bytes("return.xlsx", data)

    assert found is not None and found.reason == "too_large" and "unpacks to 200 MB" in found.message


def test_a_small_part_packed_too_tightly_is_too_large():
    found = check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), zeros_sheet(5)))

    assert found is not None and found.reason == "too_large" and "to 1" in found.message


@pytest.mark.parametrize("member", [SHEET_MEMBER, "xl/workbook.xml"])
def test_xml_entity_declarations_are_refused_in_any_part(member):
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes())).read(member)
    declared = original.replace(b"<workbook", b'<!DOCTYPE x [<!ENTITY a "b">]><workbook', 1)
    part = BILLION_LAUGHS if member == SHEET_MEMBER else declared

    found = check_workbook_bytes("return.xlsx", with_sheet_xml(xlsx_bytes(), [part], member=member))

    assert found is not None and found.reason == "xml_entities"
    assert "XML features that are not allowed in a return" in found.message


def test_an_entity_declaration_in_a_utf16_part_is_still_found():
    part = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")

    assert reason(with_sheet_xml(xlsx_bytes(), [part])) == "xml_entities"


def test_an_empty_file():
    found = check_workbook_bytes("return.xlsx", b"")
    assert found == Unreadable("empty", found.message) and "empty (0 bytes)" in found.message


@pytest.mark.parametrize("data", [b"", xlsx_bytes()[:3000]])
def test_the_sender_of_an_empty_or_cut_file_is_told_what_to_do_without_the_officers_advice(data):
    """The officer reads that the file may still have been copying into the inbox (run collate again); the
    coordinator, who cannot, is told to save the file again and send it."""
    officer = check_workbook_bytes("return.xlsx", data).message
    sender = for_the_sender(officer)
    assert "run collate again" in officer and "collate" not in sender and "inbox" not in sender
    assert sender.startswith(officer.split(":")[0]) and "send" in sender.lower() and sender.endswith("again.")
    assert for_the_sender(sender) == sender


@pytest.mark.parametrize("name", ["return.xlsx", "return.csv", "return"])
def test_a_csv_renamed_is_csv_renamed_whatever_its_name(name):
    csv = "Indicator,Count\nChildren in need,1234\nChild protection plans,210\n".encode()
    assert reason(csv, name) == "csv_renamed"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF"),
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "a web page"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
            "XML Spreadsheet 2003",
        ),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "an image"),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07" * 50, "in no format a spreadsheet program opens"),
        (zip_bytes([("notes.txt", b"hello")]), "a zip archive"),
        (zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]), "a Word document"),
        (zip_bytes([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.bin", b"\0")]), "Excel Binary Workbook"),
    ],
)
def test_other_formats_renamed_xlsx_are_named_for_what_they_are(data, words):
    found = check_workbook_bytes("return.xlsx", data)

    assert found is not None and found.reason == "not_a_spreadsheet"
    assert words in found.message


def test_the_first_half_of_a_workbook_is_truncated():
    data = xlsx_bytes({"A1": "Camden"})
    assert reason(data[: len(data) // 2]) == "truncated"


def test_a_part_that_fails_its_check_is_corrupt():
    data = bytearray(xlsx_bytes({f"A{row}": f"value {row}" for row in range(1, 200)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET_MEMBER)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    for offset in range(start + 20, start + 40):
        data[offset] ^= 0xFF

    found = check_workbook_bytes("return.xlsx", bytes(data))

    assert found is not None and found.reason == "corrupt" and "damaged" in found.message


def test_a_password_protected_workbook_is_encrypted():
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes())).encrypt("secret", encrypted)

    found = check_workbook_bytes("return.xlsx", encrypted.getvalue())

    assert found is not None and found.reason == "encrypted"
    assert found.message.startswith("The workbook is protected with a password, so it cannot be read.")


def test_an_ole_file_that_is_not_a_workbook_is_named():
    message = outlook_message_bytes("Jo", "jo@camden.gov.uk", datetime(2026, 5, 3, tzinfo=timezone.utc), [])
    found = check_workbook_bytes("return.xlsx", message)

    assert found is not None and found.reason == "not_a_spreadsheet" and "an Outlook message" in found.message


@pytest.mark.libreoffice
def test_an_xls_renamed_xlsx_and_an_ods_are_readable(converted):
    assert check_workbook_bytes("return.xlsx", converted["xls"]) is None
    assert check_workbook_bytes("return.ods", converted["ods"]) is None


@pytest.mark.libreoffice
def test_the_first_half_of_an_xls_is_truncated(converted):
    assert reason(converted["xls"][: len(converted["xls"]) // 2], "return.xls") == "truncated"


def ods_bytes(rows_xml: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Return">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", content)
    return buffer.getvalue()


FIRST_ROW = (
    '<table:table-row><table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p>'
    "</table:table-cell></table:table-row>"
)


def test_an_ods_with_huge_runs_of_empty_cells_is_fine():
    empty_rest = (
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    assert check_workbook_bytes("return.ods", ods_bytes(FIRST_ROW + empty_rest)) is None


@pytest.mark.parametrize(
    ("rows", "cell"),
    [
        (
            '<table:table-row><table:table-cell table:number-columns-repeated="16384" '
            'office:value-type="float" office:value="1"/></table:table-row>',
            "XFD2",
        ),
        (
            '<table:table-row table:number-rows-repeated="1048575">'
            "<table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>",
            "A1048576",
        ),
    ],
)
def test_an_ods_with_runs_of_values_beyond_the_bounds_is_too_many_cells(rows, cell):
    found = check_workbook_bytes("return.ods", ods_bytes(FIRST_ROW + rows))

    assert found is not None and found.reason == "too_many_cells"
    assert "Sheet 'Return'" in found.message and cell in found.message


def test_formula_cells_map_sheet_titles_to_formulas_and_whether_they_have_values():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    counts = book.add_worksheet("Counts")
    counts.write("A1", 10)
    counts.write_formula("B1", "=A1*2", None, 20)
    book.add_worksheet("Notes").write("A1", "no formulas here")
    book.close()
    typed = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    typed["Notes"]["D14"] = "=SUM(1,2)"
    resaved = io.BytesIO()
    typed.save(resaved)

    assert formula_cells(buffer.getvalue()) == {"Counts": {"B1": True}, "Notes": {}}
    assert formula_cells(resaved.getvalue()) == {"Counts": {"B1": False}, "Notes": {"D14": False}}


def test_formula_cells_place_cells_that_omit_their_reference():
    cells = '<row r="4"><c><v>1</v></c><c><f>A4*2</f><v>2</v></c></row><row><c/><c/><c><f>1+1</f></c></row>'

    assert formula_cells(with_sheet_xml(xlsx_bytes(), [sheet_xml(cells)])) == {"Return": {"B4": True, "C5": False}}


@pytest.mark.parametrize(
    ("cells", "formulas"),
    [
        ('<c r="B4"><f>A4*2</f><v>2</v></c><c r="C4"><f\n>1/0</f><v>3</v></c>', {"B4": True, "C4": True}),
        ('<c r="B4"><f t="shared" ref="B4:B5" si="0">A4</f><v>1</v></c><c r="B5"><f t="shared" si="0"/></c>',
         {"B4": True, "B5": False}),
        ('<x:c r="B4"><x:f>A4*2</x:f><x:v>2</x:v></x:c><c r="C4" t = \'e\'><f>1/0</f><v>#DIV/0!</v></c>',
         {"B4": True, "C4": "#DIV/0!"}),
    ],
)
def test_formula_cells_are_found_however_their_tags_are_written(cells, formulas):
    prose = f'<dataValidations count="1"><dataValidation sqref="D9" prompt="{PROSE}"/></dataValidations>'
    xml = sheet_xml(f'<row r="4">{cells}</row>').replace(b"</worksheet>", prose.encode() + b"</worksheet>")

    assert formula_cells(with_sheet_xml(xlsx_bytes(), [xml])) == {"Return": formulas}


def test_errors_pasted_as_values_are_found_however_their_type_is_written():
    cells = ('<row r="1"><c r="A1" t = \'e\'><v>#DIV/0!</v></c><x:c r="B1" t=\n"e"><x:v>#N/A</x:v></x:c>'
             '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" s="e"><v>4</v></c></row>')

    found = error_values(with_sheet_xml(xlsx_bytes(), [sheet_xml(cells, "A1:D1")]))

    assert found == {"Return": {"A1": "#DIV/0!", "B1": "#N/A"}}


def test_a_sheet_without_errors_has_none():
    cells = '<row r="1"><c r="A1" s="3"><v>1</v></c><c r="B1" t="str"><f>"e"</f><v>e</v></c></row>'

    assert error_values(with_sheet_xml(xlsx_bytes(), [sheet_xml(cells)])) == {}


@pytest.mark.parametrize("data", [b"", b"a,b\n1,2\n", b"PK\x03\x04broken"])
def test_formula_cells_of_anything_else_is_empty(data):
    assert formula_cells(data) == {}


@pytest.mark.parametrize("second_name", [SHEET_MEMBER, SHEET_MEMBER.upper()])
def test_a_package_holding_two_parts_of_one_name_is_refused(second_name):
    """The checks read one copy of a part and a reader may take the other: a far cell in the first copy
    and a harmless second must not pass. Part names ignore case."""
    far = sheet_xml('<row r="1"><c r="XFD1048576"><v>1</v></c></row>', dimension="A1")
    harmless = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, far if info.filename == SHEET_MEMBER else source.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a name written twice, as well it might
            target.writestr(second_name, harmless)

    found = check_workbook_bytes("return.xlsx", buffer.getvalue())

    assert found is not None and found.reason == "corrupt" and "damaged" in found.message
