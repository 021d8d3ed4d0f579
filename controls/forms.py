from django import forms
from dsfr.forms import DsfrBaseForm

ACCEPT = "accept"
REJECT = "reject"


class LineDecisionForm(DsfrBaseForm):
    """The operator's decision on a held line. The reason may come empty: the service refuses
    it with its own message."""

    decision = forms.ChoiceField(
        label="Décision", choices=[(ACCEPT, "Accepter"), (REJECT, "Refuser")]
    )
    reason = forms.CharField(label="Motif", max_length=300, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
