"""The HTML practice page: its answer parser is the grader's (the same strings give the same readings in
node and in Python), and in a real browser (Debian's Chromium, driven by Playwright) a right, a wrong and a
malformed answer get their verdicts, the diagnosis and the worked solution with its animation."""
import io
import json
import random
import subprocess
from pathlib import Path

import pytest

from conftest import PRACTICE_BANK, ROOT, SEED_BANK, run_cli

from quizgen.answers import Blank, Malformed, parse
from quizgen.grading import plain

from test_answers import EXPECTED

CHROMIUM = Path("/usr/bin/chromium")
ALPHABET = "0123456789-+.,;:xX×*/eE[](){} \n\t−abtensorzi_"


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
    return [{"kind": kind, "text": text, "expected": EXPECTED[kind]} for text in texts for kind in sorted(EXPECTED)]


def test_the_page_reads_answers_exactly_as_the_grader_does():
    batch = cases()
    result = subprocess.run(["node", str(ROOT / "tests/practice_parse.js")], input=json.dumps(batch),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for case, js in zip(batch, json.loads(result.stdout), strict=True):
        py = python_reading(case["kind"], case["text"], case["expected"])
        if "value" in py and "value" in js:
            assert json.dumps(js["value"]) == json.dumps(py["value"]) or \
                pytest.approx(py["value"], rel=1e-12) == js["value"], case
        else:
            assert js == py, case


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
    page.goto((pages / "es/v1/problems.html").as_uri())
    assert not page.is_visible("#q2 .solution")
    assert check(page, 2, "3 x 3").startswith("Correcta")
    wrong = check(page, 2, "2x2")
    assert wrong.startswith("Incorrecta") and "olvidó el +1" in wrong
    garbled = check(page, 2, "tres por tres")
    assert garbled.startswith("Error de formato") and "alto × ancho" in garbled
    assert page.is_visible("#q2 .solution") and page.locator("#q2 .solution svg animateTransform").first.get_attribute("values").count(";") == 8


def test_a_matrix_a_choice_and_typed_markup_in_english(page, pages):
    key = {q["number"]: q for q in json.loads((pages / "en/key.json").read_text())["versions"][0]["questions"]}
    page.goto((pages / "en/v1/problems.html").as_uri())
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
    phone.goto((pages / "es/v1/problems.html").as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def pixels(png: bytes):
    from PIL import Image
    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


def test_screenshots_of_a_picture_and_an_animation_frame_are_not_blank(page, pages):
    page.goto((pages / "en/v1/problems.html").as_uri())
    picture = page.locator("#q3 > figure.picture svg")
    shot = pixels(picture.screenshot())
    assert len(set(shot)) > 3 and sum(1 for p in shot if max(p) < 120) > 50    # grid lines and labels drawn
    check(page, 3, "1x1")
    animation = page.locator("#q3 .solution svg")
    animation.evaluate("svg => { svg.pauseAnimations(); svg.setCurrentTime(2.5); }")
    frame = pixels(animation.screenshot())
    orange = sum(1 for r, g, b in frame if r > 200 and 90 < g < 200 and b < 120)
    assert orange > 100    # the window and the output cell of frame 3 are lit
