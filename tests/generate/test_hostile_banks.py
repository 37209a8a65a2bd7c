"""Any YAML document, however malformed or hostile, ends in exit 0 or exit 2 with a located reason: never an
internal error, never exit 3 ("formula and torch disagree") for a bad input. The cases a fuzz run over the
shipped banks found, each written out, and a fuzz of our own (hypothesis) over the same banks."""
import copy
import time

import pytest
import yaml
from conftest import BANKS, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.core.errors import QuizgenError
from quizgen.generate import pipeline

SIZE = "questions:\n  - id: a\n    type: output_size\n    image: {size: 5}\n    kernel: {size: 3}\n"


def question(type_, **fields) -> str:
    body = "".join(f"    {k}: {v}\n" for k, v in fields.items())
    return f"questions:\n  - id: a\n    type: {type_}\n{body}"


BOMB = "\n".join(["a0: &a0 [x,x,x,x,x,x,x,x,x]"] + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]"
                                                    for i in range(1, 9)]) + "\n" + SIZE


@pytest.mark.parametrize("text, line, says", [
    (SIZE + "[a]: 1\n", 6, "a key is a list or a mapping, not text"),
    ("x: &a [*a]\n" + SIZE, 1, "recursive structure"),
    ("a: " + "[" * 250 + "]" * 250 + "\n" + SIZE, 1, "nested more than 64 levels"),
    ("1: a\nb: 2\n" + SIZE, 1, "a key is '1', not text"),
    (BOMB, 1, "aliases expand to more than"),
    (question("output_size", image="{size: 5.0}", kernel="{size: 3}"), 4, "got 5.0"),
    (question("output_size", image="{size: 5}", kernel="{size: 3}", stride=2 ** 63), 6, "integers from 1 to"),
    (question("conv_values", image="{size: 31623, content: ones}", kernel="{size: 3, values: ones}"), 4,
     "integers from 1 to 32"),
    (question("channels", image="{size: 5}", kernel="{size: 3}", channels="{groups: 0}"), 6, "channels.groups"),
    (question("channels", image="{size: 5}", kernel="{size: 3}", channels="{in: -4}"), 6, "channels.in"),
    (question("channels", image="{size: 5}", kernel="{size: 3}", ask="receptive_field"), 6, "got receptive_field"),
    (question("stack", image="{size: 32}", layers="[{type: conv, kernel: 3}]", ask="macs"), 6, "got macs"),
    (question("output_size", image="{size: '5x0'}", kernel="{size: 3}"), 4, "got 0; allowed: integers from 1"),
    (question("output_size", image="{size: 9}", kernel="{size: 3}", stride="{min: 0, max: 3}"), 6,
     "integers from 1 to"),
    (question("output_size", image="{size: {height: 5, width: 100000000}}", kernel="{size: 3}"), 4,
     "integers from 1 to 1048576"),
    (question("inverse", unknown="input", image="{size: [7, 9, 10]}", kernel="{size: 3}", stride=4), 5, "with gaps"),
])
def test_hostile_and_out_of_range_banks_are_refused_at_their_line(tmp_path, text, line, says):
    bank = tmp_path / "bank.yaml"
    bank.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run_cli("check", bank, "--versions", "3")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"quizgen: error: {bank}:{line}: ") and says in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and time.monotonic() - started < 60


def test_a_size_question_on_a_hundred_thousand_wide_input_is_confirmed_by_torch(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text(question("output_size", image="{size: '3x100000'}", kernel="{size: 3}", stride=7))
    result = run_cli("check", bank, "--versions", "2")
    assert result.returncode == 0, result.stderr
    assert "confirmed by torch" in result.stdout


def test_a_kernel_far_larger_than_its_input_padded_same_is_checked_and_drawn_cut_not_cell_by_cell(tmp_path):
    """Found by the fuzz: a 7x7 input, a 5822x5822 kernel and padding 'same' (torch accepts it) drew a
    5828x5828 padded input in every picture until memory ran out. A long dimension is drawn cut: its first
    and last cells, and a ⋯ between them."""
    bank = tmp_path / "bank.yaml"
    bank.write_text(question("output_size", image="{size: 7}", kernel="{size: 5822}", padding="same", picture="true"))
    started = time.monotonic()
    result = run_cli("check", bank, "--versions", "2")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    result = run_cli("generate", bank, "--format", "markdown", "--versions", "1", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    drawn = sorted((tmp_path / "out").rglob("*.svg"))
    assert {p.parent.name for p in drawn} == {"pictures", "key-pictures"}
    for picture in drawn:
        svg = picture.read_text(encoding="utf-8")
        assert len(svg.encode()) < 100_000 and "⋯" in svg and "5806 columns not drawn" in svg, picture


# --- a fuzz of our own ------------------------------------------------------------------------------

SHIPPED = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(BANKS.glob("*.yaml"))}
ODD_VALUES = st.one_of(
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "same", "5x", "x", "0x0", "3x3x3", "-1x2", "valid", "ones", "middle", "max", "params"]),
    st.booleans(), st.none(), st.lists(st.integers(-5, 100), max_size=4),
    st.dictionaries(st.sampled_from(["min", "max", "step", "height", "width", "random_int", "column"]),
                    st.integers(-3, 70), max_size=3))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:6]):
            yield from _paths(value, path + (index,))


def _replaced(node, path, value):
    node = copy.deepcopy(node)
    if not path:
        return value
    target = node
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return node


@settings(max_examples=int(__import__("os").environ.get("QUIZGEN_FUZZ", 100)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_any_mutation_of_a_shipped_bank_is_checked_or_refused_with_a_located_reason(tmp_path, data):
    name = data.draw(st.sampled_from(sorted(SHIPPED)))
    paths = list(_paths(SHIPPED[name]))
    path = data.draw(st.sampled_from(paths))
    mutated = _replaced(SHIPPED[name], path, data.draw(ODD_VALUES))
    bank = tmp_path / "mutated.yaml"
    bank.write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
    try:
        pipeline.check(str(bank), versions=2)
    except QuizgenError as error:
        assert error.exit_code == 2, f"{name} {path}: exit {error.exit_code}: {error}"
        assert error.file == str(bank)
