"""End to end: `quizgen generate` and `quizgen check` in temp dirs, as a user runs them."""
import json
import os
import subprocess
import sys

import jsonschema
import pytest
from conftest import BANKS, PRACTICE_BANK, ROOT, SEED_BANK, run_cli

from quizgen.core.errors import ReferenceMismatch
from quizgen.generate import pipeline, reference
from quizgen.generate.schema import bank_schema, output_schema


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_writes_problem_set_and_key_per_version_in_every_format(tmp_path):
    result = run_cli("generate", PRACTICE_BANK, "--versions", "3", "--format", "markdown,html,json",
                     "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    names = set(files_of(tmp_path))
    for version in ("v1", "v2", "v3"):
        assert {f"handout/{version}/problems.md", f"keys/{version}/key.md", f"handout/{version}/problems.html",
                f"keys/{version}/key.html"} <= names
    assert "key.json" in names
    # a student's folder holds the problem set and its pictures, and nothing of the key
    assert {n.split("/", 2)[2].split("/")[0] for n in names if n.startswith("handout/")} <= \
        {"problems.md", "problems.html", "pictures"}
    problems = (tmp_path / "handout/v1/problems.md").read_text()
    key = json.loads((tmp_path / "key.json").read_text())
    first = key["versions"][0]["questions"][2]
    assert first["prompt"] in problems
    assert first["answer"]["text"] not in problems.split(first["prompt"])[1].split("## ")[0]  # no leaked answer
    assert first["answer"]["text"] in (tmp_path / "keys/v1/key.md").read_text()


def test_json_output_follows_the_published_schema(tmp_path):
    assert run_cli("generate", PRACTICE_BANK, "--versions", "4", "--format", "json", "--out", tmp_path).returncode == 0
    document = json.loads((tmp_path / "key.json").read_text())
    jsonschema.Draft202012Validator(output_schema()).validate(document)
    assert [v["version"] for v in document["versions"]] == ["v1", "v2", "v3", "v4"]
    for question in document["versions"][0]["questions"]:
        assert question["steps"] and question["prompt"] and question["answer"]["text"]


def test_published_schemas_match_the_code():
    assert json.loads((ROOT / "schemas/bank.schema.json").read_text()) == bank_schema()
    assert json.loads((ROOT / "schemas/quizset.schema.json").read_text()) == output_schema()


def test_schema_command_prints_a_valid_json_schema_that_accepts_the_shipped_banks(cli):
    import yaml
    result = cli("schema")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for bank in BANKS.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(bank.read_text()), schema)


def test_same_bank_and_seed_give_byte_identical_files_across_processes(tmp_path):
    runs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = run_cli("generate", PRACTICE_BANK, "--versions", "3", "--seed", "11",
                         "--format", "markdown,html,json", "--out", out, env=env)
        assert result.returncode == 0, result.stderr
        runs.append(files_of(out))
    assert runs[0] == runs[1]


def test_a_different_seed_gives_different_versions(tmp_path):
    for seed in ("1", "2"):
        assert run_cli("generate", PRACTICE_BANK, "--seed", seed, "--format", "json",
                       "--out", tmp_path / seed).returncode == 0
    first, second = ((tmp_path / s / "key.json").read_text() for s in ("1", "2"))
    assert json.loads(first)["versions"] != json.loads(second)["versions"]


def test_roster_gives_each_student_a_version_independent_of_roster_order(tmp_path):
    (tmp_path / "a.csv").write_text("student_id,name\nA01,Ana\nB02,Beto\nC03,Carla\n")
    (tmp_path / "b.csv").write_text("name,student_id\nCarla,C03\nAna,A01\n")
    for roster in ("a", "b"):
        result = run_cli("generate", PRACTICE_BANK, "--roster", tmp_path / f"{roster}.csv", "--format", "json",
                         "--out", tmp_path / roster)
        assert result.returncode == 0, result.stderr
    versions = [{v["version"]: v for v in json.loads((tmp_path / r / "key.json").read_text())["versions"]}
                for r in ("a", "b")]
    assert list(versions[0]) == ["A01", "B02", "C03"]
    assert versions[0]["A01"] == versions[1]["A01"] and versions[0]["C03"] == versions[1]["C03"]
    assert versions[0]["A01"]["questions"] != versions[0]["B02"]["questions"]


