"""The HTML practice page: its answer parser is the grader's (the same strings give the same readings in
node and in Python), and in a real browser (Debian's Chromium, driven by Playwright) a right, a wrong and a
malformed answer get their verdicts, the diagnosis and the worked solution with its animation; the solution
shows only after an answer that was read or on the show-solution button; its formulas are MathML laid out
and drawn, in the key too; a wide input scrolls inside the page's column."""
import io
import json
import random
import subprocess
from pathlib import Path

import pytest
from answer_corpus import EXPECTED, SYNTAX
from conftest import PRACTICE_BANK, ROOT, SEED_BANK, run_cli

from quizgen.answers.credit import mark, plain
from quizgen.answers.parse import Blank, Malformed, parse

CHROMIUM = Path("/usr/bin/chromium")
ALPHABET = "0123456789-+.,;:xX×*/eE[](){} \n\t−abtensorzi_"
# Where Python and JavaScript disagree unless the port takes care: whitespace Python's \s and strip() know and
# JavaScript's do not (\x1c-\x1f, \x85) and the other way round (\ufeff), a line separator JavaScript's . stops
# at, ı and İ that Python's IGNORECASE takes for i, compatibility forms NFKC folds (‥ is .., … is ...).
UNICODE = ["3\x1cx\x1c4", "\x853x4\x85", "\ufeff3x4", "3x4\ufeff", "3\u20284", "3\x1f4", "[[1\x1c2],[3\x854]]",
           "1\x1c2\n3\x1d4", "1 2\u20283 4", "sıze([3, 4])", "SİZE([3, 4])", "tensor([[1., 2.]], dEvıce='cpu')",
           "a)\u2028Valid: torch accepts it", "f) Invalid: kernel larger than the padded input\u2028", "f)\x1cvalid",
           "\x1cf\x1c", "\ufefff", "٣x٤", "½", "３×４", "3\u20094", "1\u202f000", "5‥7", "5…7", "∅", "{ }", "ı", "İ"]
# Kinds with several keys each (a key says how many sizes or values to read; conv1d's have one dimension).
NEW_EXPECTED = {"tensor_shape": [[2, 8, 5, 5], [16, 3, 3, 3], [2, 8, 5]], "number": [12, 2.5], "set": [[5, 6, 7], [3], []],
                "sequence": [[1, 2, 3], [2.5], [5, 6, 7, 8, 9]], "padding": [[[0, 1]], [[1, 1]]]}   # conv1d keys too
