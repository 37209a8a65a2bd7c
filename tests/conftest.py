import subprocess
import sys
from pathlib import Path

import pytest

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
