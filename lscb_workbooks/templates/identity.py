"""What identifies a return template, and the keyed signature that proves it unaltered.

Templates write this; collation reads it back. A returned file has always been
rewritten by Excel or LibreOffice, so the signature covers values (identity,
field ids, labels and units), never bytes or styles.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Iterable

from ..spec.models import Section, Spec

IDENTITY_SHEET = "_identity"
OPEN_CODE = "open"  # the la_code of an open collection's one template; each return is named by the board
IDENTITY_KEYS = ("collection", "spec_version", "template_version", "la_code", "period")
SIGNATURE_KEY = "signature"
PREFILLED_KEY = "prefilled"
REF_HEADER = "Ref"
FORM_HEADERS = ("Ref", "Indicator", "Unit", "Value", "Data quality", "Comment", "Definition")
UNRATED_HEADERS = ("Ref", "Indicator", "Unit", "Value", "Definition")
VALUE_HEADER, RATING_HEADER, COMMENT_HEADER = "Value", "Data quality", "Comment"
TABLE_ROW_HEADER = "Row"
TABLE_UNIT_HEADER = "Unit"
FIXED_LABEL_HEADER, FIXED_UNIT_HEADER = "Indicator", "Unit"
# Columns (1-based) where a table's first input column sits: after the row number, or after a
# fixed row's id, label and unit.
TABLE_FIRST_INPUT_COLUMN, FIXED_TABLE_FIRST_INPUT_COLUMN = 2, 4

Row = tuple[str, str, str]


def locked_rows(spec: Spec) -> list[Row]:
    """(id, label, unit) of every form row, table column and fixed table row, as a template shows them."""
    fields = [(f.id, f.label, f.shown_unit) for s in spec.sections for f in s.fields]
    return fields + [(r.id, r.label, r.unit) for s in spec.sections for r in s.rows]


def form_headers(rated: bool) -> tuple[str, ...]:
    """A form's header row from column A, exactly as the template writes it."""
    return FORM_HEADERS if rated else UNRATED_HEADERS


def table_input_columns(section: Section) -> dict[str, int]:
    """{field id: column (1-based)} of a table's input columns, where the template puts them."""
    first = FIXED_TABLE_FIRST_INPUT_COLUMN if section.fixed else TABLE_FIRST_INPUT_COLUMN
    return {f.id: col for col, f in enumerate(section.fields, start=first)}


def signed_content(identity: dict[str, str], rows: Iterable[Row]) -> bytes:
    """Canonical bytes: order-free, so moving a row does not matter but editing one does."""
    payload = {
        "identity": {k: str(identity.get(k, "")) for k in IDENTITY_KEYS},
        "rows": sorted([str(i), str(label).strip(), str(unit).strip()] for i, label, unit in rows),
    }
    if identity.get(PREFILLED_KEY):  # what a template prefilled is signed too; templates without it sign as before
        payload[PREFILLED_KEY] = str(identity[PREFILLED_KEY])
    return json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()


def sign(identity: dict[str, str], rows: Iterable[Row], key: bytes) -> str:
    return hmac.new(key, signed_content(identity, rows), hashlib.sha256).hexdigest()


def signature_matches(identity: dict[str, str], rows: Iterable[Row], key: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(identity, rows, key), str(signature or ""))
