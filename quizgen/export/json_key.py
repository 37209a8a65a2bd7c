"""key.json: every version with every question record, the machine-readable contract
(schemas/quizset.schema.json) that grading and LMS export read. One question per line: readable, diffable,
and written by json's C encoder (an indented dump of 100,000 questions takes minutes)."""
import json

from . import Format, register, version_batches


@register
class Json(Format):
    name = "json"
    help = "every version's key, the machine-readable contract grading and exports read"
    writes = 'key.json'

    def files(self, quizset, renderer):
        return self.join(quizset, [self.write(quizset, renderer, range(len(quizset.versions)))])

    def parts(self, quizset):
        return version_batches(quizset)

    def write(self, quizset, renderer, part):
        """The records of some versions (a part of the "versions" list)."""
        return {"key.json": versions_json([quizset.versions[i] for i in part]).encode("utf-8")}

    def join(self, quizset, written):
        head = ",\n".join(f"  {compact(k)}: {compact(v)}" for k, v in quizset.header().items())
        versions = b",\n".join(files["key.json"] for files in written)
        return {"key.json": ("{\n" + head + ',\n  "versions": [\n').encode("utf-8") + versions + b"\n  ]\n}\n"}


def versions_json(versions) -> str:
    lines: dict[int, str] = {}      # a question record shared by versions is encoded once

    def line(question) -> str:
        if id(question) not in lines:
            lines[id(question)] = compact(question.to_dict())
        return lines[id(question)]
    return ",\n".join(
        "    {" + ", ".join(f"{compact(k)}: {compact(v)}" for k, v in version.header().items())
        + ', "questions": [\n' + ",\n".join(f"      {line(q)}" for q in version.questions) + "\n    ]}"
        for version in versions)


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False)
