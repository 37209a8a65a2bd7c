"""Moodle XML (moodle.xml): one question category per slot with one question per version, so a quiz draws
a "random question from category" per slot. Blanks become numerical (one) or cloze NUMERICAL fields
(several); choices become multichoice; mistakes get feedback of their own; the worked solution is the
general feedback, with TeX in \\( \\) for the MathJax filter. Only grade fractions Moodle accepts (100, 0)."""
from . import Format, lms, lms_context, register


@register
class Moodle(Format):
    name = "moodle"
    help = 'a Moodle XML question bank: a category per question, a question per version'
    writes = 'moodle.xml'

    def files(self, quizset, renderer):
        text = renderer.render("moodle/quiz.xml.j2", **lms_context(quizset, renderer))
        return {"moodle.xml": text.encode("utf-8")}

    def warnings(self, quizset):
        # A cloze question earns credit per field: it cannot be all or nothing.
        return lms.warnings(quizset) + lms.per_blank_credit(quizset, "a Moodle cloze question") + \
            lms.moodle_marks(quizset)
