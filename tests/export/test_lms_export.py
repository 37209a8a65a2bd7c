"""LMS exports, read back with real parsers and validators: Moodle XML (every answer, tolerance and fraction
against the key), GIFT (parsed by gift-pegjs), Canvas QTI 1.2 (the IMS XSD and Canvas's layout) and QTI 2.1
(the IMS XSDs). The key is the JSON the same run wrote."""
import base64
import io
import json
import re
import subprocess
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from html import unescape

import pytest
from conftest import ROOT, run_cli
from lxml import etree

from quizgen.core.numbers import exact_text

XSD = ROOT / "tests" / "export" / "xsd"   # copies of ../shared/validators/xsd (see its README)
MOODLE_FRACTIONS = {100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
                    12.5, 11.11111, 10, 5, 0}
MOODLE_FRACTIONS |= {-f for f in MOODLE_FRACTIONS}

BANK = r"""
title: 'LMS / export: <test> & "q" \neq'
language: en
seed: 3
instructions: Sizes are <height>x<width> & every answer counts.
questions:
  - id: size
    type: output_size
    image: {size: {min: 8, max: 20}}
    kernel: {size: [2, 3]}
    stride: [1, 2]
  - id: values
    type: conv_values
    image: {size: 3, content: {random_int: {min: 0, max: 4}}}
    kernel: {size: 2, values: {random_int: {min: -1, max: 2}}}
  - id: decimals
    type: conv_values
    points: 2
    image: {size: 3, content: {random_decimal: {min: 0, max: 1, decimals: 2}}}
    kernel: {size: 2, values: ones}
    grading: {tolerance: {absolute: 0.05}, partial_credit: all_or_nothing}
  - id: precise
    type: conv_values
    image: {size: 2, content: {random_decimal: {min: 0, max: 1, decimals: 4}}}
    kernel: {values: [[0.1234]]}
    grading: {tolerance: {absolute: 0, relative: 0.001}}
  - id: same-flip
    type: conv_values
    image: {size: 3, content: {random_int: {min: 0, max: 2}}}
    kernel: {size: 2, values: ones}
    lms: {multiple_choice: true}
  - id: single
    type: conv_values
    image: {size: 2, content: {random_int: {min: 1, max: 3}}}
    kernel: {size: 2, values: {random_int: {min: 1, max: 2}}}
  - id: keep
    type: same_padding
    image: {size: 6}
    kernel: {size: [3, 4]}
  - id: rule
    type: validity
    image: {size: 5}
    kernel: {size: [3, 7]}
  - id: pick
    type: output_size
    image: {size: {min: 9, max: 15}}
    kernel: {size: 3}
    padding: 1
    stride: 2
    lms: {multiple_choice: true}
"""
FORMATS = "moodle,gift,canvas,qti21,json"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lms")
    (folder / "bank.yaml").write_text(textwrap.dedent(BANK))
    result = run_cli("generate", folder / "bank.yaml", "--versions", "3", "--format", FORMATS, "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((folder / "out/key.json").read_text())
    return folder / "out", key, result.stderr


def questions(key):
    """(name as exports write it, question record) for every version."""
    return {f"{q['number']:02d} {q['id']} {v['version']}": q for v in key["versions"] for q in v["questions"]}


def flat(question):
    """The key's numbers in blank order: height, width; cells row by row; before, after per dimension."""
    value = question["answer"]["value"]
    return [x for part in value for x in part] if isinstance(value[0], list) else list(value)


def tolerance(question, value):
    grading = question["grading"]
    if grading["exact"]:
        return 0.0
    return grading["tolerance"]["absolute"] + grading["tolerance"]["relative"] * abs(value)


def asked_as_choice(record):
    """Multiple choice: a choice question, or multiple_choice asked for and enough known wrong answers."""
    distinct = {m["text"] for m in record["mistakes"] if "of" not in m} - {record["answer"]["text"]}
    return record["answer"]["kind"] == "choice" or (record["lms"].get("multiple_choice") and len(distinct) >= 2)


def words(language):
    from quizgen.render.renderer import Renderer
    return Renderer().words(language)


# --- Moodle XML -------------------------------------------------------------------------------------

CLOZE_FIELD = re.compile(r"\{(\d*):NUMERICAL:((?:\\.|[^}])*)\}")


def cloze_fields(text):
    """Moodle's cloze grammar: per field, [(fraction, value, tolerance, feedback)]."""
    fields = []
    for _, body in CLOZE_FIELD.findall(text):
        alternatives = []
        for alt in re.split(r"(?<!\\)~", body):
            match = re.fullmatch(r"(=|%(-?[\d.]+)%)?([^:#]+):([^#]+)(?:#(.*))?", alt, re.S)
            fraction = 100.0 if match[1] == "=" else float(match[2] or 0)
            alternatives.append((fraction, float(match[3]), float(match[4]), match[5] or ""))
        fields.append(alternatives)
    return fields


def test_moodle_has_a_category_per_slot_and_every_answer_of_the_key(export):
    out, key, _ = export
    root = ET.parse(out / "moodle.xml").getroot()
    records, w = questions(key), words("en")
    categories = [q.find("category/text").text for q in root if q.get("type") == "category"]
    top = '$course$/top/LMS // export: ‹test› & "q" \\neq'
    assert categories == [top] + [f"{top}/{q['number']:02d} {q['id']}" for q in key["versions"][0]["questions"]]
    instructions = next(q for q in root if q.get("type") == "description")
    assert instructions.findtext("questiontext/text") == \
        "<p>Sizes are &lt;height&gt;x&lt;width&gt; &amp; every answer counts.</p>"
    seen = set()
    for element in (q for q in root if q.get("type") not in ("category", "description")):
        record = records[element.find("name/text").text]
        seen.add(element.find("name/text").text)
        kind = element.get("type")
        text = element.find("questiontext/text").text
        for step in record["steps"]:
            assert f"\\({step['tex']}\\)" in unescape(element.find("generalfeedback/text").text)
        fractions = {float(a.get("fraction")) for a in element.findall("answer")}
        assert fractions <= MOODLE_FRACTIONS
        if asked_as_choice(record):
            assert kind == "multichoice"
            right = [a.find("text").text for a in element.findall("answer") if a.get("fraction") == "100"]
            expected = (next(o["text"] for o in record["answer"]["options"] if o["code"] == record["answer"]["value"])
                        if record["answer"]["kind"] == "choice" else record["answer"]["text"])
            assert right == [expected]
            for answer in element.findall("answer"):
                mistake = next((m for m in record["mistakes"] if m["text"] == answer.find("text").text), None)
                if mistake and record["answer"]["kind"] != "choice":
                    assert w.mistakes[mistake["code"]] in unescape(answer.find("feedback/text").text)
        elif len(flat(record)) == 1:
            assert kind == "numerical"
            first = element.find("answer")
            assert (float(first.find("text").text), float(first.find("tolerance").text)) == \
                (flat(record)[0], tolerance(record, flat(record)[0]))
        else:
            assert kind == "cloze"
            fields = cloze_fields(text)
            assert [next(v for f, v, _, _ in field if f == 100) for field in fields] == pytest.approx(flat(record))
            assert [next(t for f, _, t, _ in field if f == 100) for field in fields] == \
                pytest.approx([tolerance(record, v) for v in flat(record)])
            for field in fields:
                for fraction, _, _, feedback in field[1:]:
                    assert fraction == 0 and (feedback.startswith(w.diagnosis) or feedback == w.misread_decimal)
    assert seen == set(records)


def moodle_number(typed: str, decsep: str, thousandssep: str) -> float:
    """What Moodle 4.2 grades for a typed number (qtype_numerical_answer_processor::apply_units): with a point,
    or more than one comma, every comma goes as a thousands separator; else the site's thousands separator
    goes, and its decimal separator (and a comma) become a point."""
    typed = typed.replace(" ", "")
    if "." in typed or typed.count(",") > 1:
        return float(typed.replace(",", ""))
    return float(typed.replace(thousandssep, "").replace(decsep, ".").replace(",", "."))


def first_match(field, number):
    """Moodle grades with the first answer whose range holds the number."""
    return next(((f, fb) for f, v, t, fb in field if abs(number - v) <= t + 1e-9), (0.0, ""))


def test_a_decimal_comma_in_a_moodle_that_writes_points_is_caught_with_feedback_never_silently_wrong(export):
    """4,75 typed in an English Moodle is 475 there: each decimal field catches it and says to type a point;
    the question says which mark to type; typed with a point it is right, in English and Spanish sites."""
    out, key, _ = export
    root = ET.parse(out / "moodle.xml").getroot()
    w = words("en")
    checked = 0
    for element in (q for q in root if q.get("type") == "cloze"):
        text = element.find("questiontext/text").text
        for field in cloze_fields(text):
            value, tol = next((v, t) for f, v, t, _ in field if f == 100)
            if value == int(value) and tol == 0:
                continue
            assert w.decimal_point in unescape(text)
            typed = exact_text(value)
            assert first_match(field, moodle_number(typed, ".", ","))[0] == 100
            assert first_match(field, moodle_number(typed, ",", "."))[0] == 100
            if "." in typed:
                comma = typed.replace(".", ",")
                assert first_match(field, moodle_number(comma, ",", "."))[0] == 100       # a Spanish site
                assert first_match(field, moodle_number(comma, ".", ",")) == (0.0, w.misread_decimal)
                checked += 1
    assert checked > 5


def test_moodle_cloze_gives_each_blank_feedback_for_the_mistake_made_there(export):
    out, key, _ = export
    root = ET.parse(out / "moodle.xml").getroot()
    record = key["versions"][0]["questions"][0]            # size: height and width
    element = next(q for q in root if q.findtext("name/text") == f"01 size {key['versions'][0]['version']}")
    forgot = next(m for m in record["mistakes"] if m["code"] == "forgot_plus_one")
    height = cloze_fields(element.find("questiontext/text").text)[0]
    assert (0.0, float(forgot["value"][0]), 0.0) in [(f, v, t) for f, v, t, _ in height]


# --- GIFT -------------------------------------------------------------------------------------------

def gift_questions(path):
    result = subprocess.run(["node", str(ROOT / "tests/export/gift_parse.js"), str(path)], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gift_parses_with_gift_pegjs_and_its_answers_equal_the_key(export):
    out, key, stderr = export
    records, w = questions(key), words("en")
    parsed = [q for q in gift_questions(out / "quiz.gift") if q["type"] not in ("Category", "Description")]
    left_out = ("values", "decimals", "precise", "same-flip")     # matrices: several blanks
    assert {q["title"] for q in parsed} == {n for n, r in records.items() if r["id"] not in left_out}
    assert "gift: values, decimals, precise: a matrix or sequence answer needs several blanks" in stderr
    # same-flip asks for multiple choice already: the warning says why that did not carry it, not to ask for it
    assert ("gift: same-flip: a matrix or sequence answer needs several blanks, which GIFT cannot express; left out "
            "(multiple choice needs at least 2 known wrong answers; use the moodle format)") in stderr
    for question in parsed:
        record = records[question["title"]]
        for step in record["steps"]:
            assert f"\\({step['tex']}\\)" in unescape(question["globalFeedback"]["text"])
        choices = question["choices"] if isinstance(question["choices"], list) else [
            {"isCorrect": True, "weight": None, "text": question["choices"], "feedback": None}]
        right = [c for c in choices if c["isCorrect"] and c["weight"] in (None, 100)]
        wrong = [c for c in choices if not (c["isCorrect"] and c["weight"] in (None, 100))]
        if question["type"] == "Numerical":
            assert [(c["text"]["number"], c["text"]["range"]) for c in right] == \
                [(flat(record)[0], tolerance(record, flat(record)[0]))]
        elif question["type"] == "MC":
            expected = (next(o["text"] for o in record["answer"]["options"] if o["code"] == record["answer"]["value"])
                        if record["answer"]["kind"] == "choice" else record["answer"]["text"])
            assert [c["text"]["text"] for c in right] == [expected]
        else:
            assert question["type"] == "Short"
            assert record["answer"]["text"] in [c["text"]["text"] for c in right]
        for choice in wrong:
            if choice["feedback"]:
                assert choice["feedback"]["text"].startswith(w.diagnosis)


# --- Canvas (QTI 1.2) -------------------------------------------------------------------------------

def unzip(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xsd(relative):
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD / relative), parser))


