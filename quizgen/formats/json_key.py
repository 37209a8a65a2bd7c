"""key.json: every version with every question record, the machine-readable contract
(schemas/quizset.schema.json) that grading and LMS export read."""
from ..output import json_bytes
from . import Format, register


@register
class Json(Format):
    name = "json"

    def files(self, quizset, renderer):
        return {"key.json": json_bytes(quizset.to_dict())}
