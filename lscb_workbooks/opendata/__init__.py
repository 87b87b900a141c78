"""The Department for Education's open data standard: its rules, and published files read in that standard."""