def assert_valid(schema, content, name):
    document = etree.parse(io.BytesIO(content))
    assert schema.validate(document), f"{name}: {schema.error_log}"
    return document


def test_canvas_package_has_canvas_layout_and_validates_against_qti_1_2(export):
    out, key, _ = export
    files = unzip(out / "canvas.zip")
    manifest = etree.fromstring(files["imsmanifest.xml"])
    ns = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    hrefs = manifest.xpath("//cp:file/@href", namespaces=ns)
    assert set(hrefs) == set(files) - {"imsmanifest.xml"}
    ident = manifest.xpath("//cp:resource[@type='imsqti_xmlv1p2']/@identifier", namespaces=ns)[0]
    assert f"{ident}/{ident}.xml" in files and f"{ident}/assessment_meta.xml" in files
    document = assert_valid(xsd("qti12/ims_qtiasiv1p2p1.xsd"), files[f"{ident}/{ident}.xml"], "canvas assessment")
    meta = etree.fromstring(files[f"{ident}/assessment_meta.xml"])
    total = sum(q["points"] for q in key["versions"][0]["questions"])
    assert float(meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}points_possible")) == total
    q = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    groups = document.xpath("//q:section[@ident='root_section']/q:section", namespaces=q)
    assert len(groups) == len(key["versions"][0]["questions"])
    for group in groups:
        assert group.xpath("string(q:selection_ordering/q:selection/q:selection_number)", namespaces=q) == "1"
        assert len(group.xpath("q:item", namespaces=q)) == len(key["versions"])


