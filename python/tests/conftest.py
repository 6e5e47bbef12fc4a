import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenarios() -> Path:
    return ROOT / "scenarios"


@pytest.fixture
def mm1() -> dict:
    """An M/M/1 queue as a dict: lambda = 0.5 /s, mu = 1 /s."""
    return {
        "horizon": "20000 s",
        "warmup": "1000 s",
        "components": {
            "arrivals": {"type": "source", "interarrival": "exponential(2 s)"},
            "q": {"type": "buffer"},
            "m": {"type": "machine", "process_time": "exponential(1 s)"},
            "out": {"type": "sink"},
        },
        "flow": ["arrivals -> q -> m -> out"],
        "record": {"period": "10 s", "signals": ["q.level", "m.state"]},
    }


@pytest.fixture
def cli() -> Path:
    """The plantwin command line program of the same build (CTest sets PLANTWIN_CLI)."""
    path = os.environ.get("PLANTWIN_CLI") or str(ROOT / "build" / "ci" / "plantwin")
    if not os.access(path, os.X_OK):
        pytest.skip("no plantwin program: set PLANTWIN_CLI")
    return Path(path)
