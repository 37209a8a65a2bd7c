"""Worked solutions as mathematics: each step's TeX becomes an inline MathML <math> element (latex2mathml,
through the renderer's `mathml` filter) in the HTML key, the practice page, the grading feedback pages and
the QTI 2.1 items (in the MathML namespace, valid against the IMS XSD, which imports MathML 2); the TeX stays
as the element's alttext. The browser side (the math is laid out and drawn) is in test_practice_page.py."""
import json
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BANKS, PRACTICE_BANK, ROOT, run_cli
from lxml import etree

from quizgen.generate.bank import load_bank
from quizgen.generate.pipeline import Drafter
from quizgen.render import renderer

MATHML = "http://www.w3.org/1998/Math/MathML"
QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"


def shipped_tex() -> list[str]:
    """Every distinct step TeX of 12 versions of every shipped bank (drafted only: no torch needed)."""
    found = set()
    for path in sorted(BANKS.glob("*.yaml")):
        bank = load_bank(path)
        drafter = Drafter(bank, bank.seed)
        for n in range(1, 13):
            found.update(step.tex for draft in drafter.version(f"v{n}") for step in draft.steps)
    return sorted(found)


def test_every_shipped_step_converts_and_its_form_gives_what_the_whole_formula_gives():
    """The filter converts a formula's form once (its numbers written 0) and puts the numbers back (a run's
    formulas differ mostly in their numbers): for every step the shipped banks write, that is latex2mathml's
    MathML of the formula itself, well-formed, with the TeX as alttext."""
    texts = shipped_tex()
    assert len(texts) > 500
    for tex in texts:
        assert renderer._math_content(tex) == renderer._converted(tex), tex
        element = etree.fromstring(str(renderer.mathml(tex)).encode())
        assert element.tag == f"{{{MATHML}}}math" and element.get("alttext") == tex
        assert element.get("display") == "inline"
    forms = {renderer._NUMBER.sub("0", tex) for tex in texts}
    assert len(forms) < len(texts) / 5     # few forms, or the cache would not help
    assert renderer._form.cache_info().currsize > 0


def test_a_formula_latex2mathml_cannot_read_stays_tex_in_a_code_element():
    for tex in [r"Y = \begin{bmatrix} 1 & 2", "M = x^", r"M = \left( x + 1"]:
        assert str(renderer.mathml(tex)) == "<code>" + tex.replace("&", "&amp;") + "</code>"
    # latex2mathml copies \text{...} as it is: markup there is never passed on
    for tex in [r"\text{<b>x</b>} = 1", r"\text{<mtext/><script>alert(1)</script>}", "a & b", r"\text{&}"]:
        out = str(renderer.mathml(tex))
        assert out.startswith("<code>") and "<script" not in out and "<b>" not in out, out
    out = str(renderer.mathml('x < y = "z"'))
    assert 'alttext="x &lt; y = &#34;z&#34;"' in out
    etree.fromstring(out.encode())


def test_numbers_signs_and_decimals_are_put_back_in_place():
    out = str(renderer.mathml(r"y_{0,1} = 2 \cdot (-1) + 0.25 = -1.75"))
    assert out.count('<mo form="prefix">−</mo>') == 2      # signs, not binary minus signs
    assert [n.text for n in etree.fromstring(out.encode()).iter(f"{{{MATHML}}}mn")] == \
        ["0", "1", "2", "1", "0.25", "1.75"]
    # the same form again: the numbers are this formula's
    assert [n.text for n in etree.fromstring(str(renderer.mathml(r"y_{3,4} = 5 \cdot (-6) + 7.5 = -8.5")).encode())
            .iter(f"{{{MATHML}}}mn")] == ["3", "4", "5", "6", "7.5", "8.5"]


def test_the_filter_needs_no_torch():
    code = ("import sys; from quizgen.render.renderer import Renderer, mathml; Renderer(); "
            "print(mathml('M = 1')); print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.splitlines()[-1] == "False" and "<math" in result.stdout


class MathCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alttexts = []

    def handle_starttag(self, tag, attrs):
        if tag == "math":
            self.alttexts.append(dict(attrs)["alttext"])


def maths(html: str) -> list[str]:
    parser = MathCounter()
    parser.feed(html)
    return parser.alttexts


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mathml")
    out = folder / "quiz"
    result = run_cli("generate", PRACTICE_BANK, "--versions", "2", "--format", "json,html,qti21,moodle,gift,sheet",
                     "--out", out)
    assert result.returncode == 0, result.stderr
    result = run_cli("grade", "--key", out / "key.json", out / "responses-key.csv", "--out", folder / "grades")
    assert result.returncode == 0, result.stderr
    key = json.loads((out / "key.json").read_text())
    return out, folder / "grades", {v["version"]: v["questions"] for v in key["versions"]}


def test_the_html_key_the_practice_page_and_the_feedback_show_each_step_as_mathml(generated):
    out, grades, versions = generated
    for version, questions in versions.items():
        tex = [step["tex"] for q in questions for step in q["steps"]]
        assert maths((out / f"keys/{version}/key.html").read_text()) == tex
        assert maths((out / f"handout/{version}/problems.html").read_text()) == tex
        assert maths((grades / f"feedback/key-{version}.html").read_text()) == tex
        assert "<math" not in (grades / f"feedback/key-{version}.md").read_text()


def test_qti21_solutions_are_mathml_in_its_namespace_and_the_items_validate(generated):
    out, _, versions = generated
    records = {f"{q['number']:02d} {q['id']} {version}": q for version, questions in versions.items() for q in questions}
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "xsd/qti2/qtiv2p1/imsqti_v2p1.xsd")))
    ns = {"t": QTI, "m": MATHML}
    items = 0
    with zipfile.ZipFile(out / "qti21.zip") as package:
        for name in (n for n in package.namelist() if n.startswith("items/")):
            item = etree.fromstring(package.read(name))
            assert schema.validate(item), (name, schema.error_log.last_error)
            record = records[item.get("title")]
            solution = item.xpath("//t:modalFeedback[@identifier='SOLUTION']", namespaces=ns)[0]
            found = solution.xpath(".//m:math", namespaces=ns)
            assert [m.get("alttext") for m in found] == [step["tex"] for step in record["steps"]], name
            assert "\\(" not in etree.tostring(solution, encoding="unicode")
            items += 1
    assert items


def test_moodle_and_gift_keep_tex_for_their_filters(generated):
    out, _, _ = generated
    for name in ("moodle.xml", "quiz.gift"):
        text = (out / name).read_text()
        assert "\\(" in text and "<math" not in text and "&lt;math" not in text
