from pathlib import Path

from places.demo import REUNION_FILE

FIXTURES = Path(__file__).parent / "fixtures"

__all__ = ["FIXTURES", "REUNION_FILE"]
