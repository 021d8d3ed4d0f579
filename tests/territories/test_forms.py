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
