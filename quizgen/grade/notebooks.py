"""Reading lab notebooks handed in (a folder or a .zip, as an LMS's "download all" gives them: nested folders,
any file names; or one .ipynb): one submission per file, its student and version from the notebook's signed
metadata (export/ipynb.py), never from its name. **Nothing a student wrote is executed**: each answer cell
is read as text (``answer_of``); Python's own parser (``ast``) only tells a value from code.

Every file is accounted for: graded, or rejected by name with its reason (not a notebook, no quizgen
metadata, a signature that does not match); an operating system's own files (__MACOSX/, .DS_Store,
.ipynb_checkpoints/) are skipped and counted in a note.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..core.errors import QuizgenError
from ..export.ipynb import IDENTITY_MARK, METADATA, NOTEBOOK_FORMAT, signed_fields
from .roster import clean_id
from .submissions import Submission, SubmissionFile

MAX_NOTEBOOK = 64 * 1024 * 1024          # bytes: a larger file is refused, not read (a zip bomb, a video)
MAX_CELL = 100_000                      # characters of an answer cell read (the grader reads 20,000 at most)
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
SYSTEM_FOLDERS = {"__macosx", ".ipynb_checkpoints", ".git", ".trash"}
FORMULA_STARTS = ("=", "+", "-", "@")      # an id a student types that a gradebook would run as a formula
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_ANSWER_ID = re.compile(r"^q([0-9]{1,4})-answer$")        # the id export/ipynb.py gives an answer cell
_FEEDBACK_ID = re.compile(r"^(?:feedback-[0-9]+|graded)(?:-[0-9]+)?$")   # and the ids of a graded copy's cells
_VALUE_CALLS = {"Size", "tensor", "Tensor", "array", "tuple", "list", "set", "frozenset"}
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError, ValueError)


@dataclass(frozen=True)
class Placeholders:
    """The variables of the cells a notebook hands out, in every language (``answer_variable`` and
    ``student_id_variable`` of templates/<lang>/words.j2: respuesta_2, answer_2; id_estudiante, student_id),
    and the lines that assign them (linear patterns: no backtracking across lines)."""
    answers: tuple
    students: tuple
    assigns_answer: re.Pattern
    assigns_student: re.Pattern


@functools.lru_cache(maxsize=1)
def placeholders() -> Placeholders:
    from ..core.languages import LANGUAGES  # noqa: PLC0415
    from ..render.renderer import Renderer  # noqa: PLC0415

    words = [Renderer().words(lang) for lang in LANGUAGES]
    answers = tuple(dict.fromkeys(str(w.answer_variable) for w in words))
    students = tuple(dict.fromkeys(str(w.student_id_variable) for w in words))
    return Placeholders(
        answers, students,
        re.compile(r"^[ \t]*((?:" + "|".join(map(re.escape, answers)) + r")_[0-9]+)[ \t]*(?::[^=\n]*)?=(?!=)", re.M),
        re.compile(r"^[ \t]*(?:" + "|".join(map(re.escape, students)) + r")[ \t]*=(?!=)", re.M))


def is_notebook_source(path: str) -> bool:
    """Whether ``path`` names notebooks to grade: a folder, a .zip, or a .ipynb file."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in (".ipynb", ".zip")


@dataclass(frozen=True)
class Entry:
    name: str               # the file's path inside the folder or zip, with / (unique)
    size: int
    modified: datetime | None
    member: object = None   # its ZipInfo, in a zip
    special: str = ""       # why it is not read although it is there ("a symbolic link"), else ""