NEW_TEXTS = [
    # number
    "12", "+12", "-12", "−12", "12.", "12.0", "2,5", "2.5", "-2,5", ",5", ".5", "-.5", "1e1", "1E+1", "2.5e0",
    "25e-1", "5/2", "-5/2", "5/0", "(12)", "[12]", "{12}", "((12))", "[12", "12]", "( 2,5 )", "tensor(12.)",
    "tensor(2.5000)", "np.array(12)", "array([2.5], dtype=float32)", "12 13", "12, 13", "12,13", "12;13", "12 ;13",
    "1,5 2,5", "2, 5", "2 ,5", "2,,5", "12,", ",12", "12 ,", "1 2 3", "1,2,3", "1;2,5", "12 x", "twelve", "doce",
    "12cm", "1 000", "1e100", "-1e100", "1e99", "9" * 100, "9" * 101, "1e-400", "1e999", "0", "-0", "+0", "00012",
    "0x10", "1_000", "１２", "２，５", "12\u2028", "\u2028 12", "\x1c12\x1c", "12\x8513", "12\x1c13", "\ufeff12",
    "12\ufeff", "1/3", "8/3", "2.6666666666666665", "1.0000000000000001", "9007199254740993", "2.49", "2.51",
    "2.5000001", "11", "14", "2.25", "-2.5", "12.000", "1.2e1", "120e-1", "24/2", "12/1", "12/0",
    # set
    "5, 6, 7", "5,6,7", "5 6 7", "5;6;7", "5; 6; 7", "7, 6, 5", "5, 5, 6, 7, 7", "{5, 6, 7}", "{5 6 7}", "[5, 6, 7]",
    "(5, 6, 7)", "{5,6,7", "5,6,7}", "[5,6,7}", "{5,6,7]", "{{5}}", "{[5]}", "[{5}]", "(5", "5)", "5..7", "{5..7}",
    "[5..7]", "5 .. 7", "5..7, 9", "7..5", "-2..2", "−2..−1", "+1..+3", "5...7", "5..", "..7", "5..7..9", "5..6.5",
    "5.0..7", "1..10001", "1..10002", "0..10000", "-5000..5001", "-5000..5000", "3", "3, 3, 3", "3.0", "3,0", "3,5",
    "3.5", "6/2", "7/2", "1e1", "1e-1", "1e-400", "1e100", "1e99", "none", "None", "NONE", "ninguno", "Ninguna",
    "NINGUNO", "nada", "{}", "[]", "()", "[ ]", "( )", "{{}}", "{∅}", "∅, 5", "empty", "5, none", "5,,6", ",5", "5,",
    ";", ",", ", ;", "5\x1c6", "5\x856", "5\ufeff6", "5\u20286", "５，６，７", "５..７", "5 to 7", "5-7", "5 - 7",
    "x = 5, 6, 7", "{x | 5 <= x <= 7}", "tensor([5, 6, 7])", "99999999999999999999..99999999999999999999",
    "9007199254740993, 9007199254740992", "1" * 30 + ".." + "1" * 30, "-0, 0, +0", "4, 5, 6", "4", "5, 6, 7, 8",
    "٣", "a", "5 6 7" * 50,
    # tensor_shape
    "2x8x5x5", "2×8×5×5", "(2, 8, 5, 5)", "[2,8,5,5]", "2 8 5 5", "2,8,5,5", "2;8;5;5", "torch.Size([2, 8, 5, 5])",
    "sıze([2, 8, 5, 5])", "SİZE([2, 8, 5, 5])", "2x8x5", "2x8x5x5x1", "2x8x5x", "2xx8x5x5", "2x8x5,5x5", "2,5x8x5x5",
    "2 x 8 x 5 x 5", "2\x1cx\x1c8x5x5", "2\x858\x855\x855", "2\ufeff8 5 5", "16x3x3x3", "1x3x32x32", "2x8x4x4",
    "2x5x8x5", "2, 8, 5", "2,8,5,5,5", "N=2, C=8, H=5, W=5",
    # a sequence's padding: one number or before,after, never a second dimension
    "0,1", "0 1", "0;1", "(0; 1)", "(0, 1)", "[0, 1]", "[[0, 1]]", "[[0], [1]]", "0x1", "0 × 1", "0,1x1,1", "1",
    "0,1,2", "(0, 1), (1, 1)", "0,1;", "[0, 1", "a,b", "0.5,1", "-1,0",
]
SET_TOKENS = ["5", "6", "7", "-3", "+2", "0", "12", "2,5", "2.5", ".5", "4.", "1e2", "8/4", "7/2", "1/0", "5..7", "7..5",
              "-2..2", "1..10001", "3,0", "x", "none", "∅", "", "−1", "１"]
SEPARATORS = [", ", ",", ";", " ", "; ", "\t", "\n", " , ", "\u00a0", "\x1c", "\ufeff", "..", " x ", "x"]
WRAPS = [("", ""), ("", ""), ("{", "}"), ("[", "]"), ("(", ")"), ("{", ""), ("", "]"), ("tensor(", ")"), ("{[", "]}")]


def python_reading(kind, text, expected):
    result = parse(kind, text, expected)
    if isinstance(result, Blank):
        return {"blank": True}
    if isinstance(result, Malformed):
        return {"problem": result.problem, "token": result.token}
    return {"value": plain(result.value)}


