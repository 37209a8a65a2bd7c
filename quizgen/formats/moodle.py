"""Moodle XML (moodle.xml): one question category per slot with one question per version, so a quiz draws
a "random question from category" per slot. Blanks become numerical (one) or cloze NUMERICAL fields
(several); choices become multichoice; mistakes get feedback of their own; the worked solution is the
general feedback, with TeX in \\( \\) for the MathJax filter. Only grade fractions Moodle accepts (100, 0)."""
from .. import lms
from . import Format, lms_pictures, register


@register
class Moodle(Format):
    name = "moodle"

    def files(self, quizset, renderer):
        words = renderer.words(quizset.language)
        slots = lms.slots(quizset)
        text = renderer.render("moodle/quiz.xml.j2", set=quizset, slots=slots, w=words,
                               pictures=lms_pictures(slots, renderer, quizset.language))
        return {"moodle.xml": text.encode("utf-8")}

    def warnings(self, quizset):
        # A cloze question earns credit per field: it cannot be all or nothing.
        names = sorted({q.id for v in quizset.versions for q in v.questions
                        if q.grading["partial_credit"] == "all_or_nothing" and lms.item_of(q).style == "blanks"})
        return lms.warnings(quizset) + ([f"{', '.join(names)}: all_or_nothing cannot be expressed in a cloze "
                                         "question; Moodle gives credit per blank"] if names else [])
