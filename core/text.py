import re
import unicodedata

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_SEPARATORS = re.compile(r"[\s\-'’.,;/()]+")


def normalize_search(text: str) -> str:
    """Lower case, no accents, words split on punctuation, 'st'/'ste' spelled out."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = [_ABBREVIATIONS.get(word, word) for word in _SEPARATORS.split(plain) if word]
    return " ".join(words)


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value, max_length: int | None = None) -> str:
    """A text cell a spreadsheet will not run as a formula: a leading apostrophe when it
    starts like one (cut to `max_length` if the apostrophe would pass it)."""
    text = "" if value is None else str(value)
    if not text.startswith(FORMULA_STARTS):
        return text
    safe = f"'{text}"
    return safe[:max_length] if max_length else safe


def web_url(value) -> str:
    """The address if it is a web one (http or https), else nothing: no javascript:, data:
    or file: link is ever kept or shown."""
    text = (value or "").strip()
    return text if re.match(r"^https?://[^\s]+$", text, re.IGNORECASE) else ""


# French overseas dialling codes whose numbers read as national ones (0 + nine digits).
_FRENCH_COUNTRY_CODES = ("33", "262", "269", "508", "590", "594", "596")


def phone_digits(value) -> str:
    """The number to dial (for a tel: link): digits with a leading + kept, nothing else."""
    text = (value or "").strip()
    digits = re.sub(r"\D", "", text)
    return f"+{digits}" if text.startswith("+") and digits else digits


def phone_display(value) -> str:
    """A French number as people read it, by pairs: +262262123456 -> 02 62 12 34 56.
    A number that is not French keeps its spelling."""
    dial = phone_digits(value)
    national = ""
    if dial.startswith("+"):
        for code in _FRENCH_COUNTRY_CODES:
            rest = dial[1 + len(code) :]
            if dial[1:].startswith(code) and len(rest) == 9:
                # +262 262… (La Réunion) and +262 269… (Mayotte) are national 0262… / 0269….
                national = "0" + rest
                break
    elif len(dial) == 10 and dial.startswith("0"):
        national = dial
    if not national:
        return (value or "").strip()
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


_VOWEL_START = re.compile(r"^[aeiouyhàâäéèêëîïôöûùüœæ]", re.IGNORECASE)
# Words starting with an aspirated h take no elision.
_ASPIRATED_H = ("haut", "hag", "hav", "ham", "hou", "hur")


def of(name) -> str:
    """'de' before a name, elided before a vowel or a mute h: of('Agen') = "d'Agen",
    of('Saint-Paul') = 'de Saint-Paul', of('Le Port') = 'du Port', of('Les Avirons') =
    'des Avirons'."""
    text = str(name or "").strip()
    lower = text.lower()
    if lower.startswith("le "):
        return f"du {text[3:]}"
    if lower.startswith("les "):
        return f"des {text[4:]}"
    if _VOWEL_START.match(text) and not lower.startswith(_ASPIRATED_H):
        return f"d'{text}"
    return f"de {text}"