def test_canvas_answers_equal_the_key(export):
    out, key, _ = export
    files = unzip(out / "canvas.zip")
    name = next(n for n in files if n.count("/") == 1 and not n.endswith("assessment_meta.xml"))
    q = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    records = questions(key)
    for item in etree.fromstring(files[name]).xpath("//q:item", namespaces=q):
        record = records[item.get("title")]
        kind = item.xpath("string(.//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry)", namespaces=q)
        scored = item.xpath(".//q:respcondition[q:setvar]", namespaces=q)
        solution = item.xpath("string(q:itemfeedback[@ident='general_fb']//q:mattext)", namespaces=q)
        equations = etree.HTML(solution).xpath("//img[@class='equation_image']/@data-equation-content")
        assert equations == [step["tex"] for step in record["steps"]]
        if kind == "numerical_question":
            value, tol = flat(record)[0], tolerance(record, flat(record)[0])
            condition = scored[0]
            assert float(condition.xpath("string(.//q:varequal)", namespaces=q)) == value
            assert float(condition.xpath("string(.//q:vargte)", namespaces=q)) == pytest.approx(value - tol)
            assert float(condition.xpath("string(.//q:varlte)", namespaces=q)) == pytest.approx(value + tol)
        elif kind == "multiple_choice_question":
            right = scored[0].xpath("string(.//q:varequal)", namespaces=q)
            text = item.xpath(f"string(.//q:response_label[@ident='{right}']//q:mattext)", namespaces=q)
            expected = (next(o["text"] for o in record["answer"]["options"] if o["code"] == record["answer"]["value"])
                        if record["answer"]["kind"] == "choice" else record["answer"]["text"])
            assert text == expected
        else:
            assert kind == "fill_in_multiple_blanks_question"
            stem = item.xpath("string(q:presentation/q:material/q:mattext)", namespaces=q)
            lids = item.xpath(".//q:response_lid", namespaces=q)
            assert len(lids) == len(flat(record))
            for lid, value in zip(lids, flat(record)):
                assert f"[{lid.get('ident')[len('response_'):]}]" in stem
                accepted = lid.xpath(".//q:response_label//q:mattext/text()", namespaces=q)
                assert float(accepted[0].replace(",", ".")) == pytest.approx(value)


