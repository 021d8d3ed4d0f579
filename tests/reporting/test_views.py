"""reporting.views: the funder dashboard, its tables and charts, its exports (CSV and XLSX
with the period kept), who may see it."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from reporting import exports
from tests.factories import MemberFactory


@pytest.fixture
def funder_client(client, funder_user):
    client.force_login(funder_user)
    return client


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_funder_dashboard_shows_figures_charts_and_tables(activity, funder_client):
    url = reverse("reporting:funder", args=[activity["money"].slug])
    page = funder_client.get(url, {"periode": "mois", "valeur": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tableau de bord : novembre 2026" in html
    assert "2 personnes" in html  # people reached in November
    for slug in ("carnets", "budget-par-mois", "par-structure", "progression", "satisfaction"):
        assert f'data-chart="graphique-{slug}"' in html and f'id="graphique-{slug}"' in html
    assert 'id="tableau-par-commune"' in html and "Saint-Paul" in html
    assert "communes-points" in html and "chart.umd.min.js" in html
    assert "<script>" not in html  # CSP: no inline script (JSON data only)
    assert "format=xlsx" in html and "periode=mois&amp;valeur=2026-11" in html
    budget = re.search(r'id="tableau-budget-par-mois".*?</table>', html, re.S).group(0)
    assert "<td>01/2026</td>" in budget  # its first column is shown
    communes = re.search(r'id="tableau-par-commune".*?</table>', html, re.S).group(0)
    assert "<td>Saint-Paul</td>" in communes and "<td>97415</td>" not in communes  # key hidden


def test_a_wrong_period_says_why_and_shows_the_current_month(activity, funder_client):
    url = reverse("reporting:funder", args=[activity["money"].slug])
    page = funder_client.get(url, {"periode": "mois", "valeur": "2026-13"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mois : écrivez-le comme 2026-03." in html and "novembre 2026" in html
    assert 'value="2026-13"' in html  # what was typed stays


def test_only_the_program_funders_and_operators_see_it(activity, client, structure):
    url = reverse("reporting:funder", args=[activity["money"].slug])
    client.force_login(MemberFactory(organisation=structure))
    assert client.get(url).status_code == 403
    assert client.get(url + "export/par-commune/?format=csv").status_code == 403


@pytest.mark.parametrize("table", ["chiffres-cles", "par-commune", "par-public", "utilisations"])
def test_xlsx_has_the_same_rows_as_csv(activity, funder_client, table):
    url = reverse("reporting:funder_export", args=[activity["money"].slug, table])
    query = {"periode": "annee", "valeur": "2026"}
    as_csv = _csv(funder_client.get(url, query | {"format": "csv"}))
    response = funder_client.get(url, query | {"format": "xlsx"})
    assert response["Content-Disposition"].endswith(f'{table}-2026.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    as_xlsx = [
        ["" if v is None else str(v) for v in row]
        for row in workbook.active.iter_rows(values_only=True)
    ]
    assert len(as_csv) > 1 and as_xlsx == as_csv


def test_the_export_keeps_the_period(activity, funder_client):
    url = reverse("reporting:funder_export", args=[activity["money"].slug, "utilisations"])
    october = _csv(funder_client.get(url, {"periode": "mois", "valeur": "2026-10"}))
    year = _csv(funder_client.get(url, {"periode": "annee", "valeur": "2026"}))
    assert len(october) == 1 + 3 and len(year) == 1 + 6
    assert october[0][:3] == ["date", "evenement", "numero_unite"]


def test_xlsx_over_its_limit_is_refused_proposing_csv(activity, funder_client, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    url = reverse("reporting:funder_export", args=[activity["money"].slug, "utilisations"])
    page = funder_client.get(url, {"periode": "annee", "valeur": "2026", "format": "xlsx"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Téléchargez-le en CSV" in html and "valeur=2026&amp;format=csv" in html


def test_the_uses_page_lists_the_period_by_pages(activity, funder_client):
    url = reverse("reporting:funder_uses", args=[activity["money"].slug])
    html = funder_client.get(url, {"periode": "annee", "valeur": "2026"}).content.decode()
    assert "6 lignes" in html and "PNT-00000001-8" in html and "10,00" in html


def test_the_columns_page_documents_every_export(client):
    html = client.get(reverse("reporting:columns")).content.decode()
    for name in ("montant_centimes", "code_commune", "reste_prevu_centimes", "numero_unite"):
        assert f"<code>{name}</code>" in html
    assert "taux_utilisation" in html  # the key figures' codes


def test_a_structure_sees_its_own_figures_and_downloads_them(activity, client, structure):
    client.force_login(MemberFactory(organisation=structure))
    url = reverse("reporting:structure", args=[structure.pk])
    html = client.get(url, {"periode": "annee", "valeur": "2026"}).content.decode()
    assert "Vos chiffres : année 2026" in html and "3 h 30" in html and "65,00" in html
    rows = _csv(
        client.get(url + "export/structure-par-programme/", {"periode": "annee", "valeur": "2026"})
    )
    assert rows[0][0] == "programme" and len(rows) == 3


def test_a_prescriber_lists_unused_carnets_notes_contacts_and_reminds(
    activity, client, advisor, prescriber, structure
):
    client.force_login(advisor)
    url = reverse("reporting:prescriber", args=[prescriber.pk])
    query = {"periode": "annee", "valeur": "2026"}
    html = client.get(url, query).content.decode()
    b = activity["carnets"]["b"].carnet
    assert "Carnets remis mais pas encore utilisés (2)" in html and b.number in html
    post = reverse("reporting:prescriber_follow_up", args=[prescriber.pk])
    back = url + "?periode=annee&valeur=2026"
    page = client.post(
        post,
        {"carnet": b.pk, "status": "reached", "note": "", "action": "note", "back": back},
        follow=True,
    )
    assert (
        "Contact noté" in page.content.decode() and "jointe, elle va venir" in page.content.decode()
    )
    page = client.post(
        post, {"carnet": b.pk, "action": "remind", "back": "https://ailleurs.example"}, follow=True
    )
    assert page.redirect_chain[-1][0] == url
    assert "ni téléphone portable ni adresse e-mail" in page.content.decode()
    assert client.post(post, {"carnet": "abc", "action": "remind"}).status_code == 404
    rows = _csv(client.get(url + "export/carnets-non-utilises/", query))
    assert [row[0] for row in rows[1:]] == [b.number, activity["carnets"]["f"].carnet.number]
    client.force_login(MemberFactory(organisation=structure))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("which", "words"), [("hours", "heure de La Réunion"), ("money", "heure de Paris")]
)
def test_the_dashboard_names_its_hour_in_plain_words(activity, funder_client, which, words):
    url = reverse("reporting:funder", args=[activity[which].slug])
    html = funder_client.get(url, {"periode": "mois", "valeur": "2026-11"}).content.decode()
    assert f"30 novembre 2026, {words}." in html
    assert "Indian/" not in html and "Europe/" not in html


def test_the_period_fields_are_not_marked_optional_and_stay_labelled(activity, funder_client):
    url = reverse("reporting:funder", args=[activity["money"].slug])
    html = funder_client.get(url, {"periode": "mois", "valeur": "2026-13"}).content.decode()
    form = re.search(r'<form method="get".*?</form>', html, re.S).group(0)
    assert "ptionnel" not in form and "ptional" not in form
    for name, label in (
        ("periode", "Période"),
        ("valeur", "Mois, trimestre ou année"),
        ("du", "Du (dates choisies)"),
        ("au", "Au (dates choisies)"),
    ):
        assert re.search(rf'<label for="id_{name}" class="fr-label">{re.escape(label)}\s*<', form)
        assert re.search(rf'<(input|select)[^>]*name="{name}"[^>]*id="id_{name}"', form) or (
            re.search(rf'<(input|select)[^>]*id="id_{name}"[^>]*name="{name}"', form)
        )
    # The hint is in the label; the error is tied to its input.
    assert re.search(r'année\s*<span class="fr-hint-text" id="id_valeur_helptext">Par ex', form)
    valeur = re.search(r'<input[^>]*name="valeur"[^>]*>', form).group(0)
    assert 'aria-invalid="true"' in valeur and 'aria-describedby="id_valeur-desc-error"' in valeur
    assert re.search(r'id="id_valeur-desc-error">.*écrivez-le comme 2026-03', form, re.S)


def test_the_dashboards_page_leads_each_member_to_their_own_figures(
    client, structure, structure_user, prescriber, advisor, funder_user, program
):
    client.force_login(structure_user)
    page = client.get("/tableaux-de-bord/").content.decode()
    assert f'href="/tableaux-de-bord/structure/{structure.pk}/"' in page
    assert "/tableaux-de-bord/prescripteur/" not in page and "Programmes" not in page
    client.force_login(advisor)
    page = client.get("/tableaux-de-bord/").content.decode()
    assert f'href="/tableaux-de-bord/prescripteur/{prescriber.pk}/"' in page
    client.force_login(funder_user)
    page = client.get("/tableaux-de-bord/").content.decode()
    assert f'href="/tableaux-de-bord/programmes/{program.slug}/"' in page
    assert "Vos chiffres" not in page


def test_the_period_form_shows_the_month_shown(activity, funder_client, program):
    page = funder_client.get(f"/tableaux-de-bord/programmes/{program.slug}/").content.decode()
    month = re.search(r"Tableau de bord : (\w+ \d{4})", page)
    assert month and 'name="valeur" value="2026-11"' in page
