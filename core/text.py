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
