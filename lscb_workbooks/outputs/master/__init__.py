"""The master comparison workbook: what the steering group reads, on screen or printed.

Built from the store and the spec only, never from a template's layout. Every
figure is a computed value (readers that do not recalculate see the same
numbers as Excel); every chart has a title, axis titles and alt text; every
table is a real Excel table; colour is never the only signal, the words
'better', 'similar' or 'worse' are always written too.

The package follows the workbook: `figures` gathers what it shows from the store, `book` lays out the
sheets in order and holds what they share, and each group of sheets has its own module (contents,
tracker, dashboard, themes, trends, quality, challenges, reference), with the charts in `charts`.
"""

from .book import MasterWorkbook, write_master
from .figures import MasterData, gather
from .style import LETTERS, SERIES_NAMES

__all__ = ["LETTERS", "SERIES_NAMES", "MasterData", "MasterWorkbook", "gather", "write_master"]
