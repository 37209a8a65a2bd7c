import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# torch's verdicts and compiled templates are remembered in a cache of this test run's own (shared by its
# tests, as by a user's runs), never in the user's: a run starts from nothing known.
if "QUIZGEN_CACHE" not in os.environ:
    os.environ["QUIZGEN_CACHE"] = tempfile.mkdtemp(prefix="quizgen-test-cache-")
    atexit.register(shutil.rmtree, os.environ["QUIZGEN_CACHE"], ignore_errors=True)
# Likewise the signing key of lab notebooks: made in a configuration folder of this run's own, never the user's.
if "QUIZGEN_CONFIG" not in os.environ:
    os.environ["QUIZGEN_CONFIG"] = tempfile.mkdtemp(prefix="quizgen-test-config-")
    atexit.register(shutil.rmtree, os.environ["QUIZGEN_CONFIG"], ignore_errors=True)
os.environ.pop("QUIZGEN_SIGNING_KEY", None)

ROOT = Path(__file__).resolve().parent.parent
BANKS = ROOT / "banks"
SEED_BANK = BANKS / "convolucion-seed.es.yaml"
PRACTICE_BANK = BANKS / "convolution-practice.en.yaml"


def run_cli(*args, cwd=None, env=None):
    """The real command in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "quizgen", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture
def cli():
    return run_cli


SOFFICE = shutil.which("soffice")
# LibreOffice's CSV filter options: separator, quote (as character codes), character set (76 UTF-8,
# 1 Windows-1252, 65535 UTF-16), first line; and for import the locale (3082: Spanish, Spain).
SPANISH_CSV = "59,34,1,1"           # what a Spanish-locale spreadsheet saves as "CSV": ';' and Windows-1252
UNICODE_TEXT = "9,34,65535,1"       # Excel's "Unicode text": tabs and UTF-16


def spreadsheet(source: Path, out_dir: Path, target: str, options: str = "") -> Path:
    """``source`` (a CSV in UTF-8) opened in LibreOffice Calc in a Spanish locale, as a person opens a CSV
    (ids like 00123 become numbers) and saved as ``target`` (xlsx, ods, or csv with ``options``)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (Debian's libreoffice-calc-nogui) is not installed; make test installs it as root")
    out_dir.mkdir(parents=True, exist_ok=True)
    convert = f"csv:Text - txt - csv (StarCalc):{options}" if target == "csv" else target
    profile = out_dir / ".lo-profile"
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                             "--infilter=CSV:44,34,76,1,,3082", "--convert-to", convert, "--outdir", str(out_dir),
                             str(source)], capture_output=True, text=True, timeout=180)
    made = out_dir / f"{source.stem}.{target}"
    assert made.is_file(), result.stdout + result.stderr
    return made
