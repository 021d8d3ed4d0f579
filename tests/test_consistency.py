"""Rules every part of the project keeps: no error page on bad input (ids that are not
numbers, numbers too big for a column), whatever the form or the page."""

import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.enums import OrganisationKind as K
from tests.factories import CarnetFactory, SessionFactory, UnitFactory

BAD_VALUES = ["abc", "99999999999999999999999", "-1", "1.5", "<b>x</b>"]
QUERY_NAMES = [
    "structure",
    "programme",
    "program",
    "page",
    "personne",
    "type",
    "q",
    "serie",
    "carnet",
    "days",
    "list",
    "commune",
    "radius",
    "revoke",
    "beneficiary",
    "beneficiaries",
    "status",
    "came",
    "action",
    "place",
    "duration",
    "count",
]


def _project_form_classes():
    for config in apps.get_app_configs():
        if not str(config.path).startswith(str(settings.BASE_DIR)):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_number_field_of_every_form_has_a_maximum():
    """A huge number typed in a form gets a message, never a database overflow."""
    missing = []
    for cls in _project_form_classes():
        model = getattr(getattr(cls, "_meta", None), "model", None)
        # A model form's field checks the column's range through the model field's validators.
        model_fields = {f.name for f in model._meta.get_fields()} if model else set()
        for name, field in cls.base_fields.items():
            is_number = isinstance(
                field, forms.IntegerField | forms.DecimalField | forms.FloatField
            )
            if is_number and field.max_value is None and name not in model_fields:
                missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert missing == []


def _get_routes(values, resolver=None, prefix=""):
    """Every page of the project, its path arguments filled with ids of real objects."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _get_routes(values, pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith(("admin", "api", "^")):
                continue
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m[1], 1)), route)


@pytest.mark.parametrize("kind", [K.STRUCTURE, K.PRESCRIBER, K.OPERATOR, K.FUNDER])
def test_no_page_answers_500_to_bad_query_strings(
    client, kind, kk, beneficiary, make_beneficiary, make_organisation, make_member
):
    organisation = kk["structure"] if kind == K.STRUCTURE else make_organisation(kinds=(kind,))
    client.force_login(make_member(organisation))
    client.raise_request_exception = False
    program = kk["program"]
    # The pages also show an expired carnet, a blocked unit and a full workshop.
    CarnetFactory(program=program, beneficiary=make_beneficiary(), expired=True)
    UnitFactory(
        issued__program=program,
        issued__beneficiary=beneficiary,
        structure=kk["structure"],
        blocked=True,
    )
    SessionFactory(structure=kk["structure"], program=program, mediator=kk["mediator"], full=True)
    values = {
        "organisation_pk": organisation.pk,
        "beneficiary_pk": beneficiary.pk,
        "program_pk": program.pk,
        "slug": program.slug,
        "pk": organisation.pk,
        "token": "x",
    }
    failures = []
    for route in sorted(set(_get_routes(values))):
        for value in BAD_VALUES:
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            for method in ("get", "post"):
                response = getattr(client, method)(
                    f"{route}?{query}", dict.fromkeys(QUERY_NAMES, value)
                )
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {route}?…={value}: {response.status_code}")
    assert failures == []
