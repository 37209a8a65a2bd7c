"""The driver: bank -> variants -> solve -> render -> write. Each stage is its own module; question types
and formats are plug-ins the driver does not know by name."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import __version__, questions
from ..core.caches import remember
from ..core.errors import QuizgenError
from ..core.filenames import SafeNames
from ..core.languages import LANGUAGES
from ..core.output import check_target, write_files
from ..core.parallel import ordered_map
from ..core.progress import progress
from ..core.record import Draft, Question
from ..export import FORMATS
from ..grade.roster import Roster, read_roster
from ..render.renderer import Renderer
from . import crosscheck
from .bank import Bank, load_bank
from .fingerprint import Fingerprint
from .sampling import draw_config, question_rng


@dataclass(frozen=True)
class Version:
    id: str
    questions: list[Question]
    folder: str = ""        # its folder under handout/ and keys/: the id made a safe file name

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def header(self) -> dict:
        return {"version": self.id, **({"folder": self.folder} if self.folder != self.id else {}),
                "max_score": self.max_score}


@dataclass(frozen=True)
class QuizSet:
    bank: Bank
    seed: int
    language: str
    versions: list[Version]
    roster: bool = False      # versions are named after students
    people: object = None     # the roster (its students' names go into the response sheet), if any
    signing: object = None    # this quiz's signing key (core/signing.py), where notebooks are written

    @property
    def title(self) -> str:
        return self.bank.title

    @cached_property
    def fingerprint(self) -> Fingerprint:
        """What a grade depends on: the bank's content, the seed and the versions handed out."""
        ids = [v.id for v in self.versions]
        handed_out = f"roster={len(ids)}:{Roster('', ids).digest()}" if self.roster else f"versions={len(ids)}"
        return Fingerprint.of(self.bank, self.seed, handed_out)

    def header(self) -> dict:
        """The key's fields other than its versions."""
        return {
            "format": "quizgen-quizset/1",
            "generator": f"quizgen {__version__}",
            "bank": Path(self.bank.file).name,
            "bank_sha256": self.bank.sha256,
            "fingerprint": self.fingerprint.text(),
            "title": self.title,
            "seed": self.seed,
            "language": self.language,
            # the notebooks handed out are signed with it: the key lets any machine verify them (--key)
            **({"signing_key": {"id": self.signing.id, "key": self.signing.hex}} if self.signing else {}),
        }

    def to_dict(self) -> dict:
        return {**self.header(),
                "versions": [{**v.header(), "questions": [q.to_dict() for q in v.questions]}
                             for v in self.versions]}


DRAFT_CACHE = 20_000   # distinct drafts kept for reuse in one run (a few kB each)


class Drafter:
    """Variants stage: each (version, question) draws from its own seeded generator; the parameter spaces
    of a question are worked out once and shared by every version. Versions that draw the same
    configuration and content share one Draft (built, checked by torch and rendered once): with thousands
    of versions, most size questions repeat."""

    def __init__(self, bank: Bank, seed: int):
        self.bank, self.seed = bank, seed
        self.slots = [(number, spec, questions.get(spec.type)) for number, spec in enumerate(bank.questions, 1)]
        self.spaces = {spec.id: qtype.spaces(spec, bank) for _, spec, qtype in self.slots}
        self._drafts: dict[tuple, Draft] = {}
        self._fresh: list[Draft] = []      # built since the last take_fresh(): not yet confirmed by torch

    def version(self, version: str) -> list[Draft]:
        drafts = []
        for number, spec, qtype in self.slots:
            rng = question_rng(self.seed, version, spec.id)
            config = draw_config(spec, self.bank, qtype, self.spaces[spec.id], rng)
            content = qtype.content(spec, self.bank, config, rng)
            key = (spec.id, config, content)
            draft = self._drafts.get(key)
            if draft is None:
                draft = remember(self._drafts, key, qtype.build(spec, self.bank, config, content, version, number),
                                 DRAFT_CACHE)
                self._fresh.append(draft)
            drafts.append(draft)
        return drafts

    def take_fresh(self) -> list[Draft]:
        """The drafts built since the last call, for the solve stage to confirm."""
        fresh, self._fresh = self._fresh, []
        return fresh


def build(bank: Bank, version_ids: list[str], seed: int, language: str, renderer: Renderer,
          roster: bool = False, drafted_hook=None, people: Roster | None = None) -> QuizSet:
    """Draft every version, confirm the fresh drafts with torch (in one batch), render each draft once.
    ``drafted_hook`` runs between drafting (where a bank's spaces and constraints are checked) and torch."""
    drafter = Drafter(bank, seed)
    drafted = [(version, drafter.version(version))
               for version in progress(version_ids, len(version_ids), "drafting", "version")]
    if drafted_hook:
        drafted_hook()
    crosscheck.cross_check(drafter.take_fresh(), bank.file)
    return QuizSet(bank, seed, language, render_versions(drafted, renderer, language), roster, people)