# --- IMS QTI 2.1 ------------------------------------------------------------------------------------

def test_qti21_package_validates_against_the_ims_schemas_and_draws_one_version_per_slot(export):
    out, key, _ = export
    files = unzip(out / "qti21.zip")
    qti, cp = xsd("qti2/qtiv2p1/imsqti_v2p1.xsd"), xsd("qti2/imscp_v1p1.xsd")
    manifest = assert_valid(cp, files["imsmanifest.xml"], "imsmanifest.xml")
    ns = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1", "t": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    resources = manifest.xpath("//cp:resource/@identifier", namespaces=ns)
    assert set(manifest.xpath("//cp:dependency/@identifierref", namespaces=ns)) <= set(resources)
    assert set(manifest.xpath("//cp:file/@href", namespaces=ns)) == set(files) - {"imsmanifest.xml"}
    test = assert_valid(qti, files["test.xml"], "test.xml")
    sections = test.xpath("//t:assessmentSection", namespaces=ns)
    assert len(sections) == len(key["versions"][0]["questions"])
    for section in sections:
        assert section.xpath("string(t:selection/@select)", namespaces=ns) == "1"
        for href in section.xpath("t:assessmentItemRef/@href", namespaces=ns):
            assert href in files
    for name in (n for n in files if n.startswith("items/")):
        assert_valid(qti, files[name], name)


