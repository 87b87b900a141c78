"""Recommendations drafted by stated rules from the evidence, each citing what it rests on.

They are a draft for the project officer to edit: the rules are written into
the report, so a reader can see why each recommendation was made.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..consultation_master import DROP, KEEP, NO_VOTES

KEEP_INDICATOR = "Keep"
IMPROVE_INDICATOR = "Keep, and improve its data quality"
REVIEW_INDICATOR = "Review"
DROP_INDICATOR = "Drop"
ADD_INDICATOR = "Consider adding"
SHARE_DATA = "Take up with the agency"
from ..revision import PROPOSAL_NAMED_BY as GAP_NAMED_BY  # noqa: E402  (the revised spec proposes the same gaps)
CHALLENGE_BOARDS = 3  # boards logging the same agency and category before it is recommended

RULES = (
    f"'{DROP_INDICATOR}' an indicator the consultation reached consensus to drop.",
    f"'{REVIEW_INDICATOR}' an indicator that fewer than half of the boards returning in the latest pilot period "
    "could supply.",
    f"'{KEEP_INDICATOR}' an indicator that most boards returning (more than half) supplied with every figure rated "
    "robust.",
    f"'{IMPROVE_INDICATOR}' an indicator that at least half supplied, but not most robustly.",
    f"'{ADD_INDICATOR}' a gap that {GAP_NAMED_BY} or more boards named in the consultation.",
    f"'{SHARE_DATA}' where {CHALLENGE_BOARDS} or more boards logged the same kind of challenge with the same agency "
    "in the pilot.",
)


@dataclass(frozen=True)
class Recommendation:
    subject: str
    action: str
    evidence: str


def indicator_recommendations(availability: pd.DataFrame, verdicts: dict[str, dict], pilot_source: str,
                              consultation_source: str) -> list[Recommendation]:
    """One per indicator of the dataset, by the rules above, in the order the dataset lists them."""
    out = []
    for row in availability.itertuples(index=False):
        verdict = verdicts.get(row.id)
        voted = _vote_words(verdict, consultation_source)
        supplied = f"{row.supplied} of {row.boards} boards supplied it, {row.robust} robustly ({pilot_source})"
        if verdict is not None and verdict["verdict"] == DROP:
            action = DROP_INDICATOR
        elif row.boards and row.supplied * 2 < row.boards:
            action = REVIEW_INDICATOR
        elif row.boards and row.robust * 2 > row.boards:
            action = KEEP_INDICATOR
        elif row.boards:
            action = IMPROVE_INDICATOR
        else:
            action = REVIEW_INDICATOR
            supplied = f"no pilot returns yet ({pilot_source})"
        out.append(Recommendation(f"{row.label} ({row.id})", action, "; ".join(p for p in (supplied, voted) if p)))
    return out


def _vote_words(verdict: dict | None, source: str) -> str:
    if verdict is None or verdict["verdict"] == NO_VOTES:
        return ""
    favour = f"{verdict['in_favour']:.0%} in favour" if verdict["in_favour"] is not None else ""
    words = "consensus to keep" if verdict["verdict"] == KEEP else verdict["verdict"].lower()
    return f"consultation: {words}, {favour} of {verdict['votes']} votes ({source})"


def gap_recommendations(gaps: pd.DataFrame, source: str) -> list[Recommendation]:
    """Gaps named by enough boards, most named first."""
    named = gaps[gaps.authorities >= GAP_NAMED_BY] if not gaps.empty else gaps
    return [Recommendation(f"{g.item} ({g.group or 'no theme given'})", ADD_INDICATOR,
                           f"named by {g.authorities} boards: {g.named_by} ({source})")
            for g in named.itertuples(index=False)]


def challenge_recommendations(challenges: pd.DataFrame, agency: str, category: str,
                              source: str) -> list[Recommendation]:
    """Agency and category pairs that enough boards met, most boards first."""
    if challenges.empty:
        return []
    grouped = (challenges.groupby([agency, category]).la_code.nunique().reset_index(name="boards")
               .sort_values(["boards", agency, category], ascending=[False, True, True]))
    return [Recommendation(f"{g[agency]}: {str(g[category]).lower()}", SHARE_DATA,
                           f"logged by {g['boards']} boards in the pilot ({source})")
            for _, g in grouped.iterrows() if g["boards"] >= CHALLENGE_BOARDS]