def render_versions(drafted: list[tuple[str, list[Draft]]], renderer: Renderer, language: str) -> list[Version]:
    """Render stage: each version's questions, a draft shared by versions rendered once."""
    rendered: dict[int, Question] = {}
    folders = SafeNames()

    def question(draft: Draft) -> Question:
        if id(draft) not in rendered:
            rendered[id(draft)] = renderer.question(draft, language)
        return rendered[id(draft)]
    return [Version(version, [question(d) for d in drafts], folders.name(version)) for version, drafts in drafted]


def write_formats(quizset: QuizSet, renderer: Renderer, formats: list[str], jobs: int = 1) -> dict[str, bytes]:
    """Every format's files. Each format splits its work into parts (batches of versions, or the whole set);
    with ``jobs`` > 1 the parts run in that many processes, which inherit the set (nothing is copied to
    them) and send back bytes; each format joins its parts in order."""
    tasks = [(name, part) for name in formats for part in FORMATS[name].parts(quizset)]
    results = progress(ordered_map(_write_part, (quizset, renderer), tasks, jobs), len(tasks), "writing", "part")
    done: dict[str, list] = {name: [] for name in formats}
    for (name, _), files in zip(tasks, results):
        done[name].append(files)
    return {path: content for name in formats for path, content in FORMATS[name].join(quizset, done[name]).items()}


def _write_part(state, task) -> dict[str, bytes]:
    quizset, renderer = state
    name, part = task
    return FORMATS[name].write(quizset, renderer, part)


def generate(bank_path: str, out_dir: str, formats: list[str], versions: int = 1, seed: int | None = None,
             language: str | None = None, roster: str | None = None, templates: str | None = None, jobs: int = 1,
             id_column: str | None = None) -> tuple[list[Path], list[str]]:
    """Write the formats asked for; return the files written and the formats' warnings."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise QuizgenError(f"unknown format {unknown[0]!r}; allowed: {', '.join(sorted(FORMATS))}", field="--format")
    bank = load_bank(bank_path)
    renderer = Renderer(templates)
    students = read_roster(roster, id_column) if roster else None
    version_ids = students.ids if students else [f"v{n}" for n in range(1, versions + 1)]
    # a folder it may not write to is refused once the bank is known good, before torch and rendering
    checked = {}
    quizset = build(bank, version_ids, bank.seed if seed is None else seed, language or bank.language, renderer,
                    roster=bool(roster), drafted_hook=lambda: checked.update(target=check_target(out_dir, "generate")),
                    people=students)
    if roster and "sheet" not in formats:
        formats = [*formats, "sheet"]   # handed out per student: the sheet to type their answers into
    formats = [*formats, *(w for w in dict.fromkeys(w for f in formats for w in FORMATS[f].with_formats)
                           if w not in formats)]
    if any(FORMATS[f].signed for f in formats):
        from dataclasses import replace  # noqa: PLC0415

        from ..core.signing import machine_key  # noqa: PLC0415

        quizset = replace(quizset, signing=machine_key(create=True).for_quiz(quizset.fingerprint.text()))
    files = write_formats(quizset, renderer, formats, jobs)
    warnings = [f"{name}: {warning}" for name in formats for warning in FORMATS[name].warnings(quizset)]
    warnings += [f"{roster}: {note}" for note in (students.notes if students else [])]
    return write_files(out_dir, files, checked=checked["target"]), warnings


def check(bank_path: str, versions: int = 20, seed: int | None = None) -> tuple[Bank, int]:
    """Validate a bank and cross-check every answer of ``versions`` sampled versions, then try what generate
    does with them: every format, in both languages, written in memory only (a format that cannot carry a
    question says so here, not at hand-out)."""
    bank = load_bank(bank_path)
    renderer = Renderer()
    seed = bank.seed if seed is None else seed
    drafter = Drafter(bank, seed)
    drafted = [(f"v{n}", drafter.version(f"v{n}"))
               for n in progress(range(1, versions + 1), versions, "drafting", "version")]
    crosscheck.cross_check(drafter.take_fresh(), bank.file)
    from ..core.signing import SigningKey  # noqa: PLC0415

    trial = SigningKey(bytes(32), "check")      # notebooks are tried signed with a throwaway key: none is made
    for language in LANGUAGES:
        quizset = QuizSet(bank, seed, language, render_versions(drafted, renderer, language), signing=trial)
        write_formats(quizset, renderer, [name for name in FORMATS if not FORMATS[name].check_versions])
        for name in (name for name in FORMATS if FORMATS[name].check_versions):   # costly: a few versions
            few = QuizSet(bank, seed, language, quizset.versions[:FORMATS[name].check_versions], signing=trial)
            write_formats(few, renderer, [name])
    return bank, sum(len(draft.checks) for _, drafts in drafted for draft in drafts)
