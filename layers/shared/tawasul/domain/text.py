"""Text that cannot deceive (issue 11): what a person types may carry letters, digits, marks,
spaces, line breaks and tabs — not control characters (NUL, escape sequences, ...) and not the
bidirectional embedding, override and isolate characters that make "invoice \u202egnp.exe" show as
"invoice exe.png". The left-to-right and right-to-left marks (U+200E, U+200F, U+061C) stay: Arabic
text with Latin numbers needs them and they cannot reorder what follows. One rule for every text
that enters: cases, messages, notes, names, file names, templates."""

from __future__ import annotations

import re

#: U+202A–U+202E (embeddings, overrides, pop) and U+2066–U+2069 (isolates).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: C0 and C1 controls but tab, line feed and carriage return; DEL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def deceptive(text: str) -> str | None:
    """Why ``text`` is refused (``"control"`` or ``"bidi"``), or None when it may be stored."""
    if CONTROL_CHARACTERS.search(text):
        return "control"
    if BIDI_CONTROLS.search(text):
        return "bidi"
    return None
