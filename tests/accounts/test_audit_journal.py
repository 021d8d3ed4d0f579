"""The operator's page of the audit journal: filters by author, organisation, person, action
and dates, paginated; for operators only."""

import datetime as dt

import pytest
import time_machine

from accounts.enums import OrganisationKind as K
from beneficiaries.enums import AuditAction
from beneficiaries.services import beneficiary_record_read
from core.models import AuditEntry

URL = "/compte/journal/"


@pytest.fixture
def operator_user(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur test", kinds=(K.OPERATOR,)))


@pytest.fixture
def reads(advisor, make_beneficiary, make_organisation, make_member):
    """Three reads: two of Marie by the advisor (25 November, then 1 December), one of Paul
    by a member of another prescriber on 1 December."""
    marie = make_beneficiary(first_name="Marie")
    other = make_organisation(name="CCAS voisin", kinds=(K.PRESCRIBER,))
    neighbour = make_member(other, email="voisin@example.org")
    paul = make_beneficiary(first_name="Paul", organisation=other)
    page = "beneficiaries:beneficiary_detail"
    beneficiary_record_read(actor=advisor, beneficiary=marie, page=page)
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)):
        beneficiary_record_read(actor=advisor, beneficiary=marie, page=page)
        beneficiary_record_read(actor=neighbour, beneficiary=paul, page=page)
    return {"marie": marie, "paul": paul, "other": other, "neighbour": neighbour}


def _rows(client, **query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def _count(page: str) -> int:
    return page.count("Fiche d&#x27;une personne lue</td>")


def test_the_operator_filters_the_journal(client, operator_user, advisor, reads):
    client.force_login(operator_user)
    assert _count(_rows(client, action=AuditAction.RECORD_READ)) == 3
    marie = reads["marie"].pk
    page = _rows(client, person=marie)
    assert _count(page) == 2 and f"personne n° {marie}" in page
    assert "page beneficiaries:beneficiary_detail" in page
    assert _count(_rows(client, actor="voisin@example.org")) == 1
    assert _count(_rows(client, organisation=reads["other"].pk)) == 1
    assert _count(_rows(client, since="2026-11-26", action=AuditAction.RECORD_READ)) == 2
    assert _count(_rows(client, until="2026-11-25", action=AuditAction.RECORD_READ)) == 1


def test_bad_filters_get_field_errors_not_a_crash(client, operator_user, reads):
    client.force_login(operator_user)
    page = _rows(client, person="abc", since="2026-12-02", until="2026-12-01", action="nope")
    assert "Saisissez un nombre entier" in page
    assert "La date de fin doit venir après la date de début" in page
    assert "Sélectionnez un choix valide" in page
    assert 'value="abc"' in page  # what was typed stays
    assert "Optionnel" not in page  # filters: every field may stay empty


def test_the_journal_is_paginated(client, operator_user, advisor, make_beneficiary):
    person = make_beneficiary()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=advisor,
            action=AuditAction.RECORD_READ,
            object_type="beneficiaries.beneficiary",
            object_id=str(person.pk),
            data={"page": "beneficiaries:beneficiary_detail"},
        )
        for _ in range(55)
    )
    client.force_login(operator_user)
    first = _rows(client, person=person.pk)
    assert _count(first) == 50 and "Page 1 sur 2" in first
    assert f"person={person.pk}&amp;page=2" in first
    assert _count(_rows(client, person=person.pk, page=2)) == 5


def test_only_operators_read_the_journal(client, advisor, structure_user):
    for user in (advisor, structure_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403
