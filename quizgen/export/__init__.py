"""Output formats are plug-ins (export): each module registers one; a format turns a QuizSet into files."""
from __future__ import annotations

import importlib
import pkgutil

FORMATS: dict[str, "Format"] = {}


def register(cls):
    FORMATS[cls.name] = cls()
    return cls


VERSIONS_PER_PART = 200   # versions written together, by formats that write versions apart


class Format:
    """A format declares itself: ``name`` (what --format takes), ``help`` (one line for --help and the README),
    ``writes`` (the files it writes), ``per_version`` (a file per version, or one for the whole set),
    ``needs`` (what it needs that the others do not, "" if nothing), ``signed`` and ``with_formats`` (below).
    `generate --help` is written from these."""

    name = ""
    help = ""
    writes = ""
    per_version = False
    needs = ""
    check_versions: int | None = None   # `check` writes this many versions only (a costly format), else all
    signed = False              # its files are signed with the quiz's signing key (quizset.signing)
    with_formats: tuple = ()    # the formats always written with it

    def files(self, quizset, renderer) -> dict[str, bytes]:
        """{relative path: content} for the whole set."""
        raise NotImplementedError

    # --jobs: a format whose versions are written apart splits the set into parts (batches of versions) that
    # processes write side by side; the others are one part, the whole set.
    def parts(self, quizset) -> list:
        return [None]

    def write(self, quizset, renderer, part) -> dict[str, bytes]:
        return self.files(quizset, renderer)

    def join(self, quizset, written: list[dict[str, bytes]]) -> dict[str, bytes]:
        """The files of the whole set from those of its parts, in order."""
        return {path: content for files in written for path, content in files.items()}

    def warnings(self, quizset) -> list[str]:
        """What this format cannot carry faithfully, one line each, naming the questions."""
        return []


HANDOUT, KEYS = "handout", "keys"     # students' folders apart from the instructor's: handed out as they are


def version_path(version, kind: str, name: str) -> str:
    """Where a version's file goes: the problem set (and its pictures) under handout/<folder>/, the key (and
    its pictures) under keys/<folder>/."""
    return f"{KEYS if kind == 'key' else HANDOUT}/{version.folder or version.id}/{name}"


class PerVersion(Format):
    """A format that writes each version's files apart: ``write`` a part (a range of versions)."""

    per_version = True

    def files(self, quizset, renderer):
        return self.write(quizset, renderer, range(len(quizset.versions)))

    def parts(self, quizset) -> list:
        return version_batches(quizset)


class PerVersionTemplates(PerVersion):
    """A format that renders two templates per version: the problem set (handout/<version>/) and its key
    (keys/<version>/)."""

    extension = ""

    def write(self, quizset, renderer, part):
        words = renderer.words(quizset.language)
        out = {}
        for version in (quizset.versions[i] for i in part):
            pictures = self.pictures(quizset, version, renderer)
            out.update({version_path(version, "key" if name.startswith("key-") else "problems", name):
                        svg.encode("utf-8") for name, svg in pictures.items()})
            extra = self.context(quizset, version, renderer)
            for kind in ("problems", "key"):
                text = renderer.render(f"{self.name}/{kind}.{self.extension}.j2", set=quizset, version=version,
                                       w=words, lang=quizset.language, pictures=pictures, **extra)
                out[version_path(version, kind, f"{kind}.{self.extension}")] = text.encode("utf-8")
        return out

    def context(self, quizset, version, renderer) -> dict:
        """What else this format's templates need for a version."""
        return {}

    def pictures(self, quizset, version, renderer) -> dict[str, str]:
        """Picture files beside the pages ({relative name: SVG}); none where pages carry them inline."""
        return {}


def version_batches(quizset) -> list[range]:
    count = len(quizset.versions)
    return [range(start, min(start + VERSIONS_PER_PART, count)) for start in range(0, count, VERSIONS_PER_PART)]


def picture_name(question, key: bool) -> str:
    """Problem pictures and key pictures in separate folders: copying out a problem set leaks no answer."""
    return f"{'key-pictures' if key else 'pictures'}/{question.number:02d}-{question.id}.svg"


def lms_context(quizset, renderer) -> dict:
    """What every LMS format's templates start from: the set, its slots, the words, the pictures."""
    from . import lms  # noqa: PLC0415

    slots = lms.slots(quizset)
    return {"set": quizset, "slots": slots, "w": renderer.words(quizset.language),
            "pictures": lms_pictures(slots, renderer, quizset.language)}


def lms_pictures(slots, renderer, language) -> dict:
    """{(slot number, variant number, key?): (file name, SVG)} for every variant that has a picture: in the
    general feedback (key) always, in the question text where the bank asks (picture: true)."""
    found = {}
    for slot in slots:
        for n, (_, item) in enumerate(slot.variants, 1):
            for key in (False, True):
                svg = renderer.svg(item.question, language, key)
                if svg:
                    name = f"{slot.number:02d}-{slot.id}-{n}{'' if key else '-problem'}.svg"
                    found[(slot.number, n, key)] = (name, str(svg))
    return found


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def describe() -> str:
    """The formats, for `quizgen generate --help` (written from their declarations)."""
    lines = ["formats (--format, comma-separated):"]
    for name, fmt in FORMATS.items():
        needs = f"; needs {fmt.needs}" if fmt.needs else ""
        lines.append(f"  {name:<9} {fmt.help}: {fmt.writes}{needs}")
    return "\n".join(lines)
