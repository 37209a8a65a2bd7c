"""key.json: every version with every question record, the machine-readable contract
(schemas/quizset.schema.json) that grading and LMS export read. One question per line: readable, diffable,
and written by json's C encoder (an indented dump of 100,000 questions takes minutes)."""
import json

from . import Format, register


@register
class Json(Format):
    name = "json"

    def files(self, quizset, renderer):
        return {"key.json": key_json(quizset.to_dict()).encode("utf-8")}


def key_json(document: dict) -> str:
    def compact(value):
        return json.dumps(value, ensure_ascii=False)
    head = ",\n".join(f"  {compact(k)}: {compact(v)}" for k, v in document.items() if k != "versions")
    versions = ",\n".join(
        "    {" + ", ".join(f"{compact(k)}: {compact(v)}" for k, v in version.items() if k != "questions")
        + ', "questions": [\n' + ",\n".join(f"      {compact(q)}" for q in version["questions"]) + "\n    ]}"
        for version in document["versions"])
    return "{\n" + head + ',\n  "versions": [\n' + versions + "\n  ]\n}\n"
