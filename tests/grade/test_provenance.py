"""A wrong grade is impossible to miss: a sheet is graded only against the quiz it was made for (its
fingerprint: bank content and seed), only the versions handed out are graded (matched as spreadsheets and
people write them, never drawn afresh), flags that contradict each other or the sheet are refused, and a
run that grades nothing says so with a non-zero exit. End to end, as an instructor runs quizgen."""
import csv
import json

import pytest
from conftest import SEED_BANK, run_cli

BANK = """\
title: Provenance
language: en
seed: 43
questions:
  - id: size
    type: output_size
    image: {size: {min: 6, max: 30}}
    kernel: {size: [2, 3, 5]}
  - id: stride
    type: output_size
    image: {size: {min: 8, max: 30}}
    kernel: {size: [2, 3]}
    stride: [2, 3]
  - id: keep
    type: same_padding
    image: {size: {min: 5, max: 12}}
    kernel: {size: [3, 5]}
"""


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def write_rows(path, rows, encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The bank handed out as 3 versions with --seed 43, and the key sheet filled with every right answer."""
    folder = tmp_path_factory.mktemp("provenance")
    (folder / "bank.yaml").write_text(BANK)
    result = run_cli("generate", folder / "bank.yaml", "--versions", "3", "--seed", "43", "--format", "json,sheet",
                     "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((folder / "out/key.json").read_text())
    return folder, key


def test_key_json_and_both_sheets_carry_one_fingerprint_naming_seed_bank_and_versions(course):
    folder, key = course
    fingerprint = key["fingerprint"]
    assert fingerprint.startswith("quizgen:1 seed=43 bank=") and fingerprint.endswith(" versions=3")
    assert len(fingerprint.split("questions=")[1].split()[0].split(".")) == 3          # one digest per question
    for sheet in ("responses.csv", "responses-key.csv"):
        assert {row["fingerprint"] for row in read_rows(folder / f"out/{sheet}")} == {fingerprint}


def test_a_sheet_made_with_seed_43_graded_with_seed_44_is_refused_naming_both(course, tmp_path):
    folder, _ = course
    result = run_cli("grade", folder / "bank.yaml", folder / "out/responses-key.csv", "--seed", "44",
                     "--out", tmp_path / "g")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "made with seed 43; you gave 44" in result.stderr and "--seed 43" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "g").exists()
    # the bank's own seed (43) is what the sheet was made with: no flag needed
    result = run_cli("grade", folder / "bank.yaml", folder / "out/responses-key.csv", "--out", tmp_path / "ok")
    assert result.returncode == 0, result.stderr
    assert {row["percent"] for row in read_rows(tmp_path / "ok/grades.csv")} == {"100"}


def test_a_bank_edited_after_the_hand_out_is_refused_and_regraded_only_on_request(course, tmp_path):
    folder, key = course
    edited = tmp_path / "bank.yaml"
    edited.write_text(BANK.replace("image: {size: {min: 8, max: 30}}", "image: {size: {min: 8, max: 20}}")
                      .replace("title: Provenance", "title: Provenance (fixed title)"))
    sheet = folder / "out/responses-key.csv"
    result = run_cli("grade", edited, sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "changed or added since: stride" in result.stderr
    assert "--regrade" in result.stderr and not (tmp_path / "g").exists()
    result = run_cli("grade", edited, sheet, "--regrade", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["regraded"] == ["stride"] and summary["graded"] == 3
    # the questions not edited keep their keys: full marks there, whatever the edit did to 'stride'
    grades = read_rows(tmp_path / "g/grades.csv")
    assert all(float(row["size"]) == 1 and float(row["keep"]) == 1 for row in grades)
    # a title is no part of the fingerprint: the same bank with another title grades without --regrade
    retitled = tmp_path / "retitled.yaml"
    retitled.write_text(BANK.replace("title: Provenance", "title: Another title"))
    assert run_cli("grade", retitled, sheet, "--out", tmp_path / "t").returncode == 0


def test_a_sheet_of_another_bank_is_refused_and_a_saved_key_checks_the_sheet_too(course, tmp_path):
    folder, _ = course
    sheet = folder / "out/responses-key.csv"
    result = run_cli("grade", SEED_BANK, sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "made from another bank" in result.stderr
    other = run_cli("generate", folder / "bank.yaml", "--versions", "3", "--seed", "44", "--format", "json",
                    "--out", tmp_path / "k44")
    assert other.returncode == 0, other.stderr
    result = run_cli("grade", "--key", tmp_path / "k44/key.json", sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "made with seed 43; key.json was made with seed 44" in result.stderr


def test_rows_copied_in_from_another_quiz_are_rejected_and_the_rest_graded(course, tmp_path):
    folder, key = course
    rows = read_rows(folder / "out/responses-key.csv")
    stranger = dict(rows[0], student_id="zoe", fingerprint=rows[0]["fingerprint"].replace("seed=43", "seed=44"))
    garbled = dict(rows[1], student_id="yan", fingerprint="3x3")     # a typed answer one column too far right
    write_rows(tmp_path / "mixed.csv", rows + [stranger, garbled])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "mixed.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr          # graded, but not every row: exit 1 says so
    summary = json.loads(result.stdout)
    assert summary["graded"] == 3
    assert [(r["student_id"], r["reason"]) for r in summary["rejected"]] == [("zoe", "other_quiz"), ("yan", "other_quiz")]
    assert "seed 44" in summary["rejected"][0]["detail"]


def test_versions_are_matched_as_people_write_them_and_never_drawn_afresh(course, tmp_path):
    folder, key = course
    answers = {v["version"]: {q["id"]: q["answer"]["text"] for q in v["questions"]} for v in key["versions"]}
    rows = [{"student_id": student, "version": written, **answers[meant]}
            for student, written, meant in (("ana", "V1", "v1"), ("beto", " v 2 ", "v2"), ("carla", "03", "v3"),
                                            ("dario", "v03", "v3"), ("elena", "version 2", "v2"))]
    rows.append({"student_id": "fede", "version": "v4", **answers["v1"]})      # never handed out
    write_rows(tmp_path / "typed.csv", rows)
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "typed.csv", "--versions", "3", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    grades = {row["student_id"]: row for row in read_rows(tmp_path / "g/grades.csv")}
    assert {s: (g["version"], g["percent"]) for s, g in grades.items()} == {
        "ana": ("v1", "100"), "beto": ("v2", "100"), "carla": ("v3", "100"), "dario": ("v3", "100"),
        "elena": ("v2", "100")}
    assert "version 'V1' read as 'v1'" in {r["how"] for r in summary["read_as"]}
    assert [(r["student_id"], r["reason"]) for r in summary["rejected"]] == [("fede", "unknown_version")]
    assert "was not handed out (--versions 3: v1..v3)" in summary["rejected"][0]["detail"]


def test_without_a_sheet_fingerprint_the_versions_handed_out_must_be_given(course, tmp_path):
    folder, key = course
    (tmp_path / "typed.csv").write_text("student_id,version,size\nana,v7,3x3\n")
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "typed.csv", "--out", tmp_path / "g")
    assert result.returncode == 2 and "which versions were handed out?" in result.stderr
    assert not (tmp_path / "g").exists()


def test_a_run_that_grades_no_row_exits_2_with_the_reasons_and_writes_nothing(course, tmp_path):
    folder, _ = course
    (tmp_path / "typed.csv").write_text("student_id,version,size\nana,v7,3x3\nbeto,v8,3x3\n")
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "typed.csv", "--versions", "3", "--out", tmp_path / "g")
    assert result.returncode == 2
    assert "no row could be graded (2 rows: 2 unknown_version)" in result.stderr and "v7" in result.stderr
    assert not (tmp_path / "g").exists()


@pytest.fixture(scope="module")
def roster_course(tmp_path_factory):
    """The seed lab handed out per student, ids as a Spanish course has them."""
    folder = tmp_path_factory.mktemp("roster")
    (folder / "roster.csv").write_bytes("student_id;nombre\r\n00123;Pepe\r\nana@uni.es;Ana\r\njosé;José\r\n"
                                        .encode("cp1252"))
    result = run_cli("generate", SEED_BANK, "--roster", folder / "roster.csv", "--format", "json", "--out",
                     folder / "out")
    assert result.returncode == 0, result.stderr
    assert "Windows-1252" in result.stderr         # said, not refused
    return folder


def test_versions_and_roster_contradicting_the_sheet_or_each_other_are_refused(roster_course, tmp_path):
    folder = roster_course
    sheet = folder / "out/responses-key.csv"
    result = run_cli("grade", SEED_BANK, sheet, "--versions", "3", "--out", tmp_path / "g")
    assert result.returncode == 2 and "made for a roster of 3 students, not --versions 3" in result.stderr
    result = run_cli("grade", SEED_BANK, sheet, "--versions", "3", "--roster", folder / "roster.csv",
                     "--out", tmp_path / "g")
    assert result.returncode == 2 and "give one of them" in result.stderr
    assert result.stderr.startswith("usage: quizgen grade")          # the command's usage, not the top level's
    result = run_cli("generate", SEED_BANK, "--versions", "3", "--roster", folder / "roster.csv",
                     "--out", tmp_path / "o")
    assert result.returncode == 2 and "give one of them" in result.stderr and not (tmp_path / "o").exists()
    result = run_cli("grade", SEED_BANK, sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "give it with --roster" in result.stderr


def test_ids_a_spreadsheet_turned_into_numbers_are_graded_as_the_roster_writes_them(roster_course, tmp_path):
    folder = roster_course
    rows = read_rows(folder / "out/responses-key.csv")
    for row in rows:
        if row["student_id"] == "00123":
            row["student_id"] = row["version"] = "123"          # what opening the CSV in a spreadsheet does
    write_rows(tmp_path / "saved.csv", rows)
    result = run_cli("grade", SEED_BANK, tmp_path / "saved.csv", "--roster", folder / "roster.csv",
                     "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    assert "student '123' read as '00123'" in result.stdout
    grades = {row["student_id"]: row["percent"] for row in read_rows(tmp_path / "g/grades.csv")}
    assert grades == {"00123": "100", "ana@uni.es": "100", "josé": "100"}
    gradebook = read_rows(tmp_path / "g/gradebook-moodle.csv")
    assert {row["ID number"] for row in gradebook} == {"00123", "ana@uni.es", "josé"}


def test_scores_are_rounded_for_people_and_exact_in_the_csvs(course, tmp_path):
    folder, key = course
    right = {q["id"]: q["answer"]["text"] for q in key["versions"][0]["questions"]}
    rows = [{"student_id": student, "version": "v1", **{q: right[q] if q in given else "" for q in right}}
            for student, given in (("ana", {"size"}), ("beto", {"stride"}), ("carla", {"size", "stride"}))]
    write_rows(tmp_path / "part.csv", rows)
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "part.csv", "--versions", "3",
                     "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    # people read 4/3 of 3 points as 1.33 (44.44%); the CSV holds 1/3 of the points as 33.3333333333 percent
    assert "mean score 1.33 / 3 (44.44%)" in result.stdout
    grades = {row["student_id"]: row for row in read_rows(tmp_path / "g/grades.csv")}
    assert grades["ana"]["percent"] == "33.3333333333" and grades["carla"]["score"] == "2"


def test_rows_of_the_sheet_nobody_filled_in_are_not_graded_and_not_errors(course, tmp_path):
    folder, key = course
    filled = read_rows(folder / "out/responses-key.csv")[0]
    blank = read_rows(folder / "out/responses.csv")
    write_rows(tmp_path / "sheet.csv", [dict(filled, student_id="ana"), *blank[1:]])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "sheet.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["graded"], summary["unused"], summary["rejected"]) == (3, 1, 2, [])
    assert any("unused rows of the sheet: line 3, 4" in note for note in summary["notes"])


def test_in_a_roster_each_row_is_a_student_of_the_roster_answering_their_own_version(roster_course, tmp_path):
    folder = roster_course
    rows = read_rows(folder / "out/responses-key.csv")
    by_id = {row["student_id"]: row for row in rows}
    swapped = dict(by_id["ana@uni.es"], version="josé")               # ana typed into josé's version
    stranger = dict(by_id["josé"], student_id="Pepe")                  # not in the roster
    write_rows(tmp_path / "sheet.csv", [by_id["00123"], swapped, stranger])
    result = run_cli("grade", SEED_BANK, tmp_path / "sheet.csv", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert [(r["student_id"], r["reason"]) for r in summary["rejected"]] == [
        ("ana@uni.es", "wrong_version"), ("Pepe", "unknown_student")]
    assert "another student's" in summary["rejected"][0]["detail"]
    # the roster's students without a row are named, not silently absent
    assert summary["graded"] == 1 and summary["missing_students"] == ["ana@uni.es", "josé"]


def test_an_empty_row_never_replaces_a_row_with_answers(roster_course, tmp_path):
    folder = roster_course
    filled = read_rows(folder / "out/responses-key.csv")
    blank = read_rows(folder / "out/responses.csv")
    write_rows(tmp_path / "merged.csv", filled + blank)        # a TA's untouched copy pasted below
    result = run_cli("grade", SEED_BANK, tmp_path / "merged.csv", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["graded"] == 3 and [r["line"] for r in summary["rejected"]] == [5, 6, 7]
    assert "the row with answers (line 2) was graded" in summary["rejected"][0]["detail"]
    assert {row["percent"] for row in read_rows(tmp_path / "g/grades.csv")} == {"100"}


def test_a_roster_whose_ids_a_spreadsheet_changed_is_refused_not_graded_against_other_versions(roster_course,
                                                                                            tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = roster_course
    book = openpyxl.Workbook()
    book.active.append(["student_id", "nombre"])
    for student in (123, "ana@uni.es", "josé"):       # 00123 saved as the number 123
        book.active.append([student, "x"])
    book.save(tmp_path / "roster.xlsx")
    result = run_cli("grade", SEED_BANK, folder / "out/responses-key.csv", "--roster", tmp_path / "roster.xlsx",
                     "--out", tmp_path / "g")
    assert result.returncode == 2 and "not the roster responses-key.csv was made for" in result.stderr
    assert "number cells in the spreadsheet (e.g. 123)" in result.stderr and not (tmp_path / "g").exists()
    # generating from such a roster says so at once
    made = run_cli("generate", SEED_BANK, "--roster", tmp_path / "roster.xlsx", "--format", "json",
                   "--out", tmp_path / "o")
    assert made.returncode == 0 and "leading zeros, the spreadsheet dropped them" in made.stderr


def test_a_sheet_of_a_roster_graded_with_a_key_of_numbered_versions_is_refused(roster_course, tmp_path):
    folder = roster_course
    assert run_cli("generate", SEED_BANK, "--versions", "2", "--format", "json", "--out", tmp_path / "k").returncode == 0
    result = run_cli("grade", "--key", tmp_path / "k/key.json", folder / "out/responses-key.csv",
                     "--out", tmp_path / "g")
    assert result.returncode == 2
    assert "handed out for a roster of 3 students; key.json was made for --versions 2" in result.stderr


def test_reordered_questions_are_refused_and_regraded_on_request(course, tmp_path):
    folder, _ = course
    questions = BANK.split("  - id: ")
    reordered = tmp_path / "bank.yaml"
    reordered.write_text(questions[0] + "  - id: " + "  - id: ".join([questions[3].rstrip("\n") + "\n", *questions[1:3]]))
    sheet = folder / "out/responses-key.csv"
    result = run_cli("grade", reordered, sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "its questions in another order" in result.stderr
    result = run_cli("grade", reordered, sheet, "--regrade", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    assert "--regrade: the sheet was made from an earlier version of the bank, its questions in another order" \
        in result.stdout


def test_a_row_whose_cells_were_shifted_left_is_rejected_not_graded_under_other_questions(course, tmp_path):
    folder, _ = course
    rows = read_rows(folder / "out/responses-key.csv")
    header = list(rows[0])
    cells = [rows[0][name] for name in header]
    del cells[header.index("size")]                     # "delete cell, shift left" in a spreadsheet
    shifted = dict(zip(header, [*cells, ""]))
    write_rows(tmp_path / "sheet.csv", [shifted, *rows[1:]])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "sheet.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert [(r["line"], r["reason"]) for r in summary["rejected"]] == [(2, "malformed_row")]
    assert "cells of this row were shifted" in summary["rejected"][0]["detail"]


def test_a_cleared_fingerprint_column_is_refused_not_graded_unchecked(course, tmp_path):
    folder, _ = course
    rows = [dict(row, fingerprint="") for row in read_rows(folder / "out/responses-key.csv")]
    write_rows(tmp_path / "sheet.csv", rows)
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "sheet.csv", "--seed", "7", "--out", tmp_path / "g")
    assert result.returncode == 2 and "fingerprint column is empty in every row" in result.stderr


def test_another_bank_is_not_regraded_and_a_pasted_header_is_skipped(course, tmp_path):
    folder, _ = course
    other = tmp_path / "other.yaml"
    other.write_text(BANK.replace("max: 30}}\n    kernel: {size: [2, 3, 5]}", "max: 31}}\n    kernel: {size: [2, 3, 5]}")
                     .replace("kernel: {size: [3, 5]}", "kernel: {size: [3]}"))
    sheet = folder / "out/responses-key.csv"
    result = run_cli("grade", other, sheet, "--regrade", "--out", tmp_path / "g")
    assert result.returncode == 2 and "made from another bank (1 of its 3 questions" in result.stderr
    assert "--regrade is for a bank edited after the hand-out" in result.stderr
    rows = read_rows(sheet)
    with open(tmp_path / "two.csv", "w", newline="", encoding="utf-8") as handle:     # two sheets, one below the other
        writer = csv.writer(handle)
        for part in (rows[:2], rows[2:]):
            writer.writerow(list(rows[0]))
            writer.writerows([list(row.values()) for row in part])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "two.csv", "--out", tmp_path / "g2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "line 4: the header row again" in result.stdout and "3 graded, 0 rejected" in result.stdout


def test_fingerprint_cells_that_are_no_fingerprint_are_refused_and_a_garbled_one_rejects_its_row(course, tmp_path):
    folder, _ = course
    rows = read_rows(folder / "out/responses-key.csv")
    write_rows(tmp_path / "hello.csv", [dict(row, fingerprint="hello") for row in rows])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "hello.csv", "--versions", "3", "--out", tmp_path / "g")
    assert result.returncode == 2 and "holds no quiz fingerprint (e.g. 'hello')" in result.stderr
    garbled = dict(rows[0], student_id="ana", fingerprint=rows[0]["fingerprint"].replace("versions=3", "versions=x"))
    write_rows(tmp_path / "one.csv", [garbled, *rows[1:]])
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "one.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    assert [(r["student_id"], r["reason"]) for r in json.loads(result.stdout)["rejected"]] == [("ana", "other_quiz")]


def test_a_saved_key_with_more_versions_grades_only_those_the_sheet_handed_out(course, tmp_path):
    folder, key = course
    assert run_cli("generate", folder / "bank.yaml", "--versions", "5", "--format", "json",
                   "--out", tmp_path / "k5").returncode == 0
    rows = read_rows(folder / "out/responses-key.csv")
    write_rows(tmp_path / "sheet.csv", [*rows, dict(rows[0], student_id="late", version="v4")])
    result = run_cli("grade", "--key", tmp_path / "k5/key.json", tmp_path / "sheet.csv", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["graded"] == 3 and [(r["student_id"], r["reason"]) for r in summary["rejected"]] == [
        ("late", "unknown_version")]


def test_a_workbook_row_typed_one_column_too_far_right_is_rejected(course, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder, _ = course
    rows = read_rows(folder / "out/responses-key.csv")
    header = [name for name in rows[0] if name != "fingerprint"]
    book = openpyxl.Workbook()
    book.active.append(header)
    for n, row in enumerate(rows):
        cells = [row[name] for name in header]
        book.active.append(cells if n else [cells[0], cells[1], "", *cells[2:]])     # shifted right from 'size'
    book.save(tmp_path / "sheet.xlsx")
    result = run_cli("grade", folder / "bank.yaml", tmp_path / "sheet.xlsx", "--versions", "3", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    rejected = json.loads(result.stdout)["rejected"]
    assert [(r["line"], r["reason"]) for r in rejected] == [(2, "malformed_row")]
    assert "beyond the header's last column" in rejected[0]["detail"]


def test_a_file_changed_while_it_is_graded_writes_nothing(course, tmp_path, monkeypatch):
    from quizgen.core.errors import QuizgenError
    from quizgen.grade import driver as grade
    from quizgen.render.renderer import Renderer

    folder, _ = course
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes((folder / "out/responses-key.csv").read_bytes())
    real = grade.account

    def account_then_autosave(rows, placer):         # a sync client saves the file between the two passes
        result = real(rows, placer)
        with open(sheet, "a", encoding="utf-8") as handle:
            handle.write("zoe,v1,3x3,,,\n")
        return result
    monkeypatch.setattr(grade, "account", account_then_autosave)
    with pytest.raises(QuizgenError, match="changed while it was being graded"):
        grade.grade(str(sheet), Renderer(), str(tmp_path / "g"), bank_path=str(folder / "bank.yaml"))
    assert not (tmp_path / "g").exists()