def cases():
    """Every syntax the README documents, the grader tests' strings, and random strings of the characters
    answers are made of."""
    texts = ["3x4", "3×4", "(3, 4)", "[3,4]", "3 4", "3,4", "torch.Size([3, 4])", "３ｘ４", "3x4x", "2,5x3", "tres",
             "[[1,2],[3,4]]", "1 2; 3 4", "1 2\n3 4", "1,5 2,5; 3 4", "[[1,5]]", "tensor([[1., 2.], [3., 4.]])",
             "[1 2; 3 4]", "1 2; 3", "[[1,2],[3,4]", "1", "1x2", "0,1x1,1", "0 1 0 1", "f", "(f)", "F)", "z",
             "kernel too large", "f) Invalid: kernel larger than the padded input", "", "   ", "4.", ".5", "8/3",
             "1/0", "1e5", "−4", "<b>", "1" * 300]
    rng = random.Random(20261125)
    texts += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(1500)]
    texts += UNICODE
    return [{"kind": kind, "text": text, "expected": EXPECTED[kind]} for text in texts for kind in sorted(EXPECTED)]


def new_texts(seed: int, n: int) -> list[str]:
    """Hand-picked strings for the new kinds, then random ones: of answer characters (with braces, ∅ and the
    whitespace JavaScript and Python disagree on) and of number-like tokens joined by separators."""
    rng = random.Random(seed)
    alphabet = "0123456789-+..,,;{}[]() \n\t−∅eE/x\x1c\x85\ufeff\u2028\u00a0"
    texts = [*NEW_TEXTS, *UNICODE]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(n)]
    for _ in range(n):
        before, after = rng.choice(WRAPS)
        tokens = [rng.choice(SET_TOKENS) for _ in range(rng.randint(1, 5))]
        texts.append(before + "".join(t + rng.choice(SEPARATORS) for t in tokens[:-1]) + tokens[-1] + after)
    return texts


def new_cases():
    texts = new_texts(20260801, 1500)
    return [{"kind": kind, "text": text, "expected": expected}
            for kind, keys in sorted(NEW_EXPECTED.items()) for expected in keys for text in texts]


