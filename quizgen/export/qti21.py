"""IMS QTI 2.1 content package (qti21.zip): imsmanifest.xml, test.xml (an assessmentTest with one section per
slot that selects 1 of its versions) and items/<item>.xml (one assessmentItem per version), for TAO, ONYX,
Inspera and other QTI 2.1 players. Numbers are textEntryInteractions scored with `equal` (toleranceMode
absolute, or exact for integer data), per blank or all or nothing as the bank says; choices a
choiceInteraction; the worked solution and each diagnosed mistake are modalFeedback."""
import re

from ..core.output import zip_bytes
from . import Format, lms, lms_context, register


@register
class Qti21(Format):
    name = "qti21"
    help = 'an IMS QTI 2.1 package (TAO, ONYX, Inspera...): a section per question drawing one version'
    writes = 'qti21.zip'

    def files(self, quizset, renderer):
        test_id = lms.package_id(quizset)
        shared = lms_context(quizset, renderer)
        slots, pictures, words = shared["slots"], shared["pictures"], shared["w"]
        items = [(slot, f"q{slot.number:02d}_{_safe(slot.id)}_{n}", version, item,
                  {key: pictures.get((slot.number, n, key)) for key in (False, True)})
                 for slot in slots for n, (version, item) in enumerate(slot.variants, 1)]
        files = {f"items/{ident}.xml": renderer.render("qti21/item.xml.j2", item=item, ident=ident, w=words,
                                                       title=f"{slot.number:02d} {slot.id} {version}",
                                                       lang=quizset.language, pictures=own)
                 for slot, ident, version, item, own in items}
        files.update({f"pictures/{name}": svg for name, svg in pictures.values()})
        context = dict(set=quizset, slots=slots, items=items, test_id=test_id, lang=quizset.language)
        files["test.xml"] = renderer.render("qti21/test.xml.j2", **context)
        files["imsmanifest.xml"] = renderer.render("qti21/imsmanifest.xml.j2", **context)
        return {"qti21.zip": zip_bytes({name: text.encode("utf-8") for name, text in files.items()})}

    def warnings(self, quizset):
        return lms.warnings(quizset)


def _safe(text: str) -> str:
    """Part of an NCName identifier: letters, digits, '_' and '-'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(text))
