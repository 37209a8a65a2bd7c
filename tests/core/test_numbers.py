"""Numbers as text: each reader's rule (core/numbers.py), and the answer kinds write keys with the exact one."""
from fractions import Fraction

import pytest

from quizgen.answers.credit import plain
from quizgen.answers.kinds import answer_text
from quizgen.answers.parse import Parsed, parse
from quizgen.core.numbers import decimal_text, exact_number, exact_text, format_number, people_number


@pytest.mark.parametrize("value,text", [(3, "3"), (2.5, "2.5"), (-0.5867, "-0.5867"), (5 / 3, "1.67"), (0.1, "0.1"),
                                        (Fraction(1, 8), "0.125"), (Fraction(-7, 3), "-2.33"), (4.0, "4")])
def test_worked_solutions_print_numbers_exactly_when_they_terminate(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("value,text", [(16, "16"), (-5.0, "-5"), (0.1635992, "0.1635992"), (1e-05, "0.00001"),
                                        (1e20, "100000000000000000000"), (0.0, "0"), (8 / 3, "2.6666666666666665")])
def test_keys_are_exact_and_never_in_exponent_notation(value, text):
    assert exact_text(value) == text


@pytest.mark.parametrize("value,text", [(4, "4.0"), (0.0125, "0.0125"), (-2.5, "-2.5"), (0, "0.0")])
def test_decimal_text_always_has_a_point(value, text):
    assert decimal_text(value) == text


@pytest.mark.parametrize("value,people,csv", [(38 / 9, "4.22", "4.2222222222"), (4.5, "4.5", "4.5"), (11, "11", "11"),
                                              (-0.001, "0", "-0.001"), (1e-05, "0", "0.00001"), (None, "", "")])
def test_scores_for_people_and_for_spreadsheets(value, people, csv):
    assert people_number(value) == people
    assert exact_number(value) == csv


@pytest.mark.parametrize("kind,value", [("number", 1e-05), ("number", 8 / 3), ("matrix", [[0.1635992, -1e-06]]),
                                        ("set", [5, 6, 7]), ("shape", [3, 4])])
def test_a_key_written_as_text_reads_back_as_itself(kind, value):
    read = parse(kind, answer_text(kind, value), value)
    assert isinstance(read, Parsed)
    assert plain(read.value) == value
