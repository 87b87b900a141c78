"""LibreOffice, headless, as the real spreadsheet program the tests open files in.

In CI (.ci/run installs LibreOffice and sets CI=true) a missing LibreOffice fails
these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


requires_libreoffice = pytest.mark.skipif(
    soffice_path() is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (.ci/run installs it)",
)


def convert(sources: Path | list[Path], target: str, out_dir: Path, profile: Path | None = None,
            timeout: float = 300) -> list[Path]:
    """Convert files with `soffice --convert-to`, in a private profile so runs never share a lock."""
    soffice = soffice_path()
    assert soffice, "LibreOffice is needed for this test"
    sources = [sources] if isinstance(sources, Path) else sources
    profile = profile or Path(tempfile.mkdtemp(prefix="lscb-lo-profile-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)],
        capture_output=True, text=True, timeout=timeout,
    )
    extension = target.split(":")[0]
    results = [out_dir / f"{s.stem}.{extension}" for s in sources]
    missing = [r for r in results if not r.exists()]
    assert not missing, f"LibreOffice did not write {missing}: {done.stdout} {done.stderr}"
    return results


def ssconvert_path() -> str | None:
    return shutil.which("ssconvert")


requires_gnumeric = pytest.mark.skipif(
    ssconvert_path() is None and not os.environ.get("CI"),
    reason="Gnumeric is not installed (.ci/run installs it)",
)

GNUMERIC_EXPORTERS = {"xlsx": "Gnumeric_Excel:xlsx2", "xls": "Gnumeric_Excel:excel_biff8", "ods": "Gnumeric_OpenCalc:odf",
                      "xls95": "Gnumeric_Excel:excel_biff7"}  # Excel 5.0/95, still an .xls
LIBREOFFICE_FILTERS = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xlsm": "xlsm:Calc MS Excel 2007 VBA XML",
                       "xls": "xls:MS Excel 97", "ods": "ods"}


def gnumeric_convert(source: Path, extension: str, out_dir: Path, timeout: float = 300) -> Path:
    """Save `source` in Gnumeric's own writer for .xlsx, .xls (97 or, as "xls95", 5.0/95) or .ods (`ssconvert`)."""
    ssconvert = ssconvert_path()
    assert ssconvert, "Gnumeric is needed for this test"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.{extension.removesuffix('95')}"
    done = subprocess.run([ssconvert, "-T", GNUMERIC_EXPORTERS[extension], str(source), str(target)],
                          capture_output=True, text=True, timeout=timeout)
    assert target.exists(), f"Gnumeric did not write {target}: {done.stdout} {done.stderr}"
    return target


def saved_by(program: str, source: Path, extension: str, out_dir: Path) -> Path:
    """`source` saved by a real spreadsheet program ("libreoffice" or "gnumeric") in a format."""
    if program == "gnumeric":
        return gnumeric_convert(source, extension, out_dir)
    [converted] = convert(source, LIBREOFFICE_FILTERS[extension], out_dir)
    return converted
