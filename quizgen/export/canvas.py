"""Canvas (canvas.zip): a QTI 1.2 package as Canvas's "QTI .zip file" import expects it (classic quizzes,
and New Quizzes through the classic import): imsmanifest.xml, <id>/<id>.xml (the assessment) and
<id>/assessment_meta.xml. Each slot is a question group that picks 1 of its versions. One number is a
numerical_question (exact answer with margin), choices a multiple_choice_question with feedback per answer,
several numbers a fill_in_multiple_blanks_question. TeX becomes Canvas equation images."""
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..core.numbers import decimal_text
from ..core.output import zip_bytes
from . import Format, lms, lms_context, register


def four_decimals_reach(blank) -> bool:
    """Whether a number Canvas can receive lies in the accepted range: Canvas's quiz page rounds a typed
    numerical answer to 4 decimal places (toFixed(4)) before it is graded against value ± margin, inclusive.
    Worked on the exact decimal texts the package holds (no float rounding)."""
    low = Decimal(decimal_text(blank.value, -blank.tolerance)) * 10_000
    high = Decimal(decimal_text(blank.value, blank.tolerance)) * 10_000
    return low.to_integral_value(ROUND_CEILING) <= high.to_integral_value(ROUND_FLOOR)


def blanks_are_text(item) -> bool:
    """Canvas compares fill-in blanks as text: a tolerance cannot be expressed there."""
    return item.style == "blanks" and any(b.tolerance for b in item.blanks)


@register
class Canvas(Format):
    name = "canvas"
    help = 'a Canvas quiz (QTI 1.2 package for classic quizzes): a question group per question'
    writes = 'canvas.zip'

    def files(self, quizset, renderer):
        ident = lms.package_id(quizset)
        context = {**lms_context(quizset, renderer), "ident": ident, "points": quizset.versions[0].max_score}
        pictures = context["pictures"]
        texts = {"imsmanifest.xml": renderer.render("canvas/imsmanifest.xml.j2", **context),
                 f"{ident}/{ident}.xml": renderer.render("canvas/assessment.xml.j2", **context),
                 f"{ident}/assessment_meta.xml": renderer.render("canvas/assessment_meta.xml.j2", **context),
                 **{f"{ident}/pictures/{name}": svg for name, svg in pictures.values()}}
        return {"canvas.zip": zip_bytes({name: text.encode("utf-8") for name, text in texts.items()})}

    def warnings(self, quizset):
        warnings = lms.warnings(quizset)
        items = [(s.id, item) for s in lms.slots(quizset) for _, item in s.variants]
        unreachable = sorted({sid for sid, item in items if item.style == "numerical"
                              and not four_decimals_reach(item.blanks[0])})
        if unreachable:
            warnings.append(f"{', '.join(unreachable)}: no number of 4 decimal places lies within the accepted range; "
                            "Canvas rounds a typed number to 4 decimal places, so no answer can be right (widen the "
                            "tolerance to at least 0.00005)")
        warnings += lms.per_blank_credit(quizset, "a Canvas fill-in-blanks question")
        text = sorted({sid for sid, item in items if blanks_are_text(item)})
        if text:
            warnings.append(f"{', '.join(text)}: Canvas compares fill-in blanks as text, so the decimal answers "
                            "must be typed exactly as the key writes them (the tolerance is lost)")
        return warnings

