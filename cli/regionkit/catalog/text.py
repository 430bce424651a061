"""Plain text: what a name or a free-text field may hold, and how any text is shown on a terminal.

Refused in every catalog string (keys and values), at validation:

- line breaks and tabs: a catalog string is one line (it is quoted in one-line findings, where a
  newline would forge a line of its own; write long text folded, with `>-`);
- terminal control characters: the rest of C0, DEL, C1 (ESC and CSI sequences move the
  cursor, rewrite lines, set the title, or hide what follows), the Unicode bidirectional controls
  (a right-to-left override shows `evil.sh` as `hs.live`: CVE-2021-42574, "Trojan Source"),
  zero-width characters, line and paragraph separators, byte-order marks;
- template markers `{{`, `{%`, `{#`: catalog text reaches Ansible, which templates strings it is
  given; the inventory marks every string `!unsafe`, and validation refuses them as well.

`printable` is the other half: whatever reaches a terminal (a path the user typed, a value read
from a file that failed to load, a tool's output) has those characters shown as escapes.
"""

from __future__ import annotations

import re

_CONTROL_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but \t and \n, DEL, C1
    "\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates; zero-width
    "\u2028\u2029\ufeff"  # line and paragraph separators, byte-order mark
    "\ud800-\udfff"  # lone surrogates (undecodable bytes in a path or an argument)
)
CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
LINE_BREAK = re.compile("[\t\n]")
TEMPLATE = re.compile(r"\{[{%#]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a catalog string, or None."""
    if m := CONTROL.search(value):
        return f"contains the control character U+{ord(m.group()):04X} (invisible, or it rewrites the terminal)"
    if m := LINE_BREAK.search(value):
        what = "tab" if m.group() == "\t" else "line break"
        return f"contains the {what} U+{ord(m.group()):04X}: a catalog string is one line (fold long text with >-)"
    if m := TEMPLATE.search(value):
        return f"contains the template marker {m.group()!r} (Ansible would evaluate it)"
    return None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\u202e`); tab and newline stay."""
    return CONTROL.sub(_escape, text)
