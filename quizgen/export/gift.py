"""GIFT (quiz.gift), Moodle's plain-text format: a $CATEGORY per slot, one question per version.
Numbers are numerical questions with their tolerance, choices multiple choice, shapes and paddings short
answers in the usual notations; every wrong answer a mistake gives has feedback naming it, and the worked
solution is the general feedback. GIFT has no question with several blanks: a matrix of more than one
cell is left out with a warning naming it (ask for `lms: {multiple_choice: true}` to export it)."""
from dataclasses import replace

from . import Format, lms, register


def expressible(item) -> bool:
    return item.style != "blanks" or item.layout in ("shape", "tensor_shape", "padding", "set")


@register
class Gift(Format):
    name = "gift"
    help = 'a GIFT question bank (Moodle and others; no pictures, no matrices)'
    writes = 'quiz.gift'

    def files(self, quizset, renderer):
        words = renderer.words(quizset.language)
        slots = [replace(slot, variants=[(v, item) for v, item in slot.variants if expressible(item)])
                 for slot in lms.slots(quizset)]
        text = renderer.render("gift/quiz.gift.j2", set=quizset, slots=[s for s in slots if s.variants], w=words)
        return {"quiz.gift": text.encode("utf-8")}

    def warnings(self, quizset):
        slots = [s for s in lms.slots(quizset) if not all(expressible(i) for _, i in s.variants)]
        asked = [s.id for s in slots if any(i.question.lms.get("multiple_choice") for _, i in s.variants)]
        others = [s.id for s in slots if s.id not in asked]
        why = "a matrix or sequence answer needs several blanks, which GIFT cannot express; left out"
        return lms.warnings(quizset) + (
            [f"{', '.join(others)}: {why} (use the moodle format, or lms: {{multiple_choice: true}})"] if others else []) + (
            [f"{', '.join(asked)}: {why} (multiple choice needs at least 2 known wrong answers; use the moodle "
             "format)"] if asked else [])
