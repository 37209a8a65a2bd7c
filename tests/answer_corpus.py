"""What the answer parsers are tried on, shared by the Python parser's tests and the practice page's
(templates/html/practice.js): every answer kind of the registry (answers.kinds) with the key its documented
syntax is read against, so a kind or a syntax added there is tried in both parsers without a line here."""
from quizgen.answers.kinds import KINDS

EXPECTED = {name: kind.key for name, kind in KINDS.items()}
OPTIONS = EXPECTED["choice"]
SYNTAX = [(name, text) for name, kind in KINDS.items() for text in kind.syntax]
