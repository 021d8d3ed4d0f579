import datetime as dt
import uuid

from django import forms
from dsfr.forms import DsfrBaseForm

from accompaniments.enums import DURATION_PRESETS, SessionKind
from core.timezones import make_local
from places.enums import Service

DURATION_CHOICES = [
    (m, f"{m // 60} h {m % 60:02d}" if m >= 60 else f"{m} min") for m in DURATION_PRESETS
]


class RedeemForm(DsfrBaseForm):
    serial = forms.CharField(
        label="Numéro du chèque",
        max_length=30,
        help_text="Scannez le QR code ou tapez le numéro, par exemple KK26-00000123-4.",
    )
    code = forms.CharField(
        label="Code secret", max_length=12, help_text="8 caractères, par exemple AB3D-7KQ2."
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    session = forms.ModelChoiceField(
        label="Séance du jour",
        queryset=None,
        required=False,
        empty_label="Aucune (nouvel accompagnement)",
        help_text="Si la personne vient à une séance prévue aujourd'hui, choisissez-la.",
    )
    kind = forms.ChoiceField(
        label="Accompagnement", choices=SessionKind.choices, initial=SessionKind.INDIVIDUAL
    )
    place = forms.ModelChoiceField(
        label="Lieu",
        queryset=None,
        empty_label="Choisissez le lieu",
        help_text="Où l'accompagnement a eu lieu (sauf si vous choisissez une séance du jour).",
    )
    duration = forms.TypedChoiceField(
        label="Durée", coerce=int, choices=DURATION_CHOICES, initial=60
    )
    themes = forms.MultipleChoiceField(
        label="Ce que vous avez fait ensemble",
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, sessions, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: (
            f"{s.starts_local:%H:%M} — {s} ({s.program.name})"
        )
        self.fields["place"].queryset = places
        if len(places) == 1:
            self.initial.setdefault("place", places[0].pk)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self):
        data = super().clean()
        if data.get("session"):
            self.errors.pop("place", None)  # the session says where
        return data


class SessionForm(DsfrBaseForm):
    program = forms.ModelChoiceField(label="Programme", queryset=None, empty_label=None)
    place = forms.ModelChoiceField(label="Lieu", queryset=None, empty_label=None)
    kind = forms.ChoiceField(label="Type", choices=SessionKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label="Titre de l'atelier", max_length=150, required=False)
    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label="Heure de début", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration = forms.TypedChoiceField(
        label="Durée",
        coerce=int,
        choices=DURATION_CHOICES + [(0, "autre durée")],
        initial=60,
    )
    custom_duration = forms.IntegerField(
        label="Autre durée (minutes)",
        min_value=5,
        max_value=480,
        required=False,
        help_text="Seulement si vous avez choisi « autre durée » : de 5 à 480 minutes.",
    )
    capacity = forms.IntegerField(
        label="Nombre de places (atelier)", min_value=1, max_value=50, initial=5, required=False
    )
    mediator = forms.ModelChoiceField(label="Médiateur", queryset=None, empty_label=None)
    track = forms.ModelChoiceField(label="Parcours", queryset=None, required=False)
    themes = forms.MultipleChoiceField(
        label="Thèmes", choices=Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, programs, places, mediators, tracks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["place"].queryset = places
        self.fields["mediator"].queryset = mediators
        self.fields["mediator"].label_from_instance = lambda u: u.get_full_name() or u.email
        self.fields["track"].queryset = tracks

    def clean(self):
        data = super().clean()
        if data.get("duration") == 0 and not data.get("custom_duration"):
            self.add_error("custom_duration", "Indiquez la durée en minutes (de 5 à 480).")
        return data

    def minutes(self) -> int:
        return self.cleaned_data["duration"] or self.cleaned_data["custom_duration"]

    def starts_at(self, program) -> dt.datetime:
        """The date and hour typed, read in the program's time zone."""
        return make_local(self.cleaned_data["date"], self.cleaned_data["time"], program)


class SessionChangeForm(SessionForm):
    """A session still to come, changed: its program and kind stay."""

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["program"], self.fields["kind"]
        if session.kind == SessionKind.INDIVIDUAL:
            del self.fields["capacity"]
        if not self.is_bound:
            start = session.starts_local
            preset = session.duration_minutes in dict(DURATION_CHOICES)
            self.initial.update(
                place=session.place_id,
                title=session.title,
                date=start.date(),
                time=start.time().replace(second=0, microsecond=0),
                duration=session.duration_minutes if preset else 0,
                custom_duration=None if preset else session.duration_minutes,
                capacity=session.capacity,
                mediator=session.mediator_id,
                track=session.track_id,
                themes=session.themes,
            )

    def changes(self, session) -> dict:
        """What session_update takes."""
        data = self.cleaned_data
        starts_at = self.starts_at(session.program)
        if starts_at == session.starts_at.replace(second=0, microsecond=0):
            starts_at = session.starts_at  # the form shows minutes: an unchanged hour stays
        changes = {
            "place": data["place"],
            "title": data["title"],
            "starts_at": starts_at,
            "duration_minutes": self.minutes(),
            "mediator": data["mediator"],
            "track": data["track"],
            "themes": data["themes"],
        }
        if "capacity" in self.fields:
            changes["capacity"] = data["capacity"] or session.capacity
        return changes


class SessionCancelForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Pourquoi la séance est-elle annulée ?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce motif est envoyé aux personnes inscrites, par SMS ou courriel.",
    )


class BookForm(DsfrBaseForm):
    beneficiary = forms.ModelChoiceField(
        label="Personne à inscrire", queryset=None, empty_label=None
    )

    def __init__(self, *args, beneficiaries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = beneficiaries
        self.fields["beneficiary"].label_from_instance = lambda b: f"{b.last_name} {b.first_name}"


class AnonymousForm(DsfrBaseForm):
    count = forms.IntegerField(label="Personnes venues sans carnet", min_value=1, max_value=50)


class SurveyForm(DsfrBaseForm):
    SCALE = [(1, "pas du tout"), (2, "un peu"), (3, "oui"), (4, "tout à fait")]
    helped = forms.TypedChoiceField(
        label="L'accompagnement vous a-t-il aidé ?",
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    confident = forms.TypedChoiceField(
        label="Vous sentez-vous plus à l'aise avec le numérique ?",
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    recommend = forms.TypedChoiceField(
        label="Le conseilleriez-vous à un proche ?",
        choices=[("yes", "oui"), ("no", "non")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class WelcomeForm(DsfrBaseForm):
    number = forms.CharField(
        label="Numéro de la carte ou du carnet",
        max_length=24,
        help_text="Scannez le QR code « pour le lieu » ou tapez le numéro, par exemple KK26-C000012.",
    )
    code = forms.CharField(
        label="Code de la carte",
        max_length=12,
        help_text="Écrit sous le numéro, par exemple AB3D-7KQ2. La personne peut vous le dicter.",
    )


class WalkInForm(DsfrBaseForm):
    place = forms.ModelChoiceField(label="Lieu", queryset=None, empty_label=None)
    duration = forms.TypedChoiceField(
        label="Durée", coerce=int, choices=DURATION_CHOICES, initial=60
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
