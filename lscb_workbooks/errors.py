"""The tool's own exceptions share one base, so the command line can turn any of them into one line.

An `LscbError` means the tool cannot go on with what it was given: its
message names the thing at fault and says what to do. Problems in what
boroughs sent are not exceptions; they are issue records in the ledger.
"""

from __future__ import annotations


class LscbError(Exception):
    """The tool cannot go on; the message says what is wrong and what to do about it."""
