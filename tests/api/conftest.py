"""Fixtures shared with the reporting tests: a few months of activity in two programs."""

from tests.reporting.conftest import activity, make_person  # noqa: F401