def run_node(batch):
    result = subprocess.run(["node", str(ROOT / "tests/export/practice_parse.js")], input=json.dumps(batch),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def syntax_cases():
    """Every kind's documented syntax (answers.kinds), each read against the kind's key."""
    return [{"kind": kind, "text": text, "expected": EXPECTED[kind]} for kind, text in SYNTAX]


@pytest.mark.parametrize("batch", [syntax_cases, cases, new_cases], ids=["documented", "every-kind", "several-keys"])
def test_the_page_reads_answers_exactly_as_the_grader_does(batch):
    batch = batch()
    for case, js in zip(batch, run_node(batch), strict=True):
        py = python_reading(case["kind"], case["text"], case["expected"])
        if "value" in py and "value" in js:
            assert _same_value(js["value"], py["value"]), case
        else:
            assert js == py, case


def _same_value(js, py) -> bool:
    """The same structure, and numbers equal to float precision (JavaScript's numbers are doubles)."""
    if isinstance(py, list):
        return isinstance(js, list) and len(js) == len(py) and all(_same_value(j, p) for j, p in zip(js, py))
    if isinstance(py, (int, float)) and not isinstance(py, bool):
        return isinstance(js, (int, float)) and js == pytest.approx(py, rel=1e-12)
    return js == py


def test_the_page_reads_every_documented_syntax():
    batch = syntax_cases()
    assert sorted({case["kind"] for case in batch}) == sorted(EXPECTED)
    readings = run_node(batch)
    assert [case for case, js in zip(batch, readings) if "value" not in js] == []


def test_the_new_kinds_read_what_the_readme_promises():
    """The parity test would pass on two equally wrong ports: pin a few readings down."""
    readings = {("number", "2,5"): 2.5, ("number", "(12)"): 12, ("number", "-12"): -12,
                ("set", "{7, 5..6, 5}"): [5, 6, 7], ("set", "ninguno"): [], ("set", "∅"): [], ("set", "[3]"): [3],
                ("tensor_shape", "torch.Size([2, 8, 5, 5])"): [2, 8, 5, 5]}
    batch = [{"kind": kind, "text": text, "expected": NEW_EXPECTED[kind][0]} for kind, text in readings]
    assert [r.get("value") for r in run_node(batch)] == list(readings.values())
    problems = {("number", "2, 5"): "several_numbers", ("number", "doce"): "not_a_number",
                ("set", "5.5"): "not_an_integer", ("set", "{5, 6"): "unbalanced", ("set", "1..10002"): "too_long",
                ("set", "cinco"): "not_a_number", ("tensor_shape", "2x8x5"): "sizes"}
    batch = [{"kind": kind, "text": text, "expected": NEW_EXPECTED[kind][0]} for kind, text in problems]
    assert [r.get("problem") for r in run_node(batch)] == list(problems.values())


QUESTIONS = [
    {"answer": {"kind": "number", "value": 12},
     "mistakes": [{"code": "forgot_plus_one", "value": 11}, {"code": "padded_size", "value": 14}]},
    {"answer": {"kind": "number", "value": 2.5}, "grading": {"exact": False, "tolerance": {"absolute": 0.01}},
     "mistakes": [{"code": "no_floor", "value": 2.25}, {"code": "rounded_up", "value": 3}]},
    {"answer": {"kind": "number", "value": 2.5}, "grading": {"exact": False, "tolerance": {"absolute": 0, "relative": 0.05}}},
    {"answer": {"kind": "set", "value": [5, 6, 7]},
     "mistakes": [{"code": "forgot_plus_one", "value": [4, 5, 6]}, {"code": "off_by_one", "value": [4, 6, 7], "per_dimension": True},
                  {"code": "padding_once", "value": [5, 6, 7, 8]}]},
    {"answer": {"kind": "set", "value": [5, 6, 7]}, "grading": {"partial_credit": "all_or_nothing"}},
    {"answer": {"kind": "set", "value": [3]}, "mistakes": [{"code": "rounded_up", "value": [4]}]},
    {"answer": {"kind": "set", "value": []}, "mistakes": [{"code": "no_floor", "value": [5]}]},
    {"answer": {"kind": "tensor_shape", "value": [2, 8, 5, 5]},
     "mistakes": [{"code": "forgot_plus_one", "value": [2, 8, 4, 4], "per_dimension": True},
                  {"code": "padded_size", "value": [2, 8, 7, 7], "per_dimension": True},
                  {"code": "swapped_dimensions", "value": [2, 5, 8, 5], "per_dimension": False}]},
    {"answer": {"kind": "shape", "value": [3, 4]},
     "mistakes": [{"code": "forgot_plus_one", "value": [2, 3], "per_dimension": True}]},
    {"answer": {"kind": "matrix", "value": [[1, 2, 3], [4, 5, 6]]}, "mistakes": [{"code": "swapped", "value": [[4, 5, 6], [1, 2, 3]]}]},
    {"answer": {"kind": "padding", "value": [[0, 1], [1, 1]]}},
    {"answer": {**EXPECTED["choice"], "kind": "choice"}},
]


def test_the_page_grades_answers_exactly_as_the_grader_does():
    """mark() in node and in Python: verdict, credit, parts right and the diagnosed mistakes."""
    texts = new_texts(20260802, 300) + ["3x4", "2x3", "2x4", "[[1,2,3],[4,5,6]]", "[[4,5,6],[1,2,3]]", "[[1,2],[3,4]]",
                                        "0,1x1,1", "1", "f", "a", "2.26", "2.24", "2.63", "2.37", "3.0"]
    batch = [{"text": text, "question": question} for question in QUESTIONS for text in texts]
    for case, js in zip(batch, run_node(batch), strict=True):
        py = mark(case["question"], case["text"])
        assert (js["status"], js["partsRight"], js["parts"], js["mistakes"]) == \
            (py.status, py.parts_right, py.parts, py.mistakes), case
        assert js["credit"] == pytest.approx(py.credit, rel=1e-12), case


# --- in a real browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("practice")
    bank = folder / "pictures.yaml"
    bank.write_text(PRACTICE_BANK.read_text().replace("defaults:\n", "defaults:\n  picture: true\n"))
    for name, source in (("es", SEED_BANK), ("en", bank)):
        result = run_cli("generate", source, "--format", "html,json", "--out", folder / name)
        assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == []
    page.close()


def check(page, number, text):
    page.fill(f"#answer-{number}", text)
    page.press(f"#answer-{number}", "Enter")           # the keyboard is enough
    return page.inner_text(f"#q{number} .result")


def test_right_wrong_and_malformed_answers_get_their_verdicts_in_spanish(page, pages):
    page.goto((pages / "es/handout/v1/problems.html").as_uri())
    assert not page.is_visible("#q2 .solution")
    assert check(page, 2, "3 x 3").startswith("Correcta")
    wrong = check(page, 2, "2x2")
    assert wrong.startswith("Incorrecta") and "olvidó el +1" in wrong
    garbled = check(page, 2, "tres por tres")
    assert garbled.startswith("Error de formato") and "alto × ancho" in garbled
    assert page.is_visible("#q2 .solution") and page.locator("#q2 .solution svg animateTransform").first.get_attribute("values").count(";") == 8


def test_a_matrix_a_choice_and_typed_markup_in_english(page, pages):
    key = {q["number"]: q for q in json.loads((pages / "en/key.json").read_text())["versions"][0]["questions"]}
    page.goto((pages / "en/handout/v1/problems.html").as_uri())
    rows = key[1]["answer"]["value"]
    page.fill("#answer-1", "\n".join(" ".join(str(v) for v in row) for row in rows))
    page.keyboard.press("Control+Enter")
    assert page.inner_text("#q1 .result") == "Correct"
    page.fill("#answer-1", "\n".join(" ".join(str(v) for v in row) for row in rows + [rows[0]]))
    page.keyboard.press("Control+Enter")
    assert f"your matrix is {len(rows) + 1}×{len(rows[0])}" in page.inner_text("#q1 .result")
    page.fill("#answer-3", "<img src=x onerror=alert(1)>")
    page.click("#q3 button")
    assert "is not a number" in page.inner_text("#q3 .result")
    assert page.locator("#q3 .result img").count() == 0
    letters = [o["letter"] for o in key[10]["answer"]["options"]]
    radios = page.locator("#q10 input[type=radio]")
    radios.first.focus()
    for _ in range(letters.index(key[10]["answer"]["letter"])):
        page.keyboard.press("ArrowDown")                # radios: the arrow keys move and select
    page.keyboard.press("Enter")
    assert page.inner_text("#q10 .result") == "Correct"


def test_the_page_fits_a_phone(browser, pages):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto((pages / "es/handout/v1/problems.html").as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def pixels(png: bytes):
    from PIL import Image
    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


def test_screenshots_of_a_picture_and_an_animation_frame_are_not_blank(page, pages):
    page.goto((pages / "en/handout/v1/problems.html").as_uri())
    picture = page.locator("#q3 > figure.picture svg")
    shot = pixels(picture.screenshot())
    assert len(set(shot)) > 3 and sum(1 for p in shot if max(p) < 120) > 50    # grid lines and labels drawn
    check(page, 3, "1x1")
    animation = page.locator("#q3 .solution svg")
    animation.evaluate("svg => { svg.pauseAnimations(); svg.setCurrentTime(2.5); }")
    frame = pixels(animation.screenshot())
    orange = sum(1 for r, g, b in frame if r > 200 and 90 < g < 200 and b < 120)
    assert orange > 100    # the window and the output cell of frame 3 are lit


def steps_tex(pages, version="v1"):
    key = json.loads((pages / "en/key.json").read_text())
    return {q["number"]: [step["tex"] for step in q["steps"]] for q in key["versions"][0]["questions"]}


def assert_math_drawn(locator):
    """Every <math> under ``locator`` has a box, subscripts sit lower than their base (laid out as MathML,
    not as unknown inline elements), and a screenshot of the first formula has ink."""
    boxes = locator.locator("math").evaluate_all("ms => ms.map(m => [m.getBoundingClientRect().width, "
                                                 "m.getBoundingClientRect().height])")
    assert boxes and all(width > 0 and height > 0 for width, height in boxes)
    lowered = locator.locator("msub").evaluate_all(
        "ss => ss.map(s => s.children[1].getBoundingClientRect().bottom - s.children[0].getBoundingClientRect().bottom)")
    assert lowered and all(drop > 0 for drop in lowered)
    shot = pixels(locator.locator(".formula").first.screenshot())
    assert sum(1 for p in shot if max(p) < 120) > 30     # the formula's glyphs are drawn


def test_the_key_shows_each_step_as_mathml_that_the_browser_lays_out(page, pages):
    page.goto((pages / "en/keys/v1/key.html").as_uri())
    tex = steps_tex(pages)
    assert page.locator("ol.steps math").evaluate_all("ms => ms.map(m => m.getAttribute('alttext'))") == \
        [t for n in sorted(tex) for t in tex[n]]
    assert page.locator("ol.steps math").first.evaluate("m => m.namespaceURI") == "http://www.w3.org/1998/Math/MathML"
    assert_math_drawn(page.locator("body"))


def test_a_format_error_does_not_reveal_the_solution_and_a_wrong_answer_does(page, pages):
    page.goto((pages / "en/handout/v1/problems.html").as_uri())
    assert check(page, 3, "sixteen by sixteen").startswith("Format error")
    assert not page.is_visible("#q3 .solution") and page.is_visible("#q3 button.show-solution")
    check(page, 3, "")                                  # a blank is no attempt either
    assert not page.is_visible("#q3 .solution")
    assert check(page, 3, "1x1").startswith("Wrong")   # read, and wrong: a real attempt
    assert page.is_visible("#q3 .solution") and not page.is_visible("#q3 button.show-solution")
    assert_math_drawn(page.locator("#q3 .solution"))
    assert not page.is_visible("#q4 .solution")


def test_the_show_solution_button_reveals_the_answer_and_the_worked_solution(page, pages):
    page.goto((pages / "es/handout/v1/problems.html").as_uri())
    button = page.locator("#q2 button.show-solution")
    assert button.inner_text() == "Ver la solución" and button.get_attribute("aria-expanded") == "false"
    assert not page.is_visible("#q2 .solution")
    button.focus()
    page.keyboard.press("Enter")                       # a button: the keyboard is enough
    assert page.is_visible("#q2 .solution") and page.is_visible("#q2 .solution .answer")
    assert button.get_attribute("aria-expanded") == "true" and not button.is_visible()
    assert page.evaluate("document.activeElement.id") == "solution-2"
    assert page.inner_text("#q2 .result") == ""        # no verdict: nothing was checked
    assert_math_drawn(page.locator("#q2 .solution"))
    assert not page.is_visible("#q1 .solution")


WIDE_BANK = """\
title: "Wide inputs"
language: en
seed: 3
defaults:
  picture: true
questions:
  - id: wide-size
    type: output_size
    image: {size: "3x60"}
    kernel: {size: 3}
    padding: 2
  - id: wide-values
    type: conv_values
    image: {size: "3x32", content: {random_int: {min: 0, max: 9}}}
    kernel: {size: 2, values: {random_int: {min: -1, max: 2}}}
"""


@pytest.mark.parametrize("width", [390, 800])
def test_a_wide_input_scrolls_inside_the_column_and_never_widens_the_page(browser, tmp_path, width):
    (tmp_path / "wide.yaml").write_text(WIDE_BANK)
    result = run_cli("generate", tmp_path / "wide.yaml", "--format", "html", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    page = browser.new_page(viewport={"width": width, "height": 900})
    for name in ("handout/v1/problems.html", "keys/v1/key.html"):
        page.goto((tmp_path / "out" / name).as_uri())
        for button in page.locator("button.show-solution").all():
            button.click()                             # the key's animation is wider still (its padding)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        # the inputs (their tables, their pictures) are wider than the column: they scroll inside their figures
        assert page.evaluate("[...document.querySelectorAll('figure')].some(f => f.scrollWidth > f.clientWidth)")
    page.close()
