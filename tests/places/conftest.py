from pathlib import Path

import pytest

from places.services import places_import

REUNION_FILE = (
    Path(__file__).parents[2] / "places" / "data" / "lieux-974-ultra-num-standard-v1.0.2.csv"
)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def reunion_places(communes):
    return places_import(
        content=REUNION_FILE.read_bytes(), name=REUNION_FILE.name, source="ultra-num"
    )
