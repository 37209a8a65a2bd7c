"""The `quizgen` command. Heavy modules (torch, the pipeline) are imported inside the commands that need
them, so `quizgen --help`, `quizgen solve` and `quizgen schema` start fast.

Each command has a parser of its own, which reads its options anywhere on the line (before or after the
files, before or after the command's name) and, on a mistake, prints that command's usage, names the flag
meant when one is misspelled, and says which command a flag belongs to when it is given to another."""
from __future__ import annotations

import argparse
import difflib
import gc
import json
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .core.errors import QuizgenError
from .core.languages import DEFAULT as DEFAULT_LANGUAGE
from .core.languages import LANGUAGES

DEFAULT_FORMATS = "markdown,json"
ID_COLUMN_HELP = ("the roster's column of student ids (default: the first of student_id, SIS User ID, matrícula, "
                  "ID number, id, username, email... that every student has)")
DESCRIPTION = ("Randomized, reproducible convolution exercises whose answers are checked by the output-size "
               "formula and by torch.")


class CommandParser(argparse.ArgumentParser):
    """argparse with suggestions: ``--sed`` -> "did you mean --seed?"; ``--roster`` given to ``check`` -> "it
    is an option of generate, grade"."""

    others: dict[str, list[str]] = {}      # flag -> the commands that have it (filled by build_parsers())

    def error(self, message: str):
        if message.startswith("unrecognized arguments:"):
            message += self._hints(message.split(":", 1)[1].split())
        elif message.startswith("argument ") and "invalid choice" in message:
            wrong = message.split("invalid choice: ", 1)[1].split(" (", 1)[0].strip("'")
            choices = [c for action in self._actions for c in (action.choices or [])]
            close = difflib.get_close_matches(wrong, [str(c) for c in choices], n=1)
            message += f"; did you mean {close[0]!r}?" if close else ""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _hints(self, tokens: list[str]) -> str:
        if not self.others:
            build_parsers()                 # every command's flags, to say whose a flag is
        known = [flag for action in self._actions for flag in action.option_strings]
        hints = []
        for token in tokens:
            if not token.startswith("-"):
                continue
            flag = token.split("=", 1)[0]
            close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
            if flag in self.others:
                hints.append(f"{flag} is an option of {', '.join(self.others[flag])}, not of {self.prog}")
            elif close:
                hints.append(f"{flag}: did you mean {close[0]}?")
        return " (" + "; ".join(hints) + ")" if hints else ""


