"""Self-contained HTML: <version>/problems.html, a practice page where students check their answers (the
grader's rules, ported to html/practice.js), and <version>/key.html. Pictures and animations are inline SVG."""
from ..answers.parse import PROBLEMS
from . import PerVersionTemplates, register


@register
class Html(PerVersionTemplates):
    name = "html"
    help = 'practice pages that check answers (they hold the answers) and keys, pictures inline'
    writes = 'handout/<version>/problems.html, keys/<version>/key.html'
    extension = "html"

    def context(self, quizset, version, renderer):
        return {"practice": practice_data(version, renderer.words(quizset.language))}

    def warnings(self, quizset):
        return ["handout/*/problems.html is a practice page: it holds the answers, to check them; leave html out "
                "of an exam's hand-out"]


def practice_data(version, w) -> dict:
    """What the practice page's script needs: each question's answer record and grading policy, and the
    words of its verdicts with {placeholders} (all from the language's words.j2)."""
    questions = []
    for q in version.questions:
        letters = [o["letter"] for o in q.answer.get("options", [])]
        questions.append({"answer": {k: v for k, v in q.answer.items() if k in ("kind", "value", "options")},
                          "mistakes": [{k: m[k] for k in ("code", "value", "per_dimension", "of") if k in m}
                                       for m in q.mistakes],
                          "grading": q.grading,
                          "expected": str(w.expected(q.answer["kind"], letters, q.answer.get("value")))})
    words = {"verdicts": w.verdicts, "part_names": w.part_names, "mistakes": w.mistakes,
             "diagnosis": w.diagnosis, "expected_format": w.expected_format,
             "parts_right": str(w.parts_right("{right}", "{total}", "{parts}")),
             "wrong_shape": str(w.wrong_shape(["{got}"], ["{want}"])),
             "wrong_length": str(w.wrong_length("{got}", "{want}")),
             "problems": {code: str(w.problem(code, "{token}")) for code in PROBLEMS}}
    return {"questions": questions, "words": words}
