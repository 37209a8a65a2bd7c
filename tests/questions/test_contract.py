"""The contract every registered question type keeps, checked from its own declarations, in every language:
its prompts exist, every step and mistake it produces has words, every draft carries a torch check, every
declared choice is offered, and every value out of a declared field's bounds is refused with exit 2 at its
line, before anything is sampled."""
import copy
from pathlib import Path

import pytest
import yaml
from conftest import BANKS, ROOT

from quizgen.core.errors import QuizgenError
from quizgen.core.languages import LANGUAGES
from quizgen.generate.bank import load_bank
from quizgen.generate.pipeline import Drafter
from quizgen.questions import TYPES
from quizgen.render.renderer import Renderer

VERSIONS = 25


def shipped_questions() -> dict[str, list[dict]]:
    """Every question of the shipped banks, by type, with the bank's defaults applied."""
    found: dict[str, list[dict]] = {}
    for path in sorted(BANKS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in data["questions"]:
            found.setdefault(question["type"], []).append({**data.get("defaults", {}), **question})
    return found


SHIPPED = shipped_questions()


def choices(qtype) -> dict[str, list]:
    """The declared choices of a type's fields (ask, unknown, pool): the enum of each."""
    out = {}
    for name, field in qtype.fields.items():
        schema = field.schema
        enum = schema.get("enum") or next((a.get("enum") for a in schema.get("anyOf", []) if "enum" in a), None)
        if enum and name not in ("padding",):
            out[name] = list(enum)
    return out


def corpus(name: str) -> list[dict]:
    """The shipped questions of a type and, for each declared choice none of them makes, one that does."""
    questions = [dict(q, id=f"q{n}") for n, q in enumerate(SHIPPED[name])]
    for field, values in choices(TYPES[name]).items():
        seen = {q.get(field) for q in questions}
        for value in values:
            if value not in seen and not any(isinstance(q.get(field), list) and value in q[field] for q in questions):
                # a default is best tried on a question that leaves the field out (a conv1d's sizes are not
                # a conv2d's), another value on one that sets the field
                default = value == values[0] and field == "op"
                base = next((q for q in questions if (field not in q) == default), questions[0])
                questions.append(dict(base, id=f"q{len(questions)}", **{field: value}))
    return questions


def bank_file(tmp_path: Path, questions: list[dict], name="bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"title": "contract", "questions": questions}, sort_keys=False), encoding="utf-8")
    return path


def test_the_languages_are_the_template_folders_with_words():
    folders = sorted(path.parent.name for path in (ROOT / "templates").glob("*/words.j2"))
    assert folders == sorted(LANGUAGES)


def test_every_registered_type_has_a_shipped_bank_question_and_a_summary():
    assert set(TYPES) <= set(SHIPPED)
    assert all(qtype.summary and qtype.fields for qtype in TYPES.values())


@pytest.mark.parametrize("name", sorted(TYPES))
def test_prompts_words_and_torch_checks_exist_for_every_draft_in_every_language(name, tmp_path):
    questions = corpus(name)
    bank = load_bank(bank_file(tmp_path, questions))
    drafter = Drafter(bank, 3)
    drafts = [d for n in range(VERSIONS) for d in drafter.version(f"v{n}")]
    renderer = Renderer()
    for language in LANGUAGES:
        assert (ROOT / "templates" / language / "prompts" / f"{name}.j2").is_file()
        words = renderer.words(language)
        for draft in drafts:
            assert draft.checks, f"{name}: a draft without a torch check"
            rendered = renderer.question(draft, language)
            assert rendered.prompt.strip()
            assert all(step.kind in words.steps for step in draft.steps)
            missing = [m["code"] for m in draft.mistakes if m["code"] not in words.mistakes]
            assert not missing, f"{name} ({language}): no words for mistakes {missing}"
    asked = {(field, d.context.get(field, d.params.get(field))) for d in drafts for field in choices(TYPES[name])}
    for field, values in choices(TYPES[name]).items():
        assert {value for f, value in asked if f == field} >= set(values) - {"max", "avg"} or field == "pool"


def out_of_bounds_cases():
    """(type, where in the question, a value below or above the declared bounds)."""
    for name, qtype in sorted(TYPES.items()):
        for field, declared in qtype.fields.items():
            for part, bounds in declared.bounds.items():
                for value in (bounds.least - 1, bounds.most + 1):
                    yield pytest.param(name, field, part, value, id=f"{name}-{field}-{part or 'value'}-{value}")


def _set(question: dict, field: str, part: str, value) -> dict:
    question = copy.deepcopy(question)
    if part == "":
        question[field] = value
    elif part.startswith("*."):
        question[field][0][part[2:]] = value
    else:
        container = dict(question.get(field) or {})
        if field in ("image", "kernel"):     # a matrix or a named kernel would imply the size
            container.pop("content", None)
            container.pop("values", None)
        container[part] = value
        question[field] = container
    return question


@pytest.mark.parametrize("name, field, part, value", list(out_of_bounds_cases()))
def test_every_value_out_of_a_declared_fields_bounds_is_refused_at_its_line(name, field, part, value, tmp_path):
    base = next((q for q in SHIPPED[name] if field in q), SHIPPED[name][0])
    if part.startswith("*.") and field not in base:
        pytest.skip("no shipped question with this field")
    question = _set(dict(base, id="q"), field, part, value)
    path = bank_file(tmp_path, [question])
    with pytest.raises(QuizgenError) as error:
        Drafter(load_bank(path), 0)           # the spaces are worked out (and checked) before any draw
    assert error.value.exit_code == 2 and error.value.line is not None
    assert field in (error.value.field or "")


@pytest.mark.parametrize("name", sorted(n for n in TYPES if choices(TYPES[n])))
def test_a_choice_a_type_does_not_offer_is_refused(name, tmp_path):
    field = next(iter(choices(TYPES[name])))
    question = dict(SHIPPED[name][0], id="q", **{field: "nonsense"})
    with pytest.raises(QuizgenError, match=field) as error:
        load_bank(bank_file(tmp_path, [question]))
    assert error.value.line is not None


def test_a_field_its_type_does_not_read_is_refused_and_a_default_it_does_not_read_is_not(tmp_path):
    size = {"id": "size", "type": "output_size", "image": {"size": 6}, "kernel": {"size": 3}}
    with pytest.raises(QuizgenError, match="unknown field 'ask'"):
        load_bank(bank_file(tmp_path, [dict(size, ask="macs")]))
    path = tmp_path / "defaults.yaml"
    path.write_text(yaml.safe_dump({"defaults": {"ask": "params", "stride": 2},
                                    "questions": [size, {**size, "id": "c", "type": "channels"}]}))
    bank = load_bank(path)
    assert "ask" not in bank.questions[0].fields and bank.questions[1].fields["ask"] == "params"
