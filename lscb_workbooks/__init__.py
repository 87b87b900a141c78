"""Collect, check and compare the pan-London safeguarding dataset through Excel returns."""
