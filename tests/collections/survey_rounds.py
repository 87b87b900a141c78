"""What the survey tests share: the collections and the period their rounds run for."""

from lscb_workbooks.spec.periods import parse_period

PERIOD = parse_period("2026-27")
COLLECTIONS = ("mapping", "consultation")