class NotebookSource:
    """The files of a folder, a zip or a single notebook, by name, in the order of their names; and where each
    one's graded copy goes (a path inside returned/ no other file's copy shares)."""

    def __init__(self, path: str):
        self.path = path
        p = Path(path)
        if not p.exists():
            raise QuizgenError("no such file or folder", file=path)
        self.kind = "folder" if p.is_dir() else "zip" if p.suffix.lower() != ".ipynb" else "file"
        if self.kind == "zip":
            entries = self._zip_entries(p)
        elif self.kind == "folder":
            entries = self._folder_entries(p)
        else:
            stat = p.stat()
            entries = [Entry(p.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))]
        self.entries = sorted(entries, key=lambda e: e.name)
        self._by_name = {e.name: e for e in self.entries}
        self.returned: dict[str, str] = {}
        taken: set[str] = set()
        for entry in self.entries:
            wanted = safe_relative(entry.name)
            stem, suffix, n = wanted.with_suffix("").as_posix(), wanted.suffix, 1
            while (wanted.as_posix().casefold() in taken):     # (file systems that ignore case too)
                n += 1
                wanted = Path(f"{stem}-{n}{suffix}")
            taken.add(wanted.as_posix().casefold())
            self.returned[entry.name] = wanted.as_posix()

    def _zip_entries(self, p: Path) -> list[Entry]:
        try:
            with zipfile.ZipFile(p) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as error:
            raise QuizgenError(f"not a readable zip file ({error}); give the zip the LMS downloaded, or the folder "
                               "it unzips to", file=self.path) from None
        entries, seen = [], set()
        for info in infos:
            name = base = _zip_name(info)
            n = 1
            while name in seen:         # one name twice in a zip: both are read, the second named apart
                n += 1
                name = f"{base} ({n})"
            seen.add(name)
            entries.append(Entry(name, info.file_size, _zip_time(info.date_time), info))
        return entries

    def _folder_entries(self, p: Path) -> list[Entry]:
        found = []
        for folder, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
                full = Path(folder) / name
                relative = full.relative_to(p).as_posix()
                if full.is_symlink():
                    found.append(Entry(relative, 0, None, special="a symbolic link: not followed"))
                elif not full.is_file():
                    found.append(Entry(relative, 0, None, special="not a regular file"))
                else:
                    stat = full.stat()
                    found.append(Entry(relative, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc)))
        return found

    @contextmanager
    def opened(self):
        """A reader of entries by name (a zip opened once for all of them)."""
        if self.kind != "zip":
            yield self.read
            return
        with zipfile.ZipFile(self.path) as archive:
            yield lambda name: archive.read(self._by_name[name].member)

    def read(self, name: str) -> bytes:
        p = Path(self.path)
        if self.kind == "zip":
            with zipfile.ZipFile(p) as archive:
                return archive.read(self._by_name[name].member)
        return (p / name).read_bytes() if self.kind == "folder" else p.read_bytes()


def _zip_name(info: zipfile.ZipInfo) -> str:
    """An entry's name as its maker wrote it: a name in UTF-8 without the zip's UTF-8 flag (macOS's Archive
    Utility, older Windows tools) is read by Python as code page 437 (José as Jos├⌐); read it as UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _zip_time(date_time: tuple) -> datetime | None:
    try:
        return datetime(*date_time, tzinfo=timezone.utc)
    except ValueError:
        return None


def is_system_file(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (any(part.casefold() in SYSTEM_FOLDERS for part in parts[:-1]) or parts[-1].casefold() in SYSTEM_FILES
            or parts[-1].startswith("._"))


# --- a notebook's identity ----------------------------------------------------------------------------

def load_notebook(data: bytes) -> tuple[dict | None, str]:
    """(the notebook as JSON, "") or (None, why it is not a notebook)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not a notebook (not UTF-8 text)"
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):
        return None, "not a notebook (not JSON: damaged, or another kind of file)"
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        if isinstance(notebook, dict) and isinstance(notebook.get("worksheets"), list):
            return None, "a notebook of nbformat 3 (before 2015): open it in Jupyter and save it again"
        return None, "not a notebook (JSON without cells)"
    if not all(isinstance(cell, dict) for cell in notebook["cells"]):
        return None, "not a notebook (a cell is not an object)"
    return notebook, ""


