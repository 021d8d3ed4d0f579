import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accompaniments.enums import SessionStatus
from accompaniments.models import Session
from places.enums import Service
from places.models import Place
from tests.factories import SessionFactory

REUNION = ZoneInfo("Indian/Reunion")


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=REUNION)


@pytest.fixture
def workshops(kk):
    """Two workshops in Saint-Benoît places of the structure, one individual session, one
    cancelled workshop and one past workshop (the clock stands at 25 November 2026)."""
    first, second = Place.objects.filter(structure=kk["structure"]).order_by("pk")
    make = {"structure": kk["structure"], "program": kk["program"], "workshop": True}
    smartphone = SessionFactory(
        **make,
        place=first,
        starts_at=_at(2, 14),
        title="Bien utiliser son smartphone",
        themes=[Service.EVERYDAY_TOOLS],
    )
    admin = SessionFactory(
        **make,
        place=second,
        starts_at=_at(3),
        title="Mes démarches en ligne",
        themes=[Service.ADMIN],
        fill=True,
    )
    SessionFactory(structure=kk["structure"], program=kk["program"], starts_at=_at(2, 10))
    cancelled = SessionFactory(**make, place=first, starts_at=_at(4), title="Annulé")
    Session.objects.filter(pk=cancelled.pk).update(status=SessionStatus.CANCELLED)
    past = SessionFactory(**make, place=first, starts_at=_at(5), title="Passé")
    Session.objects.filter(pk=past.pk).update(starts_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    return {"smartphone": smartphone, "admin": admin, "first": first, "second": second}


def test_the_agenda_lists_workshops_to_come_with_how_to_join(client, workshops, kk):
    response = client.get("/ateliers/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Optionnel" not in page  # filters: every field may stay empty
    assert response.context["count"] == 2
    assert [w.title for w, _d in response.context["items"]] == [
        "Bien utiliser son smartphone",
        "Mes démarches en ligne",
    ]
    # Local time of the place (La Réunion), seats left, the place's phone as people read it.
    assert "Mercredi 2 décembre à 14h00" in page
    assert "5 places libres" in page and "Complet : liste d'attente" in page
    assert 'href="tel:+262262508835"' in page and "02 62 50 88 35" in page
    assert "demandez à votre conseiller" in page
    # No personal data: not the mediator, nor anything about participants.
    mediator = kk["mediator"]
    assert mediator.email not in page and (mediator.last_name or "@") not in page
    assert "Annulé" not in page and "Passé" not in page


@pytest.mark.parametrize(
    "query, titles",
    [
        ({"theme": Service.ADMIN}, ["Mes démarches en ligne"]),
        (
            {"commune": "97410", "radius": "20"},
            ["Bien utiliser son smartphone", "Mes démarches en ligne"],
        ),
        ({"commune": "97415", "radius": "20"}, []),  # Saint-Paul, across the island
        ({"departement": "974"}, ["Bien utiliser son smartphone", "Mes démarches en ligne"]),
    ],
)
def test_the_agenda_filters(client, workshops, query, titles):
    response = client.get("/ateliers/", query)
    assert [w.title for w, _d in response.context["items"]] == titles


def test_the_agenda_filters_by_program_and_says_how_far(client, workshops, kk):
    response = client.get("/ateliers/", {"program": kk["program"].pk, "commune": "97410"})
    page = response.content.decode()
    assert response.context["count"] == 2
    assert "à moins de 20 km de Saint-Benoît" in page and "km)" in page
    response = client.get("/ateliers/", {"program": "999999"})
    assert response.context["workshops"] is None
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_the_agenda_comes_in_pages_of_ten(client, kk):
    place = Place.objects.filter(structure=kk["structure"]).first()
    for day in range(1, 13):
        SessionFactory(
            structure=kk["structure"],
            program=kk["program"],
            workshop=True,
            place=place,
            starts_at=_at(day + 1),
            title=f"Atelier {day}",
        )
    first = client.get("/ateliers/")
    assert len(first.context["items"]) == 10 and first.context["count"] == 12
    assert "Page 1 sur 2" in first.content.decode()
    second = client.get("/ateliers/", {"page": 2})
    assert [w.title for w, _d in second.context["items"]] == ["Atelier 11", "Atelier 12"]


def test_the_place_page_shows_its_own_workshops(client, workshops):
    page = client.get(f"/lieux/{workshops['first'].pk}/").content.decode()
    assert "Prochains ateliers ici" in page and "Bien utiliser son smartphone" in page
    assert "Mes démarches en ligne" not in page  # given in the other place
    assert "Mercredi 2 décembre à 14h00" in page
    assert "Tous les ateliers près d'ici" in page


def test_home_and_header_link_the_agenda_and_the_balance_page(client, db):
    page = client.get("/").content.decode()
    assert page.count('href="/ateliers/"') >= 2
    assert page.count('href="/carnets/solde/"') >= 2  # the home page and the header
    assert "Mon carnet" in page
