"""Response sheets for grading: responses.csv (student_id, version, one empty column per question id, ready
to fill in, and the quiz's fingerprint; with a roster, its students' names beside their ids) and responses-key.csv (the same layout, each cell as a student with
everything right would write it; without a roster its rows are named key-v1, key-v2, ...). `quizgen grade`
reads the first once filled in; grading the second scores 100%.

Written in UTF-8 with a byte-order mark, as Excel's own "CSV UTF-8" is: Excel then reads accented ids and
answers as they are. The fingerprint column makes the sheet say which quiz it belongs to, whatever a
spreadsheet does to its other cells."""
from ..core.output import csv_bytes
from ..generate.fingerprint import FINGERPRINT_COLUMN
from . import Format, register

BOM = "\ufeff".encode("utf-8")


@register
class Sheet(Format):
    name = "sheet"
    help = 'the response sheet to fill in, and the same sheet filled with the right answers'
    writes = 'responses.csv, responses-key.csv'

    def files(self, quizset, renderer):
        ids = [q.id for q in quizset.versions[0].questions]
        fingerprint = quizset.fingerprint.text()
        people = quizset.people
        naming = people.name_columns if people else []
        header = ["student_id", *naming, "version", *ids, FINGERPRINT_COLUMN]
        blank, key = [header], [header]
        for version in quizset.versions:
            student = version.id if quizset.roster else ""
            names = people.names.get(version.id, [""] * len(naming)) if people else []
            blank.append([student, *names, version.id, *([""] * len(ids)), fingerprint])
            key.append([student or f"key-{version.id}", *names, version.id,
                        *(q.answer["text"] for q in version.questions), fingerprint])
        return {"responses.csv": BOM + csv_bytes(blank), "responses-key.csv": BOM + csv_bytes(key)}
