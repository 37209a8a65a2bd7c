"""Response sheets for grading: responses.csv (student_id, version, one empty column per question id, ready
to fill in) and responses-key.csv (the same layout, each cell as a student with everything right would
write it; without a roster its rows are named key-v1, key-v2, ...). `quizgen grade` reads the first once
filled in; grading the second scores 100%."""
from ..output import csv_bytes
from . import Format, register


@register
class Sheet(Format):
    name = "sheet"

    def files(self, quizset, renderer):
        ids = [q.id for q in quizset.versions[0].questions]
        blank, key = [["student_id", "version", *ids]], [["student_id", "version", *ids]]
        for version in quizset.versions:
            student = version.id if quizset.roster else ""
            blank.append([student, version.id, *([""] * len(ids))])
            key.append([student or f"key-{version.id}", version.id, *(q.answer["text"] for q in version.questions)])
        return {"responses.csv": csv_bytes(blank), "responses-key.csv": csv_bytes(key)}
