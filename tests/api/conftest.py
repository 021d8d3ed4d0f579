"""Fixtures shared with the reporting tests: a few months of activity in two programs."""

from tests.reporting.conftest import _empty_cache, activity, make_person  # noqa: F401