def test_qti21_items_score_the_key_with_its_tolerance(export):
    out, key, _ = export
    files = unzip(out / "qti21.zip")
    ns = {"t": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    records = questions(key)
    for name in (n for n in files if n.startswith("items/")):
        item = etree.fromstring(files[name])
        record = records[item.get("title")]
        if asked_as_choice(record):
            right = item.xpath("string(//t:correctResponse/t:value)", namespaces=ns)
            text = item.xpath(f"string(//t:simpleChoice[@identifier='{right}'])", namespaces=ns)
            assert text.strip() in (record["answer"]["text"],
                                    *(o["text"] for o in record["answer"].get("options", [])
                                      if o["code"] == record["answer"]["value"]))
            continue
        maths = item.xpath("//t:modalFeedback[@identifier='SOLUTION']//m:math",
                           namespaces={**ns, "m": "http://www.w3.org/1998/Math/MathML"})
        assert [m.get("alttext") for m in maths] == [step["tex"] for step in record["steps"]]
        mistakes = set(item.xpath("//t:modalFeedback/@identifier", namespaces=ns)) - {"SOLUTION"}
        assert mistakes <= {f"MISTAKE_{m['code']}" for m in record["mistakes"]}
        declared = [float(v) for v in item.xpath("//t:responseDeclaration//t:value/text()", namespaces=ns)]
        assert declared == pytest.approx(flat(record))
        for value, condition in zip(flat(record), item.xpath("//t:responseCondition/t:responseIf/t:equal",
                                                             namespaces=ns)):
            expected = tolerance(record, value)
            mode = condition.get("toleranceMode")
            assert (mode, float(condition.get("tolerance", "0 0").split()[0])) == \
                ("exact" if expected == 0 else "absolute", pytest.approx(expected))


# --- the shipped banks, every format ------------------------------------------------------------------

@pytest.mark.parametrize("bank", sorted((ROOT / "banks").glob("*.yaml")), ids=lambda path: path.name)
def test_the_shipped_banks_export_to_every_lms_format_and_validate(bank, tmp_path):
    result = run_cli("generate", bank, "--versions", "2", "--format", "moodle,gift,canvas,qti21", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    ET.parse(tmp_path / "moodle.xml")
    gift_questions(tmp_path / "quiz.gift")
    files = unzip(tmp_path / "canvas.zip")
    qti12 = xsd("qti12/ims_qtiasiv1p2p1.xsd")
    for name in (n for n in files if n.count("/") == 1 and not n.endswith("assessment_meta.xml")):
        assert_valid(qti12, files[name], name)
    qti = xsd("qti2/qtiv2p1/imsqti_v2p1.xsd")
    for name, content in unzip(tmp_path / "qti21.zip").items():
        if name.endswith(".xml") and name != "imsmanifest.xml":
            assert_valid(qti, content, name)


def test_too_few_known_wrong_answers_for_multiple_choice_fall_back_to_blanks_with_a_warning(export):
    out, key, stderr = export
    versions = ", ".join(f"same-flip {v['version']}" for v in key["versions"])
    assert f"moodle: {versions}: multiple choice needs the answer and at least 2 known wrong answers" in stderr
    root = ET.parse(out / "moodle.xml").getroot()
    assert {q.get("type") for q in root if (q.findtext("name/text") or "").startswith("0")
            and " same-flip " in q.findtext("name/text")} == {"cloze"}


def test_what_an_lms_cannot_express_is_a_warning_naming_the_questions(export):
    _, _, stderr = export
    assert "moodle: decimals: all_or_nothing cannot be expressed in a Moodle cloze question" in stderr
    assert "canvas: decimals: all_or_nothing cannot be expressed in a Canvas fill-in-blanks question" in stderr
    assert "canvas: decimals, precise: Canvas compares fill-in blanks as text" in stderr


def test_decimal_answers_and_tolerances_are_exported_exactly(export):
    out, key, _ = export
    record = next(q for q in key["versions"][0]["questions"] if q["id"] == "precise")
    image = record["params"]["image"]
    exact = [round(v * 0.1234, 8) for row in image for v in row]     # 4 + 4 decimals: nothing to round
    assert flat(record) == pytest.approx(exact, abs=1e-12)
    root = ET.parse(out / "moodle.xml").getroot()
    element = next(q for q in root if q.findtext("name/text") == f"{record['number']:02d} precise "
                   f"{key['versions'][0]['version']}")
    fields = cloze_fields(element.find("questiontext/text").text)
    assert [f[0][1] for f in fields] == pytest.approx(exact, abs=1e-12)
    assert [f[0][2] for f in fields] == pytest.approx([0.001 * v for v in exact], abs=1e-12)


def test_instructions_travel_with_every_export(export):
    out, _, _ = export
    gift = [q for q in gift_questions(out / "quiz.gift") if q["type"] == "Description"]
    assert unescape(gift[0]["stem"]["text"]) == "<p>Sizes are <height>x<width> & every answer counts.</p>"
    files = unzip(out / "canvas.zip")
    meta = next(etree.fromstring(c) for n, c in files.items() if n.endswith("assessment_meta.xml"))
    assert meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}description") == \
        "Sizes are &lt;height&gt;x&lt;width&gt; &amp; every answer counts."
    test = etree.fromstring(unzip(out / "qti21.zip")["test.xml"])
    ns = {"t": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    assert test.xpath("string(//t:rubricBlock)", namespaces=ns) == "Sizes are <height>x<width> & every answer counts."


def test_the_animation_travels_with_the_solution_in_moodle_canvas_and_qti(export):
    out, key, _ = export
    root = ET.parse(out / "moodle.xml").getroot()
    element = next(q for q in root if q.findtext("name/text") == f"01 size {key['versions'][0]['version']}")
    feedback = element.find("generalfeedback")
    name = feedback.find("file").get("name")
    assert f'src="@@PLUGINFILE@@/{name}"' in feedback.findtext("text")
    svg = ET.fromstring(base64.b64decode(feedback.find("file").text))
    assert svg.find(".//{http://www.w3.org/2000/svg}animateTransform") is not None   # the sliding window
    canvas = unzip(out / "canvas.zip")
    assessment = next(c for n, c in canvas.items() if n.count("/") == 1 and not n.endswith("assessment_meta.xml"))
    folder = next(n for n in canvas if n.count("/") == 1 and not n.endswith("assessment_meta.xml")).split("/")[0]
    sources = re.findall(r'img src="(pictures/[^"]+)"', unescape(assessment.decode()))
    assert sources and all(f"{folder}/{src}" in canvas for src in sources)
    qti = unzip(out / "qti21.zip")
    for name in (n for n in qti if n.startswith("items/")):
        for src in re.findall(r'<img src="\.\./(pictures/[^"]+)"', qti[name].decode()):
            assert src in qti


def moodle_short_answer(answers, typed):
    """Moodle's short-answer grading (qtype_shortanswer: the first answer that matches wins; case ignored,
    the response trimmed, '*' a wildcard unless escaped as '\\*'): the fraction, or 0 when none matches."""
    typed = typed.strip()
    for text, fraction in answers:
        bits = re.split(r"(?<!\\)\*+", text)
        pattern = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
        if re.fullmatch(pattern, typed, re.IGNORECASE | re.DOTALL):
            return fraction
    return 0.0


def test_gift_short_answers_give_what_quizgen_gives_for_every_spelling_students_type(export):
    """Measured in a real Moodle before: 6 × 6, (6,6), 6,6, [6, 6], 6*6 scored 0 where quizgen marks them
    right, and a tensor shape with one size wrong scored 0 where quizgen gives 0.75. Here Moodle's matching
    rule runs over the GIFT as gift-pegjs reads it, against quizgen's own grader."""
    out, key, _ = export
    assert gift_short_answers_agree(out / "quiz.gift", key) > 50


@pytest.mark.parametrize("bank", ["channels.en.yaml", "inverse.en.yaml", "padding.en.yaml", "sequences.en.yaml"])
def test_gift_short_answers_of_the_shipped_banks_give_quizgens_credit(bank, tmp_path):
    """Tensor shapes (one size wrong: 0.75 in both), sets (3..4 for {3}: 0 in both), paddings per dimension."""
    result = run_cli("generate", ROOT / "banks" / bank, "--versions", "4", "--format", "gift,json", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert gift_short_answers_agree(tmp_path / "quiz.gift", json.loads((tmp_path / "key.json").read_text())) > 20


def gift_short_answers_agree(path, key) -> int:
    from quizgen.answers.credit import mark
    from quizgen.answers.kinds import notations

    records = questions(key)
    checked = 0
    for question in gift_questions(path):
        if question["type"] != "Short":
            continue
        record = records[question["title"]]
        answers = [(c["text"]["text"], (c["weight"] if c["weight"] is not None else 100) / 100)
                   for c in question["choices"]]
        value = record["answer"]["value"]
        typed = [t for v in [value] + [m["value"] for m in record["mistakes"] if not m.get("of")]
                 for t in notations({"kind": record["answer"]["kind"], "value": v})]
        if record["answer"]["kind"] == "shape":
            h, w = value
            typed += [f"{h} × {w}", f"({h},{w})", f"{h},{w}", f"[{h}, {w}]", f"{h}*{w}", f"{h} X {w}"]
            assert moodle_short_answer(answers, f"{h}x1{w}") == 0        # no wildcard: 6*6 is not 6x16
        for text in typed:
            ours = mark(record, text).credit
            assert moodle_short_answer(answers, text) == pytest.approx(ours, abs=1e-6), (question["title"], text)
            checked += 1
    return checked


def test_a_cloze_questions_moodle_mark_is_its_points_where_weights_can_say_so_and_the_rest_is_named(tmp_path):
    """Moodle makes a cloze question worth the sum of its fields' integer weights (<defaultgrade> is ignored)
    and a random-question slot worth 1: the weights carry the points where they divide evenly, and generate
    names every mark to set by hand, with its value."""
    (tmp_path / "bank.yaml").write_text(textwrap.dedent("""
        questions:
          - id: size
            type: output_size
            points: 2
            image: {size: 9}
            kernel: {size: 3}
          - id: values
            type: conv_values
            points: 8
            image: {size: 3, content: ones}
            kernel: {size: 2, values: ones}
          - id: small
            type: conv_values
            image: {size: 3, content: ones}
            kernel: {size: 2, values: ones}
        """))
    result = run_cli("generate", tmp_path / "bank.yaml", "--versions", "1", "--format", "moodle", "--out", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    root = ET.parse(tmp_path / "o/moodle.xml").getroot()
    weights = {q.findtext("name/text").split()[1]: [int(w or 1) for w, _ in CLOZE_FIELD.findall(
        q.find("questiontext/text").text)] for q in root if q.get("type") == "cloze"}
    assert {name: sum(w) for name, w in weights.items()} == {"size": 2, "values": 8, "small": 4}
    assert ("set 03 small to 1 (Moodle makes it 4); drawn as a random question per category, every slot is worth "
            "1: set slot 01 size to 2, slot 02 values to 8") in result.stderr
    assert "01 size to" not in result.stderr.split("one by one")[1].split(";")[0]


# --- QTI 2.1 response processing, run as TAO's engine runs it ---------------------------------------

def typed(kind, values: dict, names: list[str]) -> str:
    """The answer a student would type for these blank values, in quizgen's notation."""
    v = [exact_text(values[n]) for n in names]
    if kind in ("shape", "tensor_shape"):
        return "x".join(v)
    if kind == "padding":
        return "x".join(f"{v[i]},{v[i + 1]}" for i in range(0, len(v), 2))
    if kind == "set":
        return f"{v[0]}..{v[1]}"
    if kind == "number":
        return v[0]
    if kind == "sequence":
        return " ".join(v)
    cols = max(int(n.split("c")[1]) for n in names)
    return "; ".join(" ".join(v[r:r + cols]) for r in range(0, len(v), cols))


def qti_cases(record, item_xml):
    """Responses to try: the key, each catalogued mistake whole, each blank off by one alone, and for sets
    ranges too wide, too narrow, shifted and backwards."""
    from quizgen.answers.kinds import KINDS
    kind = KINDS[record["answer"]["kind"]]
    right = dict(kind.parts(record["answer"]["value"]))
    names = list(right)
    yield right
    for m in record["mistakes"]:
        try:
            parts = dict(kind.parts(m["value"]))
        except (TypeError, ValueError):
            continue
        if list(parts) == names:
            yield parts
    for n in names:
        yield {**right, n: right[n] + 1}
    if record["answer"]["kind"] == "set":
        lo, hi = right["smallest"], right["largest"]
        for a, b in ((lo - 1, hi), (lo, hi + 2), (lo + 1, hi), (hi, lo - 1), (lo - 3, lo - 1), (lo, lo)):
            yield {"smallest": a, "largest": b}


@pytest.mark.parametrize("bank", [None, "padding.en.yaml", "inverse.en.yaml", "channels.en.yaml",
                                  "convolucion-seed.es.yaml", "sequences.en.yaml"])
def test_qti_items_score_and_name_mistakes_as_quizgen_does(bank, export, tmp_path):
    """Measured in TAO before: a padding credited per side (0.75 where quizgen gives 0.5), a set scored from its
    ends (3..4 for {3}: 0.5 where quizgen gives 0), feedback naming a mistake from one blank. Each item's
    responseProcessing now runs (tests/export/qti_engine.py) to quizgen's credit and quizgen's diagnosis."""
    from qti_engine import Item as QtiItem

    from quizgen.answers.credit import mark
    from quizgen.answers.kinds import KINDS
    if bank is None:
        out, key = export[0], export[1]
    else:
        result = run_cli("generate", ROOT / "banks" / bank, "--versions", "3", "--format", "qti21,json",
                         "--out", tmp_path)
        assert result.returncode == 0, result.stderr
        out, key = tmp_path, json.loads((tmp_path / "key.json").read_text())
    records = questions(key)
    checked = 0
    for name, content in unzip(out / "qti21.zip").items():
        if not name.startswith("items/"):
            continue
        item = QtiItem(content)
        title = item.root.get("title")
        record = records[title]
        if record["answer"]["kind"] == "choice" or b"choiceInteraction" in content:
            continue
        names = [n for n, _ in KINDS[record["answer"]["kind"]].parts(record["answer"]["value"])]
        for values in qti_cases(record, content):
            outcome = item.run({f"RESPONSE_{n}": float(v) for n, v in values.items()})
            ours = mark(record, typed(record["answer"]["kind"], values, names))
            assert outcome["SCORE"] == pytest.approx(ours.credit * record["points"], abs=1e-9), (title, values)
            named = {f[len("MISTAKE_"):] for f in outcome["FEEDBACKMODAL"] if f.startswith("MISTAKE_")}
            assert named == set(ours.mistakes), (title, values, ours.mistakes)
            checked += 1
    assert checked > 10


def test_canvas_warns_where_no_four_decimal_number_can_be_right_and_moodle_names_follow_its_path_rule(tmp_path):
    title = "Semana 3/" + "x" * 300
    (tmp_path / "bank.yaml").write_text(textwrap.dedent(f"""
        title: "{title}"
        questions:
          - id: narrow
            type: conv_values
            image: {{content: [[0.18304596]]}}
            kernel: {{values: [[1]]}}
            grading: {{tolerance: {{absolute: 0, relative: 0.0001}}}}
          - id: broad
            type: conv_values
            image: {{content: [[0.18304596]]}}
            kernel: {{values: [[1]]}}
            grading: {{tolerance: {{absolute: 0.0001}}}}
        """))
    result = run_cli("generate", tmp_path / "bank.yaml", "--versions", "1", "--format", "canvas,moodle",
                     "--out", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    assert "canvas: narrow: no number of 4 decimal places lies within the accepted range" in result.stderr
    assert "canvas: narrow:" in result.stderr and "broad" not in result.stderr
    root = ET.parse(tmp_path / "o/moodle.xml").getroot()
    paths = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    split = [re.split(r"(?<!/)/(?!/)", p) for p in paths]          # Moodle's split_category_path
    names = [[part.strip().replace("//", "/") for part in parts] for parts in split]
    assert [len(n) for n in names] == [3, 4, 4]                      # $course$, top, the title, the slot
    assert names[0][2] == ("Semana 3/" + "x" * 300)[:255] and all(len(part) <= 255 for n in names for part in n)
    ends = tmp_path / "ends.yaml"
    ends.write_text("title: 'Semana 3/'\nquestions:\n  - id: a\n    type: output_size\n    image: {size: 5}\n"
                    "    kernel: {size: 3}\n")
    assert run_cli("generate", ends, "--versions", "1", "--format", "moodle", "--out", tmp_path / "e").returncode == 0
    root = ET.parse(tmp_path / "e/moodle.xml").getroot()
    slot = [q.findtext("category/text") for q in root if q.get("type") == "category"][1]
    assert [p.strip().replace("//", "/") for p in re.split(r"(?<!/)/(?!/)", slot)] == \
        ["$course$", "top", "Semana 3/", "01 a"]