class Once(argparse._StoreAction):
    """An option given twice with two values (``--out a --out b``) is refused: which one was meant?"""

    def __call__(self, parser, namespace, values, option_string=None):
        given = namespace.__dict__.setdefault("_given", {})
        if self.dest in given and given[self.dest] != values:
            parser.error(f"{option_string} given twice ({given[self.dest]!r}, then {values!r}); give it once")
        given[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


class UsageError(QuizgenError):
    """A flag that does not fit the others (contradictory, or not for this input): printed with the
    command's usage, as argparse prints its own errors."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), None) or next((a for a in argv if not a.startswith("-")), None)
    if command is None or command not in COMMANDS:
        return _top_level(argv, command)
    parser = build_parsers(command)[command]
    rest = list(argv)
    rest.remove(command)
    args = parser.parse_intermixed_args(rest)
    if getattr(args, "quiet", False):
        from .core import progress  # noqa: PLC0415

        progress.QUIET = True
    tune_gc()
    # A terminated run (a CI timeout, `kill`) unwinds like an interrupt: no temporary folder is left behind.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return args.run(args)
    except QuizgenError as error:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(error)}, ensure_ascii=False))
        else:
            if isinstance(error, UsageError):
                parser.print_usage(sys.stderr)      # flags that do not fit together: the command's usage, then why
            print(f"quizgen: error: {error}", file=sys.stderr)
            for line in getattr(error, "details", []):
                print(f"  {line}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:   # `quizgen schema | head`: the reader left; nothing more to say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    except Exception as error:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("QUIZGEN_DEBUG"):
            raise
        print(f"quizgen: internal error (please report it): {error.__class__.__name__}: {error}; "
              "set QUIZGEN_DEBUG=1 for the traceback", file=sys.stderr)
        return 70


def _top_level(argv: list[str], command: str | None) -> int:
    """`quizgen`, `quizgen --help`, `quizgen --version`, or a command that does not exist."""
    top = CommandParser(prog="quizgen", description=DESCRIPTION, allow_abbrev=False,
                        usage="quizgen COMMAND [options]   (quizgen COMMAND --help for a command's options)",
                        epilog="commands:\n" + "".join(f"  {name:<10} {text}\n" for name, text in COMMANDS.items()),
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"quizgen {__version__}")
    if command is not None:
        close = difflib.get_close_matches(command, list(COMMANDS), n=1)
        top.error(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}"
                  + (f" (did you mean {close[0]!r}?)" if close else ""))
    top.parse_args(argv)
    top.error(f"a command is needed: {', '.join(COMMANDS)}")
    return 2


def tune_gc() -> None:
    """A big run allocates millions of small objects that live until it ends; Python's default (collect
    every 700 allocations) spends a quarter of the run re-scanning them. Collect far less often."""
    gc.set_threshold(50_000, 20, 100)


def _command(name: str, **kwargs) -> CommandParser:
    parser = CommandParser(prog=f"quizgen {name}", allow_abbrev=False, **kwargs)
    parser.register("action", None, Once)       # every plain option
    parser.register("action", "store", Once)
    return parser


COMMANDS = {"generate": "write problem sets and answer keys from a bank",
            "grade": "grade submissions: grades, gradebooks, feedback, item statistics",
            "check": "validate a bank and cross-check sampled versions with torch",
            "solve": "output shape (or count) of a layer, with the worked steps",
            "schema": "print a JSON Schema (the bank format, or the JSON output)"}


def build_parsers(only: str | None = None) -> dict[str, CommandParser]:
    """Every command's parser (``only``: that command's, and no other's modules imported: `generate`'s
    formats and `solve`'s flags come from the plug-ins' declarations)."""
    if only in (None, "generate"):
        from .export import describe as formats  # noqa: PLC0415 - no torch: the formats declare themselves
    else:
        formats = str
    gen = _command("generate", description="Write, per version, a problem set (handout/<version>/) and its "
                                           "answer key (keys/<version>/), and the formats asked for.",
                   epilog=formats(), formatter_class=argparse.RawDescriptionHelpFormatter)
    gen.add_argument("bank", help="the YAML bank")
    gen.add_argument("--versions", type=_positive, metavar="N", help="versions v1..vN (default 1)")
    gen.add_argument("--roster", metavar="FILE",
                     help="one version per student id (a CSV or spreadsheet with a student_id column)")
    gen.add_argument("--id-column", metavar="COLUMN", help=ID_COLUMN_HELP)
    gen.add_argument("--seed", type=int, help="the seed (default: the bank's seed, else 0)")
    gen.add_argument("--lang", choices=LANGUAGES, help="language of the texts (default: the bank's)")
    gen.add_argument("--format", default=DEFAULT_FORMATS, metavar="FORMATS",
                     help=f"comma-separated, from the list below (default {DEFAULT_FORMATS}; --roster adds sheet)")
    gen.add_argument("--out", default="out", metavar="DIR", help="output directory (default out)")
    gen.add_argument("--templates", metavar="DIR", help="a directory of template overrides")
    gen.add_argument("--jobs", type=_positive, default=1, metavar="N",
                     help="write the formats in N processes (the files are the same as with 1; default 1)")
    gen.add_argument("--quiet", action="store_true", help="no progress bars (shown on a terminal only)")
    gen.set_defaults(run=run_generate)

    chk = _command("check", description="Validate a bank and cross-check every answer of N sampled versions with torch, "
                               "writing nothing.")
    chk.add_argument("bank")
    chk.add_argument("--versions", type=_positive, default=20, metavar="N", help="versions to sample (default 20)")
    chk.add_argument("--seed", type=int)
    chk.add_argument("--quiet", action="store_true", help="no progress bars (shown on a terminal only)")
    chk.set_defaults(run=run_check)

    grade = _command(
        "grade",
        description="Grade a file of submissions (CSV, .xlsx, .ods or JSON), or a folder or .zip of lab notebooks "
                    "(read as text, never run), against the key, regenerated from "
                    "BANK (and --seed), or read from --key KEY.json. Writes grades.csv, answers.csv, rejected.csv, "
                    "gradebook-moodle.csv, gradebook-canvas.csv, feedback/<student>.md|html, item-stats.csv|json "
                    "and summary.json to --out. Exit 0: every row graded; 1: graded, but some rows were rejected "
                    "(rejected.csv says why); 2: nothing graded.",
        usage="quizgen grade BANK SUBMISSIONS [--seed S] [--versions N | --roster FILE] [options]\n"
              "       quizgen grade --key KEY.json SUBMISSIONS [options]")
    grade.add_argument("files", nargs="+", metavar="BANK SUBMISSIONS", help="the bank (unless --key) and the "
                                                                          "submissions: a file, or a folder or .zip "
                                                                          "of lab notebooks")
    grade.add_argument("--key", metavar="KEY.json", help="grade against a saved key.json instead of a bank")
    grade.add_argument("--seed", type=int, help="the seed the versions were generated with (default: the bank's)")
    grade.add_argument("--versions", type=_positive, metavar="N",
                       help="the versions handed out were v1..vN (default: what the response sheet says)")
    grade.add_argument("--roster", metavar="FILE", help="the versions handed out were one per student id")
    grade.add_argument("--id-column", metavar="COLUMN", help=ID_COLUMN_HELP)
    grade.add_argument("--columns", metavar="MAP.yaml",
                       help="which column holds what, for a Forms export (see the README)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade a sheet against its bank edited since the hand-out (lists what changed)")
    grade.add_argument("--lang", choices=LANGUAGES, help="language of the feedback (default: the bank's)")
    grade.add_argument("--out", default="grades", metavar="DIR", help="output directory (default grades)")
    grade.add_argument("--templates", metavar="DIR", help="a directory of template overrides")
    grade.add_argument("--canvas-id", choices=["sis_user_id", "sis_login_id", "id"], default="sis_user_id",
                       help="which Canvas column the student ids go in (default sis_user_id)")
    grade.add_argument("--return-notebooks", action="store_true",
                       help="notebooks: write a graded copy of each, with feedback cells (returned/, returned.zip)")
    grade.add_argument("--json", action="store_true", help="print the summary as JSON")
    grade.add_argument("--jobs", type=_positive, default=1, metavar="N",
                       help="grade in N processes (the reports are the same as with 1; default 1)")
    grade.add_argument("--quiet", action="store_true", help="no progress bars (shown on a terminal only)")
    grade.set_defaults(run=run_grade)

    parsers = {"generate": gen, "grade": grade, "check": chk}
    if only in (None, "solve"):
        parsers["solve"] = _solve_parser()
    schema = _command("schema", description="Print the JSON Schema of the bank format (default) or of key.json (output).")
    schema.add_argument("which", nargs="?", choices=["bank", "output"], default="bank")
    schema.set_defaults(run=run_schema)
    parsers["schema"] = schema
    if only is None:
        others: dict[str, list[str]] = {}
        for name, parser in parsers.items():
            for action in parser._actions:
                for flag in action.option_strings:
                    others.setdefault(flag, []).append(name)
        CommandParser.others = others
    return parsers


def _solve_parser() -> CommandParser:
    from . import calculator  # noqa: PLC0415 - no torch: the flags come from the operations' declarations

    solve = _command("solve",
                     description="Output shape of a convolution, transposed convolution or pooling, a layer's "
                                 "parameters, or a stack's receptive field, with the worked steps. Sizes are N "
                                 "(every dimension) or HxW.",
                     epilog=calculator.describe(), formatter_class=argparse.RawDescriptionHelpFormatter)
    solve.add_argument("op", choices=list(calculator.OPERATIONS))
    declared: dict[str, list] = {}
    for op, operation in calculator.OPERATIONS.items():
        for name, flag in operation.flags.items():
            declared.setdefault(name, []).append((op, flag))
    for name, uses in declared.items():
        flag = uses[0][1]
        helps: dict[str, list] = {}     # each meaning once, with the operations that read it
        for op, f in uses:
            helps.setdefault(f.help, []).append(op)
        text = "; ".join(f"{h} ({', '.join(ops)})" for h, ops in helps.items())
        if flag.kind == "switch":
            solve.add_argument("--" + name.replace("_", "-"), action="store_true", help=text)
        else:
            metavar = {"count": "N", "layers": "LIST", "choice": "{" + ",".join(flag.words) + "}"}.get(flag.kind, "HxW")
            solve.add_argument("--" + name.replace("_", "-"), metavar=metavar, help=text)
    solve.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    solve.add_argument("--json", action="store_true", help='print {"output_shape": [...], "steps": [...]}')
    solve.set_defaults(run=run_solve)
    return solve


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def run_generate(args) -> int:
    from .generate.pipeline import generate  # noqa: PLC0415

    if args.versions and args.roster:
        raise UsageError("--versions and --roster both say which versions to write; give one of them",
                         field="--versions")
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if args.id_column and not args.roster:
        raise UsageError("--id-column names the roster's id column; give it with --roster", field="--id-column")
    written, warnings = generate(args.bank, args.out, formats, versions=args.versions or 1, seed=args.seed,
                                 language=args.lang, roster=args.roster, templates=args.templates, jobs=args.jobs,
                                 id_column=args.id_column)
    for warning in warnings:
        print(f"quizgen: warning: {warning}", file=sys.stderr)
    handout = (Path(args.out) / "handout") in {path.parent.parent for path in written}
    print(f"wrote {len(written)} files to {args.out}" + (f" (hand out {args.out}/handout/; the rest is the "
                                                        "instructor's)" if handout else ""))
    return 0


def run_check(args) -> int:
    from .generate.pipeline import check  # noqa: PLC0415

    bank, checks = check(args.bank, versions=args.versions, seed=args.seed)
    print(f"{bank.file}: ok: {len(bank.questions)} questions x {args.versions} versions, "
          f"{checks} answers confirmed by torch")
    return 0


def run_grade(args) -> int:
    from .grade.driver import grade  # noqa: PLC0415
    from .render.renderer import Renderer  # noqa: PLC0415

    expected = 1 if args.key else 2
    if len(args.files) != expected:
        raise UsageError("grade needs BANK SUBMISSIONS, or --key KEY.json SUBMISSIONS; got "
                         f"{len(args.files)} file(s)", field="grade")
    if args.key and (args.seed is not None or args.versions or args.roster or args.lang or args.regrade):
        raise UsageError("--seed, --versions, --roster, --lang and --regrade regenerate a key from a bank; a saved "
                         "key keeps its own versions and language", field="--key")
    if args.versions and args.roster:
        raise UsageError("--versions and --roster both say which versions were handed out; give one of them",
                         field="--versions")
    if args.id_column and not args.roster:
        raise UsageError("--id-column names the roster's id column; give it with --roster", field="--id-column")
    summary, files = grade(args.files[-1], Renderer(args.templates), args.out, key_path=args.key,
                           bank_path=None if args.key else args.files[0], seed=args.seed, versions=args.versions,
                           roster=args.roster, language=args.lang, columns=args.columns, regrade=args.regrade,
                           id_column=args.id_column, canvas_id=args.canvas_id, jobs=args.jobs,
                           return_notebooks=args.return_notebooks)
    if args.json:
        print(json.dumps({**summary, "out": args.out, "files": files}, ensure_ascii=False))
    else:
        print(summary_text(summary, args.files[-1], args.out))
    # 1: written, but not everything was graded: rows rejected, or questions no column answers
    incomplete = any(r["reason"] != "duplicate" for r in summary["rejected"]) or summary["missing_questions"]
    return 1 if incomplete else 0


def summary_text(summary: dict, source: str, out: str, shown: int = 10) -> str:
    """One screen: what was graded, what was not and why, where the reports are."""
    rejected = summary["rejected"]
    superseded = sum(r["reason"] == "duplicate" for r in rejected)
    unit = ("file" if summary.get("by_file") else "row") + ("" if summary["rows"] == 1 else "s")
    lines = [f"{source}: {summary['rows']} {unit}: {summary['graded']} graded, {len(rejected)} rejected"
             + (f" ({superseded} superseded by a later submission)" if superseded else "")
             + (f", {summary['unused']} unused" if summary.get("unused") else "")]
    for note in summary.get("notes", []):
        lines.append(f"  note: {note}")
    if summary.get("regraded"):
        lines.append(f"  regraded against the edited bank: changed since the sheet was made: "
                     f"{_listed(summary['regraded'], shown)}")
    from .core.numbers import people_number as people  # noqa: PLC0415

    if summary["graded"]:
        mean, top = summary["mean_score"], summary["max_score"]
        lines.append(f"  mean score {people(mean)} / {people(top)} ({people(100 * mean / top) if top else 0}%)")
    lines.append(f"  answers with a format error: {summary['format_errors']} "
                 f"(students: {_listed(summary['students_with_format_errors'], shown)})"
                 if summary["format_errors"] else "  answers with a format error: 0")
    lines.append(f"  blank answers: {summary['blank_answers']}")
    read_as = summary.get("read_as", [])
    for row in read_as[:shown]:
        lines.append(f"  {_where(row)}: {row['how']}")
    if summary.get("read_as_count", 0) > min(shown, len(read_as)):
        lines.append(f"  ... and {summary['read_as_count'] - min(shown, len(read_as))} more rows read so "
                     "(summary.json)")
    for row in rejected[:shown]:
        who = f" ({row['student_id']})" if row["student_id"] else ""
        lines.append(f"  rejected {_where(row)}{who}: {row['reason']}: {row['detail']}")
    if len(rejected) > shown:
        lines.append(f"  ... and {len(rejected) - shown} more rejected rows (rejected.csv)")
    if summary.get("missing_count"):
        lines.append(f"  students of the roster with no graded row: "
                     f"{_listed(summary['missing_students'], shown)}"
                     + (f" ({summary['missing_count']} in all)" if summary["missing_count"] > len(summary["missing_students"]) else ""))
    if summary["ignored_columns"]:
        lines.append(f"  ignored columns (not questions of this key): {_listed(summary['ignored_columns'], shown)}")
    if summary["missing_questions"]:
        lines.append(f"  questions with no column (graded as no answer): {_listed(summary['missing_questions'], shown)}")
    lines.append(f"  reports in {out}/: grades.csv, gradebook-moodle.csv, gradebook-canvas.csv, feedback/, "
                 "item-stats.csv, rejected.csv" + (", returned/ and returned.zip (the graded notebooks)"
                                                   if summary.get("returned") else ""))
    return "\n".join(lines)


def _where(row: dict) -> str:
    return f"file {row['file']}" if "file" in row else f"line {row['line']}"


def _listed(items: list, shown: int) -> str:
    return ", ".join(items[:shown]) + (f", ... ({len(items)} in all)" if len(items) > shown else "")


def run_solve(args) -> int:
    from . import calculator  # noqa: PLC0415

    result = calculator.solve(args)
    from .render.renderer import Renderer  # noqa: PLC0415

    words = Renderer().words(args.lang)
    steps = [{**s.to_dict(), "text": Renderer.step_text(s, words)} for s in result.steps]
    if args.json:
        print(json.dumps({**result.fields, "steps": steps}, ensure_ascii=False))
    else:
        print(result.headline)
        for step in steps:
            print(f"  {step['text']}")
    return 0


def run_schema(args) -> int:
    from .generate.schema import bank_schema, output_schema  # noqa: PLC0415

    print(json.dumps(bank_schema() if args.which == "bank" else output_schema(), indent=2, ensure_ascii=False))
    return 0
