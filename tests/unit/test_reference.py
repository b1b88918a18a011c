"""References: random, grouped, case-insensitive, and every single typo or swap is caught."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tawasul.domain import reference as ref
from tawasul.domain.reference import ALPHABET, InvalidReference, new_reference, parse_reference

compact_bodies = st.text(alphabet=ALPHABET, min_size=10, max_size=10)


def _with_check(body: str) -> str:
    return body + ref._check_symbols(body)


def test_new_reference_is_grouped_and_valid() -> None:
    # Given / When
    r = new_reference()
    # Then
    assert re.fullmatch(r"TW-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", r)
    assert parse_reference(r) == r


def test_references_are_not_sequential() -> None:
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    bodies = sorted(r.replace("-", "")[2:12] for r in refs)
    assert len({b[:4] for b in bodies}) > 1000  # spread over the space, no shared prefix run


def test_random_part_carries_fifty_bits() -> None:
    assert ref.RANDOM_SYMBOLS * 5 >= 50
    assert len(ALPHABET) == 32


@given(compact_bodies)
def test_input_is_case_insensitive_and_forgiving(body: str) -> None:
    compact = _with_check(body)
    canonical = ref.display(compact)
    assert parse_reference(canonical.lower()) == canonical
    assert parse_reference(compact) == canonical
    assert parse_reference(" tw " + compact[:6] + " " + compact[6:]) == canonical
    assert parse_reference(canonical.replace("1", "l").replace("0", "o")) == canonical


@given(compact_bodies, st.integers(0, 11), st.integers(1, 31))
def test_every_single_substitution_is_rejected(body: str, position: int, shift: int) -> None:
    compact = _with_check(body)
    wrong = ALPHABET[(ALPHABET.index(compact[position]) + shift) % 32]
    typo = compact[:position] + wrong + compact[position + 1 :]
    with pytest.raises(InvalidReference):
        parse_reference(typo)


@given(compact_bodies, st.integers(0, 10))
def test_every_adjacent_transposition_is_rejected(body: str, position: int) -> None:
    compact = _with_check(body)
    a, b = compact[position], compact[position + 1]
    if a == b:
        return
    swapped = compact[:position] + b + a + compact[position + 2 :]
    with pytest.raises(InvalidReference):
        parse_reference(swapped)


def test_exhaustively_for_one_reference() -> None:
    compact = _with_check("7K3M9Q2XD4")
    for i in range(12):
        for ch in ALPHABET:
            if ch != compact[i]:
                assert not ref.is_valid_compact(compact[:i] + ch + compact[i + 1 :])


@pytest.mark.parametrize(
    "text", ["", "TW", "TW-7K3M", "TW-7K3M-9Q2X-D4HP-XX", "TW-7K3M-9Q2X-D4H!", "x" * 100]
)
def test_malformed_input_is_rejected(text: str) -> None:
    with pytest.raises(InvalidReference):
        parse_reference(text)


def test_invalid_reference_is_a_not_found() -> None:
    assert InvalidReference.status == 404
