"""What the workspace tests share: the round's settings, the Lewisham hub's coordinators, and filling them in."""

from __future__ import annotations

import csv
from pathlib import Path

PERIOD = "2025-26"
DEADLINE = "2026-05-15"
SENDER = "LSCB data team <lscb-data@example.org>"
CONTACTS = {  # the Lewisham hub, Southwark left without an email
    "303": ("Sam Okafor", "sam.okafor@bexley.example.org"),
    "305": ("Priya Shah", "p.shah@bromley.example.org"),
    "203": ("Tom Reid", "tom.reid@greenwich.example.org"),
    "208": ("Ana Costa", "acosta@lambeth.example.org"),
    "209": ("Lee Wong", "lee.wong@lewisham.example.org"),
}


def add_contacts(register_csv: Path, contacts: dict[str, tuple[str, str]]) -> None:
    with register_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["la_code"] in contacts:
            row["coordinator_name"], row["coordinator_email"] = contacts[row["la_code"]]
    with register_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
