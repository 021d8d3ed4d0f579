from pathlib import Path

from places.standard import REUNION_FILE

FIXTURES = Path(__file__).parent / "fixtures"

__all__ = ["FIXTURES", "REUNION_FILE"]
