"""The quiz's fingerprint: what a grade depends on, carried by everything graded later (key.json, the response
sheet and its filled-key twin), so that a sheet is never graded against another quiz's key.

It names the seed and the bank's content: a digest of every question's fields as the key is drawn from them
(defaults applied, in bank order: the order numbers the questions), and a short digest per question, so
that a mismatch can say which questions changed. Fields that decide no key and no grade (titles, instructions, language, pictures, LMS
options) are left out: fixing a typo in a title keeps the fingerprint. It also says which versions were
handed out (``versions=30``, or ``roster=29:<digest>`` for one version per student).

As text (one spreadsheet cell; no ``,`` ``;`` or tab, so it survives any CSV dialect, and it starts with a
letter, so no spreadsheet reads it as a number, a date or a formula)::

    quizgen:1 seed=43 bank=3f9a2c7e1b44 questions=a1b2c3.d4e5f6 versions=30
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

FINGERPRINT_COLUMN = "fingerprint"     # the response sheet's column that carries it
SCHEME = 1                  # raise when sampling changes so that a bank and seed draw other versions
PRESENTATION = frozenset({"title", "picture", "lms"})    # question fields that change no key and no grade
_TEXT = re.compile(r"^quizgen:(\d+)((?: [a-z_]+=\S*)+)\s*$")
_HANDED_OUT = re.compile(r"^(?:|versions=[1-9][0-9]*|roster=[1-9][0-9]*:[0-9a-f]{8})$")


def question_digest(question_id: str, question_type: str, fields: dict) -> str:
    """The full SHA-256 (hex) of what decides a question's keys and grades."""
    kept = {k: v for k, v in fields.items() if k not in PRESENTATION}
    text = json.dumps([question_id, question_type, kept], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    seed: int
    bank: str                       # 12 hex digits: the questions' digests, in order
    questions: tuple[str, ...]      # 6 hex digits per question, in bank order
    handed_out: str = ""            # "versions=N", "roster=N:<8 hex>", or "" (unknown)
    scheme: int = SCHEME

    @classmethod
    def of(cls, bank, seed: int, handed_out: str = "") -> "Fingerprint":
        digests = [question_digest(q.id, q.type, q.fields) for q in bank.questions]
        # in order: a question's keys depend on its id, but its number in the feedback on its place
        whole = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:12]
        return cls(seed, whole, tuple(d[:6] for d in digests), handed_out)

    def text(self) -> str:
        parts = [f"quizgen:{self.scheme}", f"seed={self.seed}", f"bank={self.bank}",
                 f"questions={'.'.join(self.questions)}"]
        return " ".join(parts + ([self.handed_out] if self.handed_out else []))

    @classmethod
    def parse(cls, text: str) -> "Fingerprint | None":
        """The fingerprint written as ``text`` (a sheet's cell, key.json's field), None if it is not one."""
        match = _TEXT.match(str(text).strip())
        if not match:
            return None
        fields = dict(part.split("=", 1) for part in match.group(2).split())
        try:
            seed = int(fields["seed"])
            questions = tuple(fields["questions"].split(".")) if fields.get("questions") else ()
            handed_out = next((f"{k}={fields[k]}" for k in ("versions", "roster") if k in fields), "")
            if not _HANDED_OUT.match(handed_out) or not re.fullmatch(r"[0-9a-f]+", fields["bank"]):
                return None
            return cls(seed, fields["bank"], questions, handed_out, int(match.group(1)))
        except (KeyError, ValueError):
            return None

    def same_quiz(self, other: "Fingerprint") -> bool:
        """The same bank content and seed (the versions handed out may differ)."""
        return (self.scheme, self.seed, self.bank) == (other.scheme, other.seed, other.bank)

    # --- what the versions handed out were ----------------------------------------------------------

    @property
    def version_count(self) -> int | None:
        """N when v1..vN were handed out."""
        return int(self.handed_out[9:]) if self.handed_out.startswith("versions=") else None

    @property
    def roster(self) -> tuple[int, str] | None:
        """(students, digest of their ids) when one version per student of a roster was handed out."""
        if not self.handed_out.startswith("roster="):
            return None
        count, _, digest = self.handed_out[7:].partition(":")
        return int(count), digest


def another_bank(made: Fingerprint, now: Fingerprint) -> bool:
    """Fewer than half the questions in common: not an edit of one bank but another bank."""
    common = len(set(made.questions) & set(now.questions))
    return 2 * common < max(len(made.questions), len(now.questions))


def changed_questions(made: Fingerprint, now: Fingerprint, question_ids: list[str]) -> list[str]:
    """The questions of ``now`` (ids in its order) whose content is not among ``made``'s."""
    before = set(made.questions)
    return [qid for qid, digest in zip(question_ids, now.questions) if digest not in before]


def difference(made: Fingerprint, now: Fingerprint, question_ids: list[str], *, made_by: str,
               seed_now: str) -> str:
    """Why a sheet (``made``) is not of the quiz ``now`` stands for, naming what differs: ``made_by`` names
    the sheet ("responses.csv"), ``seed_now`` says where the other seed comes from ("you gave 44")."""
    parts = []
    if made.scheme != now.scheme:
        parts.append(f"{made_by} was made by a quizgen that draws versions another way (scheme {made.scheme}, "
                     f"this one {now.scheme})")
    if made.seed != now.seed:
        parts.append(f"{made_by} was made with seed {made.seed}; {seed_now}")
    if made.bank != now.bank:
        changed = changed_questions(made, now, question_ids)
        removed = len(set(made.questions) - set(now.questions)) - len(changed)
        if another_bank(made, now):
            common = len(set(made.questions) & set(now.questions))
            parts.append(f"{made_by} was made from another bank ({common} of its {len(made.questions)} questions "
                         "in this one)")
        elif changed or removed > 0:
            parts.append(f"{made_by} was made from an earlier version of the bank; "
                         + "; ".join(filter(None, [
                             ("changed or added since: " + ", ".join(changed[:10])
                              + (f" ({len(changed)} questions)" if len(changed) > 10 else "")) if changed else "",
                             f"{removed} question(s) removed since" if removed > 0 else ""])))
        else:
            parts.append(f"{made_by} was made from an earlier version of the bank, its questions in another "
                         "order (the feedback would number them otherwise than the hand-out)")
    return "; ".join(parts)
