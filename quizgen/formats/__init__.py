"""Output formats are plug-ins: each module registers one; a format turns a QuizSet into files."""
from __future__ import annotations

import importlib
import pkgutil

FORMATS: dict[str, "Format"] = {}


def register(cls):
    FORMATS[cls.name] = cls()
    return cls


class Format:
    name = ""

    def files(self, quizset, renderer) -> dict[str, bytes]:
        """{relative path: content} for the whole set."""
        raise NotImplementedError

    def warnings(self, quizset) -> list[str]:
        """What this format cannot carry faithfully, one line each, naming the questions."""
        return []


class PerVersionTemplates(Format):
    """A format that renders two templates per version: the problem set and its key."""

    extension = ""

    def files(self, quizset, renderer):
        words = renderer.words(quizset.language)
        out = {}
        for version in quizset.versions:
            pictures = self.pictures(quizset, version, renderer)
            out.update({f"{version.id}/{name}": svg.encode("utf-8") for name, svg in pictures.items()})
            extra = self.context(quizset, version, renderer)
            for kind in ("problems", "key"):
                text = renderer.render(f"{self.name}/{kind}.{self.extension}.j2", set=quizset, version=version,
                                       w=words, lang=quizset.language, pictures=pictures, **extra)
                out[f"{version.id}/{kind}.{self.extension}"] = text.encode("utf-8")
        return out

    def context(self, quizset, version, renderer) -> dict:
        """What else this format's templates need for a version."""
        return {}

    def pictures(self, quizset, version, renderer) -> dict[str, str]:
        """Picture files beside the pages ({relative name: SVG}); none where pages carry them inline."""
        return {}


def picture_name(question, key: bool) -> str:
    """Problem pictures and key pictures in separate folders: copying out a problem set leaks no answer."""
    return f"{'key-pictures' if key else 'pictures'}/{question.number:02d}-{question.id}.svg"


def lms_context(quizset, renderer) -> dict:
    """What every LMS format's templates start from: the set, its slots, the words, the pictures."""
    from .. import lms  # noqa: PLC0415

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
