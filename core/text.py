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
