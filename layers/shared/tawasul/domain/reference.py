"""Case references: ``TW-7K3M-9Q2X-D4HP``.

Ten random Crockford base-32 symbols (50 bits from the OS's CSPRNG, never sequential nor
derived from time) followed by two check symbols. The check is a pure ISO 7064-style system
over the prime 1021 < 32²: the whole 12-symbol string, read as a base-32 number, is ≡ 0 mod
1021. A single substitution changes that number by d·32^k and an adjacent swap by
(a−b)·31·32^k with |d|, |a−b| < 32, neither of which a prime 1021 divides: every single typo
and every adjacent transposition — in the check symbols too — is rejected before any lookup.
Input is case-insensitive and forgiving (I/L → 1, O → 0, hyphens and spaces ignored).
"""

from __future__ import annotations

import re
import secrets

from tawasul.errors import CaseNotFound

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "TW"
RANDOM_SYMBOLS = 10
CHECK_SYMBOLS = 2
MODULUS = 1021
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]")


class InvalidReference(CaseNotFound):
    """A reference that fails its check: answered as 'not found' without reading the table."""


def _number(symbols: str) -> int:
    value = 0
    for ch in symbols:
        value = value * 32 + _VALUE[ch]
    return value


def _check_symbols(body: str) -> str:
    check = (-_number(body) * 32**CHECK_SYMBOLS) % MODULUS
    return ALPHABET[check // 32] + ALPHABET[check % 32]


def display(compact: str) -> str:
    """``7K3M9Q2XD4HP`` → ``TW-7K3M-9Q2X-D4HP``."""
    return "-".join([PREFIX, compact[0:4], compact[4:8], compact[8:12]])


def new_reference() -> str:
    """A fresh reference in display form."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return display(body + _check_symbols(body))


def is_valid_compact(compact: str) -> bool:
    return (
        len(compact) == RANDOM_SYMBOLS + CHECK_SYMBOLS
        and all(ch in _VALUE for ch in compact)
        and _number(compact) % MODULUS == 0
    )


def parse_reference(text: str) -> str:
    """Normalise what a person typed to the display form, or raise ``InvalidReference``."""
    if not isinstance(text, str) or len(text) > 40:
        raise InvalidReference()
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) == len(PREFIX) + RANDOM_SYMBOLS + CHECK_SYMBOLS and compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    compact = compact.translate(_ALIASES)
    if not is_valid_compact(compact):
        raise InvalidReference()
    return display(compact)
