"""key.json: every version with every question record, the machine-readable contract
(schemas/quizset.schema.json) that grading and LMS export read."""
import json

from . import Format, register


@register
class Json(Format):
    name = "json"

    def files(self, quizset, renderer):
        text = json.dumps(quizset.to_dict(), ensure_ascii=False, indent=2) + "\n"
        return {"key.json": text.encode("utf-8")}
