"""GIFT (quiz.gift), Moodle's plain-text format: a $CATEGORY per slot, one question per version.
Numbers are numerical questions with their tolerance, choices multiple choice, shapes and paddings short
answers in the usual notations; every wrong answer a mistake gives has feedback naming it, and the worked
solution is the general feedback. GIFT has no question with several blanks: a matrix of more than one
cell is left out with a warning naming it (ask for `lms: {multiple_choice: true}` to export it)."""
from dataclasses import replace

from . import Format, lms, register


def expressible(item) -> bool:
    return item.style != "blanks" or item.layout in ("shape", "tensor_shape", "padding", "set")


def whole_only(item) -> bool:
    """A typed short answer where quizgen gives credit for a partly right answer: GIFT cannot (it matches the
    whole text), beyond the catalogued mistakes written with their fractions."""
    return item.style == "blanks" and expressible(item) and item.question.grading["partial_credit"] == "proportional"


@register
class Gift(Format):
    name = "gift"
    help = 'a GIFT question bank (Moodle and others; no pictures, no matrices)'
    writes = 'quiz.gift'

    def files(self, quizset, renderer):
        words = renderer.words(quizset.language)
        slots = [replace(slot, variants=[(v, item) for v, item in slot.variants if expressible(item)])
                 for slot in lms.slots(quizset)]
        text = renderer.render("gift/quiz.gift.j2", set=quizset, slots=[s for s in slots if s.variants], w=words,
                               typed_answers=lms.typed_answers, whole_only=whole_only)
        return {"quiz.gift": text.encode("utf-8")}

    def warnings(self, quizset):
        slots = [s for s in lms.slots(quizset) if not all(expressible(i) for _, i in s.variants)]
        asked = [s.id for s in slots if any(i.question.lms.get("multiple_choice") for _, i in s.variants)]
        others = [s.id for s in slots if s.id not in asked]
        why = "a matrix or sequence answer needs several blanks, which GIFT cannot express; left out"
        kept = [s for s in lms.slots(quizset) if s not in slots]
        points = [f"{s.id} ({lms.exact_points(s.points)})" for s in kept if s.points != 1]
        partial = sorted({s.id for s in kept for _, i in s.variants if whole_only(i)})
        notes = ([f"{', '.join(points)}: GIFT has no points: these import worth 1 point each; set their marks in "
                  "Moodle (or use the moodle format)"] if points else []) + (
                 [f"{', '.join(partial)}: a GIFT short answer is matched whole: partial credit only for the catalogued "
                  "mistakes, other partly right answers score 0 (the question says so; the moodle format gives credit "
                  "per blank)"] if partial else [])
        return lms.warnings(quizset) + notes + (
            [f"{', '.join(others)}: {why} (use the moodle format, or lms: {{multiple_choice: true}})"] if others else []) + (
            [f"{', '.join(asked)}: {why} (multiple choice needs at least 2 known wrong answers; use the moodle "
             "format)"] if asked else [])
