from django.conf import settings
from ninja.errors import Throttled
from ninja.security import HttpBearer

from accounts.services import api_key_admit

RATE_PER_MINUTE_DEFAULT = 600


def rate_per_minute() -> int:
    """Requests a key may make per minute (setting PASSNUM_API_RATE_PER_MINUTE; 0: no limit)."""
    return int(getattr(settings, "PASSNUM_API_RATE_PER_MINUTE", RATE_PER_MINUTE_DEFAULT))


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer pn_…`: the request acts for the key's organisation. Each request
    of a key is counted (over the limit: 429 with Retry-After) and marks the key used."""

    def authenticate(self, request, token):
        record, wait = api_key_admit(key=token, per_minute=rate_per_minute())
        if record is None:
            return None
        if wait:
            raise Throttled(wait=wait)
        request.organisation = record.organisation
        return record