@pytest.mark.parametrize("content,line,words", [
    ("student_id\nA01\nA01\n", 3, "duplicate student id 'A01' (also line 2)"),
    ("name\nAna\n", 1, "no student id column"),
    ("student_id,name\n,Ana\n", 2, "no student ids in column 'student_id'"),
])
def test_bad_roster_is_a_one_line_error_with_its_line(tmp_path, content, line, words):
    roster = tmp_path / "roster.csv"
    roster.write_text(content)
    result = run_cli("generate", SEED_BANK, "--roster", roster, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert f"{roster}:{line}:" in result.stderr and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_lang_flag_renders_a_spanish_bank_in_english(tmp_path):
    assert run_cli("generate", SEED_BANK, "--lang", "en", "--format", "markdown", "--out", tmp_path).returncode == 0
    key = (tmp_path / "keys/v1/key.md").read_text()
    assert "Answer key" in key and "Worked solution" in key and "Soluciones" not in key


def test_template_overrides_replace_only_the_templates_given(tmp_path):
    overrides = tmp_path / "mine" / "en" / "prompts"
    overrides.mkdir(parents=True)
    (overrides / "output_size.j2").write_text("How big is the output for {{ f.call }}?")
    result = run_cli("generate", PRACTICE_BANK, "--templates", tmp_path / "mine", "--format", "json",
                     "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    questions = json.loads((tmp_path / "out/key.json").read_text())["versions"][0]["questions"]
    sizes = [q for q in questions if q["type"] == "output_size"]
    assert all(q["prompt"].startswith("How big is the output for nn.Conv2d(") for q in sizes)
    assert all(not q["prompt"].startswith("How big") for q in questions if q["type"] != "output_size")


def test_html_escapes_what_it_renders(tmp_path):
    overrides = tmp_path / "mine" / "en"
    overrides.mkdir(parents=True)
    words = (ROOT / "templates/en/words.j2").read_text().replace('"Problem set"', '"<script>x</script>"')
    (overrides / "words.j2").write_text(words)
    assert run_cli("generate", SEED_BANK, "--lang", "en", "--templates", tmp_path / "mine", "--format", "html",
                   "--out", tmp_path / "out").returncode == 0
    page = (tmp_path / "out/handout/v1/problems.html").read_text()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_formula_torch_disagreement_stops_the_run_and_writes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    pipeline.generate(str(PRACTICE_BANK), str(out), ["json"])      # an earlier run's outputs stay as they were
    before = files_of(out)
    real = reference.outcomes

    def torch_off_by_one(convs):
        return [reference.Outcome(shape=tuple(s + 1 for s in o.shape)) if o.shape else o for o in real(convs)]

    monkeypatch.setattr(reference, "outcomes", torch_off_by_one)
    with pytest.raises(ReferenceMismatch, match="formula and torch disagree"):
        pipeline.generate(str(SEED_BANK), str(out), ["markdown", "json"])
    assert files_of(out) == before


def test_wrong_values_from_torch_are_caught_too(tmp_path, monkeypatch):
    real = reference.values
    monkeypatch.setattr(reference, "values",
                        lambda jobs: [[[v + 0.5 for v in row] for row in m] for m in real(jobs)])
    with pytest.raises(ReferenceMismatch, match="values"):
        pipeline.generate(str(SEED_BANK), str(tmp_path / "out"), ["json"])
    assert not (tmp_path / "out").exists()


def test_check_cross_checks_sampled_versions_and_writes_nothing(tmp_path):
    result = run_cli("check", PRACTICE_BANK, "--versions", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: 10 questions x 30 versions" in result.stdout and "confirmed by torch" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused_before_writing(tmp_path):
    result = run_cli("generate", SEED_BANK, "--format", "markdown,docx", "--out", tmp_path / "out")
    assert result.returncode == 2 and "unknown format 'docx'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_schema_reads_a_question_as_conv1d_from_its_op_or_the_banks_default():
    """Editors validate the raw YAML: a conv1d question (its own op, or the defaults') takes sequences and one
    size per field, a conv2d one matrices and HxW; a question's op overrides the default."""
    validator = jsonschema.Draft202012Validator(bank_schema())
    sequence = {"id": "a", "type": "conv_values", "image": {"size": 6, "content": "ones"},
                "kernel": {"values": [1, 0, -1]}}
    rectangle = {"id": "b", "type": "output_size", "image": {"size": "4x6"}, "kernel": {"size": 3}}
    assert validator.is_valid({"defaults": {"op": "conv1d"}, "questions": [sequence]})
    assert validator.is_valid({"questions": [{**sequence, "op": "conv1d"}, rectangle]})
    assert not validator.is_valid({"questions": [sequence]})
    assert not validator.is_valid({"defaults": {"op": "conv1d"}, "questions": [rectangle]})
    assert validator.is_valid({"defaults": {"op": "conv1d"}, "questions": [{**rectangle, "op": "conv2d"}]})
    assert not validator.is_valid({"defaults": {"op": "conv1d"}, "questions": [{**sequence, "op": "conv2d"}]})


def test_a_run_whose_verdicts_torch_gave_before_does_not_import_torch(tmp_path):
    env = {**os.environ, "QUIZGEN_CACHE": str(tmp_path / "cache")}
    argv = ["generate", str(PRACTICE_BANK), "--versions", "3", "--format", "moodle,json"]
    first = run_cli(*argv, "--out", tmp_path / "a", env=env)
    assert first.returncode == 0, first.stderr
    code = (f"import sys\nfrom quizgen.cli import main\nassert main({argv + ['--out', str(tmp_path / 'b')]!r}) == 0\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "a/key.json").read_bytes() == (tmp_path / "b/key.json").read_bytes()
    off = run_cli(*argv, "--out", tmp_path / "c", env={**env, "QUIZGEN_CACHE": "off"})
    assert off.returncode == 0 and (tmp_path / "c/key.json").read_bytes() == (tmp_path / "a/key.json").read_bytes()


def test_check_tries_every_format_generate_writes():
    from quizgen.export import FORMATS

    calls = []
    real = pipeline.write_formats

    def spy(quizset, renderer, formats, jobs=1):
        calls.extend((quizset.language, name, len(quizset.versions)) for name in formats)
        return real(quizset, renderer, formats, jobs)
    try:
        pipeline.write_formats = spy
        pipeline.check(str(SEED_BANK), versions=3)
    finally:
        pipeline.write_formats = real
    # every format in both languages; a costly one (printed exams) on the first few versions only
    assert sorted(calls) == sorted((lang, name, FORMATS[name].check_versions or 3) for lang in ("en", "es")
                                   for name in FORMATS)
