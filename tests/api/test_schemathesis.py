"""Schemathesis over the API's own OpenAPI document (/api/v1/openapi.json): for every
operation, requests generated from the document (valid ones, and invalid ones) get no 5xx
and no answer outside what the document says (status, content type, headers, body schema,
valid data accepted, invalid data refused), with a key of a structure under agreement.
Bounded: MAX_EXAMPLES per operation and mode, no deadline, derandomised. (Schemathesis'
pytest plugin does not run under pytest 9: the operations are walked here.)"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.enums import ApiScope
from accounts.services import api_key_create
from tests.factories import CarnetFactory

MAX_EXAMPLES = 30


@pytest.fixture
def api_key(money_program, structure, make_agreement, beneficiary, settings):
    settings.PASSNUM_API_RATE_PER_MINUTE = 0
    make_agreement(money_program, structure)
    CarnetFactory(program=money_program, beneficiary=beneficiary)
    return api_key_create(
        actor=None, organisation=structure, name="fuzz", scopes=[scope.value for scope in ApiScope]
    )[1]


@pytest.fixture
def connection_kept():
    """As Django's test client does: the WSGI handler would close the test's database
    connection at the end of each request (inside the test's transaction on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_every_operation_answers_as_documented(api_key, connection_kept, mode):
    operations = _operations()
    assert operations
    headers = {"Authorization": f"Bearer {api_key}"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[valid_data_is_refused_only_by_the_rules],
            )

        call()


# A service's refusal (api.api.refusal): a rule or a reference the schema cannot know (an
# unknown program, place or cursor). Schema-level refusals are titled "Requête invalide".
RULE_REFUSAL = "Refusé"


@schemathesis.check
def valid_data_is_refused_only_by_the_rules(ctx, response, case):
    """Schemathesis' own check wants schema-valid data never to get a 422; here a 422 in JSON
    (`ConsumeOut`: unknown serial, wrong code…) or a problem titled "Refusé" is a refusal by
    the business rules of a request the schema allows. A schema-valid request refused as
    invalid (a problem details 422 "Requête invalide") means the document allows what the API
    refuses."""
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if response.status_code == 422 and "problem+json" in content_type:
        if response.json().get("title") == RULE_REFUSAL:
            return None
        raise AssertionError(f"Requête valide d'après le schéma refusée : {response.text}")
    return None
