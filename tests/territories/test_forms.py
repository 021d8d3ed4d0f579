from django import forms

from territories.forms import CommuneField


class _Form(forms.Form):
    commune = CommuneField()


def test_commune_field_takes_the_hidden_code_or_what_was_typed(communes):
    assert _Form({"commune": "97415"}).is_valid()
    form = _Form({"commune_label": "97460"})
    assert form.is_valid() and form.cleaned_data["commune"].code == "97415"
    form = _Form({"commune_label": "Saint"})
    assert not form.is_valid() and "Plusieurs communes" in form.errors["commune"][0]
    form = _Form({"commune_label": "Atlantide"})
    assert not form.is_valid() and "introuvable" in form.errors["commune"][0]
    assert 'value="Atlantide"' in str(form["commune"])


def test_a_nul_character_never_reaches_the_database(communes):
    """PostgreSQL refuses NUL in a query: the field drops it (found by tests/test_forms_fuzz.py)."""
    form = _Form({"commune": "\x00"})
    assert not form.is_valid() and "Indiquez une commune" in form.errors["commune"][0]
    form = _Form({"commune": "974\x0015"})
    assert form.is_valid() and form.cleaned_data["commune"].code == "97415"
    form = _Form({"commune_label": "Atlan\x00tide"})
    assert not form.is_valid() and 'value="Atlantide"' in str(form["commune"])
