"""No English on a page: every choice list of the project (enumerations, model fields, form
fields, the standard's vocabularies) is rendered as a <select> and each option read back."""

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models

from places.enums import VOCABULARIES, Vocabulary

# Words any English label would use. The words of the enumerations' own (English) identifiers
# are added below: a label that repeats its identifier is English.
COMMON_ENGLISH = {
    "about", "active", "all", "and", "any", "approved", "are", "at", "back", "by",
    "cancelled", "canceled", "choose", "closed", "day", "days", "done", "draft", "email",
    "everyday", "expired", "for", "free", "from", "hours", "in", "is", "issued", "kind",
    "level", "men", "money", "month", "new", "no", "none", "not", "of", "other",
    "paid", "pending", "planned", "rate", "refused", "sent", "set", "status", "the", "to",
    "tools", "under", "unknown", "used", "user", "voucher", "vouchers", "week", "with",
    "women", "yes", "you", "your",
}  # fmt: skip
# Words that are French too (or the standard's own French) and may appear in a label.
FRENCH_TOO = {
    "absent", "active", "code", "codes", "commune", "condition", "invitation", "oral",
    "organisation", "prescription", "public", "seniors", "services", "social", "structure",
    "structures", "date", "minutes", "mobile", "question", "questions", "message", "simple",
    "type", "national", "local", "total", "transfert", "fixe", "normal", "note", "notes",
    "habilitation", "contact",
}  # fmt: skip
# Proper nouns written in mixed case (acronyms in capitals are always accepted).
PROPER_NOUNS = {"Kap", "Konèk", "Emmaüs", "Connect", "Aidants", "Marianne", "France"}

ROOT = Path(settings.BASE_DIR)


def _project_apps():
    return [
        app
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(ROOT) and "site-packages" not in app.path
    ]


def _import_project_modules():
    for app in _project_apps():
        for module in ("enums", "forms", "models"):
            try:
                importlib.import_module(f"{app.name}.{module}")
            except ModuleNotFoundError as error:
                if error.name != f"{app.name}.{module}":
                    raise


def _in_project(cls) -> bool:
    return cls.__module__.split(".")[0] in {app.name for app in _project_apps()}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _choice_lists():
    """(where, choices) for every choice list a page can show."""
    _import_project_modules()
    for cls in _subclasses(models.Choices):
        if _in_project(cls):
            yield f"{cls.__module__}.{cls.__name__}", cls.choices
    for model in apps.get_models():
        if not _in_project(model):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "choices", None):
                yield f"{model.__name__}.{field.name}", field.choices
    for form in _subclasses(forms.BaseForm):
        if not _in_project(form):
            continue
        for name, field in form.base_fields.items():
            if isinstance(field, forms.ModelChoiceField) or not hasattr(field, "choices"):
                continue
            yield f"{form.__module__}.{form.__name__}.{name}", list(field.choices)


class _Options(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts, self._open = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "option":
            self._open = True
            self.texts.append("")

    def handle_endtag(self, tag):
        self._open = tag != "option" and self._open

    def handle_data(self, data):
        if self._open:
            self.texts[-1] += data


def _rendered(choices) -> list[str]:
    parser = _Options()
    parser.feed(forms.Select(choices=choices).render("choix", None))
    return [text.strip() for text in parser.texts]


def _english_vocabulary() -> set[str]:
    _import_project_modules()
    words = set(COMMON_ENGLISH)
    for cls in _subclasses(models.Choices):
        if _in_project(cls):
            for member in cls:
                words |= {word.lower() for word in member.name.split("_") if len(word) > 2}
    return words - FRENCH_TOO


def english_words(label: str, english: set[str]) -> set[str]:
    found = set()
    for word in re.findall(r"[^\W\d_]+", label):
        if word.isupper() and len(word) > 1 or word in PROPER_NOUNS:
            continue
        if word.lower() in english:
            found.add(word)
    return found


def test_the_detector_catches_the_english_labels_once_shown():
    english = _english_vocabulary()
    for label in ("Admin", "Everyday Tools", "Free Under Condition", "Women"):
        assert english_words(label, english), label
    for label in ("Gratuit sous condition", "Femmes", "Aide aux démarches administratives"):
        assert not english_words(label, english), label
    assert _rendered([("a", "Gratuit"), ("Groupe", [("b", "Payant &amp; plus")])]) == [
        "Gratuit",
        "Payant &amp; plus",
    ]


def test_every_choice_list_reads_in_french():
    english = _english_vocabulary()
    # The standard's own labels are French, with proper nouns (France Services, Mes Papiers).
    standard = {label for v in VOCABULARIES.values() if v for label in v.labels}
    seen, problems = 0, []
    for where, choices in _choice_lists():
        for label in _rendered(choices):
            seen += 1
            if label not in standard and (words := english_words(label, english)):
                problems.append((where, label, sorted(words)))
    assert problems == []
    assert seen > 300  # every list was read, not none


def test_no_label_is_the_english_name_of_its_value():
    """Django makes "Everyday Tools" of EVERYDAY_TOOLS when a choice has no label."""
    _import_project_modules()
    problems = [
        f"{cls.__name__}.{member.name}"
        for cls in _subclasses(models.Choices)
        if _in_project(cls)
        for member in cls
        if member.label == member.name.replace("_", " ").title() and member.label != member.value
    ]
    assert problems == []


def test_the_standard_vocabularies_show_the_standard_own_labels():
    for vocabulary in VOCABULARIES.values():
        if vocabulary is None:
            continue
        assert issubclass(vocabulary, Vocabulary)
        assert [label for _value, label in vocabulary.choices] == list(vocabulary.values)


def test_form_labels_and_help_texts_read_in_french():
    english = _english_vocabulary()
    problems = []
    for form in _subclasses(forms.BaseForm):
        if not _in_project(form):
            continue
        for name, field in form.base_fields.items():
            for text in (field.label, field.help_text):
                if text and (words := english_words(str(text), english)):
                    problems.append((f"{form.__name__}.{name}", str(text), sorted(words)))
    assert problems == []
