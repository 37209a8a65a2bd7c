"""The command line as people type it: options anywhere, in every command; a misspelled flag names the one
meant; a flag of another command says whose it is; every command's mistakes print that command's usage."""
import pytest
from conftest import SEED_BANK, run_cli


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    result = run_cli("generate", SEED_BANK, "--versions", "2", "--seed", "5", "--format", "sheet", "--out",
                     folder / "out")
    assert result.returncode == 0, result.stderr
    return folder / "out/responses-key.csv"


@pytest.mark.parametrize("order", [
    lambda bank, sheet, out: ["grade", bank, "--seed", "5", sheet, "--out", out],
    lambda bank, sheet, out: ["grade", "--seed", "5", "--out", out, bank, sheet],
    lambda bank, sheet, out: ["--seed", "5", "grade", bank, sheet, "--out", out],
    lambda bank, sheet, out: ["grade", bank, sheet, "--out", out, "--seed", "5"],
], ids=["between-files", "before-files", "before-command", "after-files"])
def test_options_are_accepted_anywhere(sheet, tmp_path, order):
    result = run_cli(*order(SEED_BANK, sheet, tmp_path / "g"))
    assert result.returncode == 0, result.stderr
    assert "2 graded" in result.stdout


@pytest.mark.parametrize("argv, says", [
    (["grade", "BANK", "SHEET", "--sed", "5"], "--sed: did you mean --seed?"),
    (["generate", "BANK", "--verions", "3"], "--verions: did you mean --versions?"),
    (["check", "BANK", "--roster", "r.csv"], "--roster is an option of generate, grade, not of quizgen check"),
    (["grade", "BANK", "SHEET", "--canvas-id", "sis_user"], "did you mean 'sis_user_id'?"),
])
def test_a_mistyped_or_misplaced_flag_says_what_was_meant_with_the_commands_usage(argv, says):
    command = argv[0]
    result = run_cli(*argv)
    assert result.returncode == 2 and says in result.stderr
    assert result.stderr.startswith(f"usage: quizgen {command}")


def test_an_unknown_command_suggests_the_one_meant():
    result = run_cli("grde", "bank.yaml")
    assert result.returncode == 2 and "did you mean 'grade'?" in result.stderr


def test_a_flag_given_twice_with_two_values_is_refused(tmp_path):
    result = run_cli("generate", SEED_BANK, "--out", tmp_path / "a", "--out", tmp_path / "b")
    assert result.returncode == 2 and "--out given twice" in result.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_generate_help_lists_every_format_from_its_declaration():
    from quizgen.export import FORMATS

    result = run_cli("generate", "--help")
    for name, fmt in FORMATS.items():
        assert f"  {name:<9} {fmt.help}" in result.stdout


def on_a_terminal(*argv, env=None):
    """The command run with a terminal for its output (a pseudo-terminal), and what it wrote there."""
    import os
    import pty
    import subprocess
    import sys

    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "quizgen", *map(str, argv)], stdin=child, stdout=child,
                               stderr=child, env={**os.environ, **(env or {})})
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    process.wait()
    os.close(main)
    return process.returncode, out.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_only_and_not_with_quiet(tmp_path):
    fast = {"QUIZGEN_PROGRESS_DELAY": "0"}
    code, shown = on_a_terminal("generate", SEED_BANK, "--versions", "300", "--format", "json", "--out",
                                tmp_path / "a", env=fast)
    assert code == 0 and "drafting" in shown and "version/s" in shown
    code, quiet = on_a_terminal("generate", SEED_BANK, "--versions", "300", "--format", "json", "--out",
                                tmp_path / "b", "--quiet", env=fast)
    assert code == 0 and "drafting" not in quiet
    piped = run_cli("generate", SEED_BANK, "--versions", "300", "--format", "json", "--out", tmp_path / "c",
                    env={**__import__("os").environ, **fast})
    assert piped.returncode == 0 and "drafting" not in piped.stderr + piped.stdout
