from ninja.security import HttpBearer

from accounts.services import api_key_authenticate


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer pn_…`: the request acts for the key's organisation."""

    def authenticate(self, request, token):
        record = api_key_authenticate(key=token)
        if record is None:
            return None
        request.organisation = record.organisation
        return record
