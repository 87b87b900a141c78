"""Figures already published for an authority, put into its template so the coordinator confirms rather than retypes.

Each prefilled box says where its figure came from and asks the coordinator to
check it and overwrite it if theirs differs. The template also records, in
its hidden identity sheet, what was prefilled, so collation can tell a figure
left as published from one the coordinator changed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from ..opendata.published import Published
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority
from .identity import PREFILLED_KEY as PREFILL_KEY


@dataclass(frozen=True)
class PrefilledValue:
    value: float
    source: str
    period: str

    @property
    def note(self) -> str:
        return f"Prefilled from {self.source}, {self.period}: check it and overwrite if your figure differs."


def prefill_for(published: Published | None, spec: Spec, authority: Authority, period: Period) -> dict[str, PrefilledValue]:
    """{field id: published figure} for the boxes a coordinator types into (never a worked-out rate)."""
    if published is None:
        return {}
    out = {}
    for f in spec.form_fields:
        if f.derived or not f.numeric or spec.section_of(f.id).kind != "form":
            continue
        figure = published.figure(authority.la_code, str(period), f.id)
        if figure is not None and figure.value is not None and math.isfinite(figure.value):
            out[f.id] = PrefilledValue(figure.value, figure.source, str(period))
    return out


def encode(prefilled: dict[str, PrefilledValue]) -> str:
    """What the identity sheet keeps: each prefilled field's figure and where it came from."""
    return json.dumps({k: [v.value, v.source] for k, v in sorted(prefilled.items())}, ensure_ascii=False)


def decode(text: str | None) -> dict[str, float]:
    """{field id: figure prefilled}, from the identity sheet; empty for a template with nothing prefilled."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        return {str(k): float(v[0]) for k, v in data.items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return {}