def identity_of(notebook: dict) -> dict | None:
    """The quizgen identity the notebook carries: its metadata's, else the title cell's comment."""
    metadata = notebook.get("metadata")
    found = metadata.get(METADATA) if isinstance(metadata, dict) else None
    if isinstance(found, dict) and found.get("format") == NOTEBOOK_FORMAT:
        return found
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            found = _identity_comment(_text(cell.get("source")))
            if found is not None:
                return found
    return None


def _identity_comment(text: str) -> dict | None:
    """The JSON object after ``<!-- quizgen-notebook:`` in a Markdown cell (read by the JSON decoder where the
    mark is: linear in the cell's length)."""
    at = text.find(IDENTITY_MARK)
    if at < 0 or "<!--" not in text[max(0, at - 20):at]:
        return None
    start = at + len(IDENTITY_MARK)
    start += len(text[start:]) - len(text[start:].lstrip())
    try:
        found, _ = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) and found.get("format") == NOTEBOOK_FORMAT else None


def signature_problem(identity: dict, keys_for) -> str:
    """Why the identity's signature is not good ("" when it is). ``keys_for(fingerprint)`` gives the keys
    that may have signed a notebook of that quiz (core/signing.py)."""
    fields = [identity.get(k) for k in ("fingerprint", "version")]
    student = identity.get("student_id")
    if not all(isinstance(f, str) and f for f in fields) or not (student is None or isinstance(student, str)):
        return "its quizgen metadata is incomplete (fingerprint, version, student_id)"
    keys = keys_for(fields[0])
    key = next((k for k in keys if k.id == identity.get("key_id")), None)
    if key is None:
        held = ", ".join(k.id for k in keys)
        return (f"signed with the signing key {_clean(str(identity.get('key_id')))[:12]!r}, not with this quiz's "
                f"({held}): made by another quizgen set-up (grade with the key.json of the run that wrote it: --key)")
    signature = identity.get("signature")
    if not (isinstance(signature, str) and _SIGNATURE.match(signature)) or \
            not key.verifies(signed_fields(*fields, student), signature):
        claims = f"version {_clean(fields[1])!r}" + (f", student {_clean(student)!r}" if student is not None else "")
        return (f"its signature does not match what its quizgen metadata says ({claims}): the metadata was edited "
                "(the notebook of another student or version?)")
    return ""


# --- reading a cell as an answer ------------------------------------------------------------------------

def answer_of(source: str, outputs: list | None = None, names: tuple = ()) -> str | None:
    """What an answer cell answers, as text for the grader's parser, or None (blank). Never executed:
        ``(3, 3)``, ``torch.Size([3, 3])``, ``tensor([[1., 2.]])``  -> as written;
        ``respuesta_2 = (3, 3)`` (an assignment; the one to ``names`` where there are several) -> its value;
        ``"b"`` -> b;  ``None``, ``...``, comments only, nothing -> blank;
        code that is not a value (``layer(x).shape``) -> the output the notebook saved for the cell, if any,
        else the code (which the grader then reports as not an answer it can read);
        text that is not Python (``3x3``, ``respuesta = 3x3``) -> the text after any ``name =``."""
    source = _text(source)
    if not source.strip():
        return None
    if len(source) > MAX_CELL:
        return source[:MAX_CELL]        # no answer is this long: the grader says so, without reading it all
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _loose(source, names)
    statements = tree.body
    if not statements:
        return None                     # comments only: the placeholder's, or a cleared cell
    named = [s for s in statements if _assigns(s, names)]
    last = statements[-1]
    chosen = named[-1] if named else last if isinstance(last, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
    if named and _is_blank(chosen.value):
        # the placeholder left as it was: an answer written below it as a bare value, else none (an assignment
        # below it may be another question's: respuesta_3 = ...)
        if chosen is last or not isinstance(last, ast.Expr):
            return None
        chosen = last
    if chosen is None:                  # code ending in a block (with, for, if): what it printed, if anything
        return _output_text(outputs) or _stripped(source)
    node = chosen.value
    if _is_blank(node):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip() or None
    if not _is_value(node) or (isinstance(node, ast.Name) and isinstance(chosen, ast.Expr)):
        shown = _output_text(outputs)     # (a bare name shows its value: ``y`` after ``y = layer(x)``)
        if shown:
            return shown
    return ast.get_source_segment(source, node) or _stripped(source)


def _is_blank(node) -> bool:
    """``None``, ``...`` or nothing: the placeholder as handed out."""
    return node is None or (isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis))


