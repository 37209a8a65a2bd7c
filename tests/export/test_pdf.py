"""Printed exams (--format pdf): read back with pypdf (text), rendered to PNG by Typst (pixels), the QR code
decoded with zxing-cpp; no answer in a problem set, every answer in its key, booklets for one duplex print
job, byte-identical runs, both languages, every shipped question type."""
import io
import json
import re

import pytest
from conftest import BANKS, SEED_BANK, run_cli

pypdf = pytest.importorskip("pypdf")
zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


def text_of(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def exams(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "roster.csv").write_text("student_id,name\nana,Ana\nbeto,Beto\ncarla,Carla\n")
    result = run_cli("generate", SEED_BANK, "--roster", folder / "roster.csv", "--format", "pdf,json",
                     "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    return folder / "out", json.loads((folder / "out/key.json").read_text())


def test_a_problem_set_per_student_holds_the_questions_and_no_answer(exams):
    out, key = exams
    for version in key["versions"]:
        pages = text_of(out / "handout" / version["version"] / "problems.pdf")
        text = " ".join(" ".join(p.split()) for p in pages)
        assert version["version"] in pages[0] and key["title"] in pages[0]
        assert "Nombre" in pages[0] and "Firma" in pages[0]
        assert all(re.search(rf"{version['version']} · página {n} de {len(pages)}", p) for n, p in enumerate(pages, 1))
        for q in version["questions"]:
            assert " ".join(q["prompt"].replace("`", "").split())[:60] in text
            shown = " ".join((q["prompt"] + " " + (q.get("instruction") or "")).split())
            answer = q["answer"]["text"]
            if answer not in shown and len(answer) > 3:
                assert answer not in text, (q["id"], answer)
        assert "Solución" not in text and "Errores frecuentes" not in text


def test_a_key_per_student_holds_every_answer_and_worked_solution(exams):
    out, key = exams
    for version in key["versions"]:
        text = " ".join(" ".join(p.split()) for p in text_of(out / "keys" / version["version"] / "key.pdf"))
        for q in version["questions"]:
            assert q["answer"]["text"].replace(" ", "") in text.replace(" ", ""), q["id"]
        assert "Solución paso a paso" in text


def test_the_booklets_start_every_version_on_an_odd_page_for_a_duplex_print_job(exams):
    out, key = exams
    for booklet, single in (("problems.pdf", "handout/{}/problems.pdf"), ("keys.pdf", "keys/{}/key.pdf")):
        pages = text_of(out / booklet)
        starts = [n for n, p in enumerate(pages) if re.search(r"Versión \S+ · Total", p)]
        assert [pages[n].split("Versión ")[1].split()[0] for n in starts] == [v["version"] for v in key["versions"]]
        assert all(n % 2 == 0 for n in starts)         # 0-based: page 1, 3, 5...
        lengths = [len(text_of(out / single.format(v["version"]))) for v in key["versions"]]
        assert len(pages) >= sum(lengths)


def test_the_qr_code_decodes_to_the_fingerprint_and_the_version(exams):
    from quizgen.export import FORMATS
    from quizgen.generate import pipeline
    from quizgen.generate.bank import load_bank
    from quizgen.render.renderer import Renderer

    out, key = exams
    bank = load_bank(str(SEED_BANK))
    renderer = Renderer()
    quizset = pipeline.build(bank, ["ana"], bank.seed, bank.language, renderer, roster=True)
    first = FORMATS["pdf"].compile(quizset, renderer, quizset.versions, "problems", fmt="png", ppi=150)[0]
    image = Image.open(io.BytesIO(first))
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [f"{quizset.fingerprint.text()} version=ana"]
    assert key["fingerprint"].startswith(f"quizgen:1 seed={bank.seed} bank=")
    dark = sum(1 for p in image.convert("L").tobytes() if p < 128)
    assert dark > 5000      # text, the QR code, the grids: not a blank page


def test_pictures_appear_in_print(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text("questions:\n  - id: size\n    type: output_size\n    picture: true\n    image: {size: 6}\n"
                    "    kernel: {size: 3}\n    padding: 1\n")
    from quizgen.export import FORMATS
    from quizgen.generate import pipeline
    from quizgen.generate.bank import load_bank
    from quizgen.render.renderer import Renderer

    loaded = load_bank(str(bank))
    renderer = Renderer()
    quizset = pipeline.build(loaded, ["v1"], 0, "en", renderer)
    with_picture = FORMATS["pdf"].compile(quizset, renderer, quizset.versions, "problems", fmt="png", ppi=60)[0]
    bank.write_text(bank.read_text().replace("    picture: true\n", ""))
    loaded = load_bank(str(bank))
    quizset = pipeline.build(loaded, ["v1"], 0, "en", renderer)
    without = FORMATS["pdf"].compile(quizset, renderer, quizset.versions, "problems", fmt="png", ppi=60)[0]

    def coloured(png):   # the picture's padding is grey and its cells are coloured: text is black on white
        data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
        return sum(1 for i in range(0, len(data), 3) if max(data[i:i + 3]) - min(data[i:i + 3]) > 30)
    assert coloured(with_picture) > coloured(without) + 500


def test_two_runs_write_identical_bytes_one_process_or_two(tmp_path):
    for run, jobs in (("a", "1"), ("b", "2")):
        assert run_cli("generate", BANKS / "primer-quiz.es.yaml", "--versions", "2", "--format", "pdf", "--out",
                       tmp_path / run, "--jobs", jobs).returncode == 0
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.pdf"))
    assert len(names) == 6
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


def test_english_and_letter_paper(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text((BANKS / "first-quiz.en.yaml").read_text().replace("language: en", "language: en\npaper: letter"))
    assert run_cli("generate", bank, "--versions", "1", "--format", "pdf", "--out", tmp_path / "o").returncode == 0
    reader = pypdf.PdfReader(str(tmp_path / "o/handout/v1/problems.pdf"))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    first = reader.pages[0].extract_text()
    assert "Name" in first and "Problem set" in first and "v1 · page 1 of" in first


def test_every_shipped_bank_prints_in_both_documents():
    """Every question type, every picture and every worked step of the shipped banks typesets."""
    from quizgen.export import FORMATS
    from quizgen.generate import pipeline
    from quizgen.generate.bank import load_bank
    from quizgen.render.renderer import Renderer

    renderer = Renderer()
    for path in sorted(BANKS.glob("*.yaml")):
        bank = load_bank(str(path))
        quizset = pipeline.build(bank, ["v1", "v2"], bank.seed, bank.language, renderer)
        for kind in ("problems", "key"):
            pdf = FORMATS["pdf"].compile(quizset, renderer, quizset.versions, kind)
            assert pdf.startswith(b"%PDF") and len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 2, path.name


def test_the_key_prints_a_strip_of_window_positions_in_place_of_the_animation():
    """Print has no animation: the key shows the first window positions, each a still picture."""
    from quizgen.generate import pipeline
    from quizgen.generate.bank import load_bank
    from quizgen.render.renderer import Renderer

    bank = load_bank(str(SEED_BANK))
    renderer = Renderer()
    quizset = pipeline.build(bank, ["v1"], bank.seed, bank.language, renderer)
    question = next(q for q in quizset.versions[0].questions if renderer.svg(q, "es", True))
    stills = [str(renderer.svg(question, "es", True, still)) for still in range(3)]
    assert all("animate" not in svg and 'transform="translate(' in svg for svg in stills)
    assert len(set(stills)) == 3 and all(f"Posición de la ventana {n + 1} /" in svg for n, svg in enumerate(stills))


def test_long_sequences_wrap_and_wide_matrices_shrink_so_print_stays_readable():
    """A 32-long sequence of 3-digit values printed in one row was unreadable: it wraps at 12 values a row; a
    matrix wider than 16 columns is set smaller; in a key a big output is one table, not a page-wide formula."""
    from quizgen.render.renderer import Renderer

    exam = Renderer().env.get_template("pdf/_exam.typ.j2").module
    sequence = str(exam.matrix(list(range(100, 132))))
    rows = re.findall(r"\(((?:\[[^\]]*\], )+)\)", sequence)
    assert [len(re.findall(r"\[", row)) for row in rows] == [12, 12, 12]
    assert "[131]" in sequence and "[]" in sequence           # the last row padded with empty cells
    matrix = str(exam.matrix([[1] * 20] * 2))
    assert len(re.findall(r"\(((?:\[[^\]]*\], )+)\)", matrix)) == 2
