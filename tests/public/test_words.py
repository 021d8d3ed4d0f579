"""Words people read: units named by what they are, errors once, fields marked as they are."""

import re
from pathlib import Path

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

ROOT = Path(settings.BASE_DIR)
# The program settings form explains to a funder what a unit is (chèque or heure).
UNITS_WORD_ALLOWED = {"programs/templates/programs/program_form.html"}


def test_no_page_says_unites():
    templates = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]
    assert len(templates) > 100
    found = [
        str(path.relative_to(ROOT))
        for path in templates
        if re.search(r"\bunités?\b", path.read_text(), re.IGNORECASE)
        and str(path.relative_to(ROOT)) not in UNITS_WORD_ALLOWED
    ]
    assert found == []


def test_an_error_not_tied_to_a_field_is_shown_once(client, db):
    page = client.post("/carnets/solde/", {"number": "PN26-C000001", "code": "AAAA-AAAA"})
    content = page.content.decode()
    assert content.count("Numéro de carnet ou code incorrect") == 1
    assert 'value="PN26-C000001"' in content  # what was typed is kept


def test_the_balance_page_says_which_number_to_type(client, db):
    content = client.get("/carnets/solde/").content.decode()
    assert "Écrit après « N° » en haut de la couverture" in content
    assert 'src="/static/vouchers/carnet-couverture.svg"' in content
    assert "alt=\"La couverture d'un carnet." in content


def test_the_commune_of_the_search_is_not_marked_optional(client, communes):
    content = client.get("/lieux/").content.decode()
    label = re.search(r"Commune ou code postal[^<]*", content).group(0)
    assert "Optionnel" not in label and "optionnel" not in label
    error = client.get("/lieux/", {"commune_label": "", "radius": "20"}).content.decode()
    assert error.count("Indiquez une commune ou un code postal") == 1
    around_me = client.get("/lieux/", {"latitude": "-21.0", "longitude": "55.3", "radius": "5"})
    assert around_me.context["form"].is_valid()


def test_de_before_a_name_goes_through_the_elision_filter():
    """ "de {{ commune.name }}" would print "de Agen": templates write {{ commune.name|of }}."""
    pattern = re.compile(r"\b[dD]e \{\{ ?[\w.]*(commune|origin|name|nom|label)[\w.]* ?\}\}")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []


def test_the_columns_of_exports_and_open_data_name_cheques_or_hours(client, db):
    """Titles and explanations of every dashboard table and export (their page lists them
    all) and of the open data say chèque or heure; column names for machines keep theirs."""
    for url in ("/tableaux-de-bord/colonnes/", "/donnees-ouvertes/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = re.sub(r"<code>[^<]*</code>", "", page.content.decode())
        assert not re.search(r"\bunités?\b", text, re.IGNORECASE), url


def test_a_box_alone_is_not_marked_optional():
    class Form(DsfrBaseForm):
        wet_run = forms.BooleanField(label="Enregistrer les lieux valides", required=False)
        source = forms.CharField(label="Nom de la source", required=False)

    html = str(Form())
    box = re.search(r"Enregistrer les lieux valides[^<]*", html).group(0)
    assert "Optionnel" not in box
    assert "Nom de la source (Optionnel)" in re.sub(r"\s+", " ", html)  # other fields keep it