def _assigns(statement, names: tuple) -> bool:
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, ast.AnnAssign) else []
    return any(isinstance(t, ast.Name) and t.id in names for t in targets)


def _is_value(node) -> bool:
    """Whether an expression writes a value (the grader can read it) rather than computes one."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_value(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Mult)):
        return _is_value(node.left) and _is_value(node.right)      # 8/3; 3*3 reads as a size
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_value(e) for e in node.elts)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in _VALUE_CALLS and all(_is_value(a) for a in node.args)
    return False


def _output_text(outputs) -> str | None:
    """The last result the cell showed (an execute_result's text, or what it printed)."""
    for output in reversed(outputs if isinstance(outputs, list) else []):
        if not isinstance(output, dict):
            continue
        if output.get("output_type") in ("execute_result", "display_data"):
            data = output.get("data")
            text = _text(data.get("text/plain")) if isinstance(data, dict) else ""
        elif output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = _text(output.get("text"))
        else:
            continue
        if text.strip():
            return text.strip()
    return None


def _stripped(source: str) -> str | None:
    lines = [line for line in source.splitlines() if not line.strip().startswith("#")]
    return "\n".join(lines).strip() or None


def _loose(source: str, names: tuple = ()) -> str | None:
    """Text that is not Python (``respuesta_2 = 3x3``): comment lines dropped; from the last line that
    assigns the placeholder's variable (``names``) on, or else the text after a leading ``name =``; quotes
    around it dropped too."""
    text = _stripped(source)
    if text is None:
        return None
    lines = [_without_comment(line) for line in text.splitlines()]
    pattern = re.compile(r"^\s*(?:" + "|".join(map(re.escape, names)) + r")\s*=(?!=)\s*(.*)$") if names else None
    at = next((i for i in range(len(lines) - 1, -1, -1) if pattern and pattern.match(lines[i])), None)
    if at is not None:
        text = "\n".join([pattern.match(lines[at]).group(1), *lines[at + 1:]]).strip()
    elif match := re.match(r"^[A-Za-z_]\w*\s*=(?!=)\s*(.*)$", text, re.S):
        text = match.group(1).strip()
    text = text.rstrip(";").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return None if text in ("", "None", "...") else text


def _without_comment(line: str) -> str:
    """A line without a comment at its end (``3x3  # alto x ancho``): from a # after a space."""
    at = line.find("#")
    while at > 0 and line[at - 1] not in " \t":
        at = line.find("#", at + 1)
    return line[:at].rstrip() if at > 0 else line


def _text(value) -> str:
    """A notebook's multi-line string: a string, or a list of lines (anything else: "")."""
    if isinstance(value, list):
        return _clean("".join(v for v in value if isinstance(v, str)))
    return _clean(value) if isinstance(value, str) else ""


def _clean(text: str) -> str:
    """``text`` as UTF-8 can write it: a lone surrogate (JSON's "\\ud800") becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


# --- the submissions -------------------------------------------------------------------------------------

def read_notebook(notebook: dict, question_ids: list[str], keys_for) -> tuple[str, str, dict, str, tuple]:
    """(student id, version, {question id: answer}, fingerprint, problem) of a loaded notebook; ``problem``
    is (reason, detail) when it cannot be graded, else ()."""
    identity = identity_of(notebook)
    if identity is None:
        return "", "", {}, "", ("no_quizgen_metadata", "no quizgen metadata: not a notebook quizgen handed out (or "
                                                       "its metadata and title cell were removed)")
    problem = signature_problem(identity, keys_for)
    if problem:     # (the quiz it says it is of, unverified: a notebook of another quiz is said to be so)
        version, fingerprint = identity.get("version"), identity.get("fingerprint")
        return "", _clean(version) if isinstance(version, str) else "", {}, \
            _clean(fingerprint) if isinstance(fingerprint, str) else "", ("bad_signature", problem)
    answers = {question: text for question, (_, text) in answer_cells(notebook, identity).items()
               if question in question_ids and text is not None}
    student = identity.get("student_id")
    if student is None:
        student, id_problem = clean_id(_student_cell(notebook) or "")
        if student[:1] in FORMULA_STARTS:
            student, id_problem = "", (f"it starts with {student[0]!r}, which a spreadsheet would run as a formula; "
                                       "allowed: the id as the course writes it")
        if id_problem and id_problem != "empty":
            return "", identity["version"], answers, identity["fingerprint"], ("malformed_row",
                                                                               f"student id: {id_problem}")
    return student, identity["version"], answers, identity["fingerprint"], ()


def answer_cells(notebook: dict, identity: dict) -> dict[str, tuple[int, str | None]]:
    """Question id -> (the index of its answer cell, what it answers). A question's candidates are the code
    cells whose metadata names it (or, where an editor dropped the metadata, whose id is the one quizgen gave
    its answer cell: q2-answer) and the code cells that assign its placeholder's variable (``respuesta_2 =
    ...``: the student answered in a cell of their own); not a copy of its cell that assigns another question's
    variable only (that cell answers the other question). Of those that hold an answer, the answer cell as
    handed out counts first, then the last that assigns the variable, then the last; with none, the answer
    cell as handed out (blank). One pass over the cells, each candidate read once."""
    questions = [q for q in identity.get("questions", []) if isinstance(q, str)] \
        if isinstance(identity.get("questions"), list) else []
    held = placeholders()
    variables = {f"{name}_{n}": question for n, question in enumerate(questions, 1) for name in held.answers}
    designated: dict[str, list[int]] = {}
    by_variable: dict[str, list[int]] = {}
    original: dict[str, int] = {}
    assigns: dict[int, set] = {}
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        role = _role(cell)
        numbered = _ANSWER_ID.match(cell["id"]) if isinstance(cell.get("id"), str) else None
        by_id = questions[int(numbered.group(1)) - 1] if numbered and 0 < int(numbered.group(1)) <= len(questions) \
            else None
        named = role.get("question") if isinstance(role.get("question"), str) and "role" not in role else None
        if named or by_id:
            designated.setdefault(named or by_id, []).append(index)
            if by_id and by_id == (named or by_id):
                original[by_id] = index
        assigns[index] = {variables[v] for v in held.assigns_answer.findall(_text(cell.get("source")))
                          if v in variables}
        for question in assigns[index]:
            by_variable.setdefault(question, []).append(index)
    chosen = {}
    for question in dict.fromkeys([*designated, *by_variable]):
        names = _names(questions, question)
        candidates = sorted(i for i in {*designated.get(question, []), *by_variable.get(question, [])}
                            if not assigns[i] or question in assigns[i])
        read = {}
        for i in candidates:
            cell = notebook["cells"][i]
            read[i] = answer_of(cell.get("source"), cell.get("outputs"), names)
        filled = [i for i in candidates if read[i] is not None]
        if filled:
            index = max(filled, key=lambda i: (i == original.get(question), question in assigns[i], i))
        else:
            index = original.get(question, (designated.get(question) or [None])[-1])
        if index is not None:
            chosen[question] = (index, read.get(index))
    return chosen


def _names(questions: list, question: str) -> tuple:
    """The placeholder variables of a question: respuesta_<its number>, answer_<its number>."""
    number = questions.index(question) + 1 if question in questions else None
    return tuple(f"{name}_{number}" for name in placeholders().answers) if number else ()


def _student_cell(notebook: dict) -> str | None:
    """The id a student wrote in the id cell, as text (a string or a number written there; code is no id)."""
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source"))
        names = placeholders()
        if _role(cell).get("role") != "student_id" and not names.assigns_student.search(source):
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return _loose(source, names.students)
        values = [s.value for s in tree.body if _assigns(s, names.students)]
        if values and isinstance(values[-1], ast.Constant) and isinstance(values[-1].value, (str, int)) \
                and not isinstance(values[-1].value, bool):
            return str(values[-1].value)
        return None
    return None


class NotebookSubmissions(SubmissionFile):
    """The notebooks of a folder, a zip or one file, as submissions (one per file, in the order of their
    names). Read once, kept (a course's notebooks are thousands at most; their answers are small)."""

    has_version = True
    unit = "file"
    called = "a notebook"

    def __init__(self, path: str, question_ids: list[str], keys_for):
        """``keys_for(fingerprint)``: the signing keys a notebook of that quiz may be signed with."""
        self.path, self.question_ids = path, question_ids
        self.ignored_columns, self.missing_questions, self.notes = [], [], []
        self.source = NotebookSource(path)
        skipped = [e.name for e in self.source.entries if is_system_file(e.name)]
        if skipped:
            self.notes.append(f"{len(skipped)} file(s) an operating system or Jupyter adds (__MACOSX/, .DS_Store, "
                              f".ipynb_checkpoints/) were skipped: {', '.join(skipped[:5])}"
                              + (", ..." if len(skipped) > 5 else ""))
        entries = [e for e in self.source.entries if not is_system_file(e.name)]
        if not entries:
            raise QuizgenError("no files to grade here (an empty folder or zip?); give the folder or .zip of the "
                               "notebooks handed in", file=path)
        self._rows = []
        with self.source.opened() as read:
            for line, entry in enumerate(entries, 1):
                self._rows.append(self._submission(line, entry, read, question_ids, keys_for))
        self.has_fingerprint = any(row.fingerprint for row in self._rows)

    def _submission(self, line: int, entry: Entry, read, question_ids, keys_for) -> Submission:
        if entry.special:
            return _rejected(line, entry.name, entry.special)
        if entry.size > MAX_NOTEBOOK:
            return _rejected(line, entry.name, f"larger than {MAX_NOTEBOOK // 2 ** 20} MB: not read")
        if entry.name.lower().endswith(".zip"):
            return _rejected(line, entry.name, "a zip inside: unzip it, and grade the folder")
        try:
            data = read(entry.name)
        except _READ_ERRORS as error:
            return _rejected(line, entry.name, f"cannot be read ({error.__class__.__name__}: {str(error)[:80]})")
        notebook, why = load_notebook(data)
        if notebook is None:
            kind = Path(entry.name).suffix.lower()
            return _rejected(line, entry.name, f"a {kind} file, not a notebook" if kind and kind != ".ipynb"
                             and why.startswith("not a notebook") else why)
        student, version, answers, fingerprint, problem = read_notebook(notebook, question_ids, keys_for)
        if problem and problem[0] == "bad_signature" and not keys_for(""):
            raise QuizgenError("the notebooks are signed, and no signing key is at hand: grade with the key.json "
                               "written with them (--key), or on the machine that wrote them (or set "
                               "QUIZGEN_SIGNING_KEY)", file=self.path)
        reason, detail = problem or ("", "")
        submitted = (entry.modified, entry.modified, entry.modified.strftime("%Y-%m-%d %H:%M:%S")) \
            if entry.modified else None
        return Submission(line, student, version, answers, detail, fingerprint, submitted, file=entry.name,
                          reason=reason)

    def rows(self) -> Iterator[Submission]:
        return iter(self._rows)


def _rejected(line: int, name: str, detail: str) -> Submission:
    return Submission(line, "", "", {}, detail, file=name, reason="not_a_notebook")


# --- graded copies ---------------------------------------------------------------------------------------

class NotebookReturner:
    """Writes each graded student's notebook back with the feedback in it: after the title cell, the score;
    after each answer cell, a Markdown cell with its verdict, diagnosis and worked solution (the section of
    feedback/<student>.md, without the question, which is just above). Under returned/, at the path the
    notebook had in the folder or zip (an LMS matches files returned in a zip by those names)."""

    FOLDER = "returned"

    def __init__(self, source: NotebookSource):
        self.source = source

    def write(self, folder: Path, student, renderer, words, lang: str) -> None:
        name = student.submission.file
        notebook, _ = load_notebook(self.source.read(name))
        identity = identity_of(notebook) or {}
        # a graded copy handed in again: its old feedback goes, the new replaces it
        notebook["cells"] = [c for c in notebook["cells"] if not {"feedback", "graded"} & set(_role(c))
                             and not (c.get("cell_type") == "markdown" and isinstance(c.get("id"), str)
                                      and _FEEDBACK_ID.match(c["id"]))]
        cells = notebook["cells"]
        answer_at = {question: index for question, (index, _) in answer_cells(notebook, identity).items()}
        minor = notebook.get("nbformat_minor")
        with_ids = notebook.get("nbformat") == 4 and isinstance(minor, int) and minor >= 5    # ids from 4.5 on
        taken = {c.get("id") for c in cells if isinstance(c.get("id"), str)}

        def cell(text: str, role: dict, stem: str) -> dict:
            made = {"cell_type": "markdown", "metadata": {METADATA: role}, "source": text}
            if with_ids:
                made["id"] = stem if stem not in taken else f"{stem}-{len(taken)}"
                taken.add(made["id"])
            return made
        inserts = []      # (after index, cell): inserted from the last, so that indexes hold
        for number, item in enumerate(student.items, 1):
            question = item.question["id"]
            section = renderer.render("feedback/item.md.j2", item=item, w=words, lang=lang, question_shown=True)
            if question in answer_at:
                where, text = answer_at[question], section
            else:
                prompt = next((i for i, c in enumerate(cells) if _role(c).get("question") == question
                               and _role(c).get("role") == "prompt"), len(cells) - 1)
                where, text = prompt, f"{words.notebook_not_found}\n\n{section}"
            inserts.append((where, number, cell(text.strip() + "\n", {"feedback": question}, f"feedback-{number}")))
        title = next((i for i, c in enumerate(cells) if _role(c).get("role") == "title"
                      or (c.get("cell_type") == "markdown" and _identity_comment(_text(c.get("source"))))), -1)
        summary = renderer.render("ipynb/graded.md.j2", s=student, w=words, lang=lang).strip() + "\n"
        inserts.append((title, 0, cell(summary, {"graded": True}, "graded")))
        for where, _, made in sorted(inserts, key=lambda x: (x[0], x[1]), reverse=True):
            cells.insert(where + 1, made)
        path = folder / self.FOLDER / self.source.returned[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True)
            data = text.encode("utf-8")
        except UnicodeEncodeError:      # a lone surrogate the student's file held: written escaped, as JSON allows
            data = json.dumps(notebook, indent=1, ensure_ascii=True, sort_keys=True).encode("ascii")
        partial.write_bytes(data + b"\n")
        os.replace(partial, path)


def _role(cell: dict) -> dict:
    metadata = cell.get("metadata")
    role = metadata.get(METADATA) if isinstance(metadata, dict) else None
    return role if isinstance(role, dict) else {}


def safe_relative(name: str) -> Path:
    """A path inside the output folder for a name from a zip: no absolute path, drive or '..' (zip slip)."""
    parts = [p for p in re.split(r"[\\/]", name) if p not in ("", ".", "..") and not re.match(r"^[A-Za-z]:$", p)]
    return Path(*parts) if parts else Path("notebook.ipynb")


def zip_folder(folder: Path, target: Path) -> None:
    """``folder``'s files in a zip at ``target``, by name, with a fixed date: the same files, the same bytes."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
