"""Unit serials (continuous series with a check digit) and secret codes (Crockford base32,
40 bits, stored only as a keyed hash)."""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

from core.checksums import luhn_check_digit

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 characters x 5 bits = 40 bits
_CODE_TRANSLATION = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SERIAL = re.compile(r"^([A-Z0-9]{2,6})(\d{8})(\d)$")


def serial_format(prefix: str, number: int) -> str:
    digits = f"{number:08d}"
    return f"{prefix}-{digits}-{luhn_check_digit(digits)}"


def serial_normalize(text: str) -> str | None:
    """The canonical serial, or None when it is malformed or its check digit is wrong."""
    compact = re.sub(r"[\s\-.]", "", text or "").upper()
    match = _SERIAL.match(compact)
    if not match:
        return None
    prefix, digits, check = match.groups()
    if luhn_check_digit(digits) != check:
        return None
    return f"{prefix}-{digits}-{check}"


_CARNET = re.compile(r"^([A-Z0-9]{2,6})C([0-9OIL]{1,6})$")
_DIGIT_TRANSLATION = str.maketrans({"O": "0", "I": "1", "L": "1"})


def carnet_number_normalize(text: str) -> str:
    """The carnet number as printed (PN26-C000012) from what a person types: any case, with
    or without dashes, spaces or dots, the letter O for a zero, leading zeros left out.
    Anything else comes back upper-cased and compact (it then matches no carnet)."""
    compact = re.sub(r"[\s\-.–_/]", "", text or "").upper()
    match = _CARNET.match(compact)
    if not match:
        return compact
    prefix, digits = match.groups()
    return f"{prefix}-C{int(digits.translate(_DIGIT_TRANSLATION)):06d}"


def code_generate() -> str:
    value = secrets.randbits(5 * CODE_LENGTH)
    chars = [CROCKFORD[(value >> (5 * i)) & 31] for i in range(CODE_LENGTH)]
    return "".join(chars)


def code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_normalize(text: str) -> str:
    return re.sub(r"[\s\-]", "", text or "").upper().translate(_CODE_TRANSLATION)


def code_hash(*, serial: str, code: str) -> str:
    key = settings.PASSNUM_CODE_HMAC_KEY.encode()
    message = f"{serial}:{code_normalize(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(*, serial: str, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(code_hash(serial=serial, code=code), stored_hash)


def link_token_generate() -> str:
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
