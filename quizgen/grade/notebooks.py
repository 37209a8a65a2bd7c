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
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..core.errors import QuizgenError
from ..export.ipynb import IDENTITY_MARK, METADATA, NOTEBOOK_FORMAT, signed_fields
from .submissions import Submission, SubmissionFile

MAX_NOTEBOOK = 200 * 1024 * 1024         # bytes: a larger file is refused, not read (a zip bomb, a video)
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
SYSTEM_FOLDERS = {"__macosx", ".ipynb_checkpoints", ".git", ".trash"}
ANSWER_NAMES = ("respuesta", "answer")          # the placeholders' variables: respuesta_2, answer_2
STUDENT_NAMES = ("id_estudiante", "student_id")
_IDENTITY = re.compile(r"<!--\s*" + re.escape(IDENTITY_MARK) + r"\s*(\{.*?\})\s*-->", re.S)
_VALUE_CALLS = {"Size", "tensor", "Tensor", "array", "tuple", "list", "set", "frozenset"}


def is_notebook_source(path: str) -> bool:
    """Whether ``path`` names notebooks to grade: a folder, a .zip, or a .ipynb file."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in (".ipynb", ".zip")


@dataclass(frozen=True)
class Entry:
    name: str               # the file's path inside the folder or zip, with /
    size: int
    modified: datetime | None


class NotebookSource:
    """The files of a folder, a zip or a single notebook, read by name."""

    def __init__(self, path: str):
        self.path = path
        p = Path(path)
        if not p.exists():
            raise QuizgenError("no such file or folder", file=path)
        self.kind = "folder" if p.is_dir() else "zip" if p.suffix.lower() != ".ipynb" else "file"
        if self.kind == "zip":
            try:
                with zipfile.ZipFile(p) as archive:
                    infos = [i for i in archive.infolist() if not i.is_dir()]
            except (zipfile.BadZipFile, OSError) as error:
                raise QuizgenError(f"not a readable zip file ({error}); give the zip the LMS downloaded, or the "
                                   "folder it unzips to", file=path) from None
            self.members = {_zip_name(i): i.filename for i in infos}
            self.entries = sorted((Entry(_zip_name(i), i.file_size, _zip_time(i.date_time)) for i in infos),
                                  key=lambda e: e.name)
        elif self.kind == "folder":
            found = []
            for folder, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    full = Path(folder) / name
                    if full.is_symlink() or not full.is_file():
                        continue
                    stat = full.stat()
                    found.append(Entry(full.relative_to(p).as_posix(), stat.st_size,
                                       datetime.fromtimestamp(stat.st_mtime, timezone.utc)))
            self.entries = sorted(found, key=lambda e: e.name)
        else:
            stat = p.stat()
            self.entries = [Entry(p.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))]

    def read(self, name: str) -> bytes:
        p = Path(self.path)
        if self.kind == "zip":
            with zipfile.ZipFile(p) as archive:
                return archive.read(self.members[name])
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
            match = _IDENTITY.search(_text(cell.get("source")))
            if match:
                try:
                    found = json.loads(match.group(1))
                except ValueError:
                    continue
                if isinstance(found, dict) and found.get("format") == NOTEBOOK_FORMAT:
                    return found
    return None


def signature_problem(identity: dict, keys: list) -> str:
    """Why the identity's signature is not good ("" when it is): made with a key at hand, over its fields."""
    fields = [identity.get(k) for k in ("fingerprint", "version")]
    student = identity.get("student_id")
    if not all(isinstance(f, str) and f for f in fields) or not (student is None or isinstance(student, str)):
        return "its quizgen metadata is incomplete (fingerprint, version, student_id)"
    key = next((k for k in keys if k.id == identity.get("key_id")), None)
    if key is None:
        held = ", ".join(k.id for k in keys)
        return (f"signed with the signing key {str(identity.get('key_id'))[:12]!r}, not with this quiz's ({held}): "
                "made by another quizgen set-up (grade with the key.json of the run that wrote it: --key)")
    if not key.verifies(signed_fields(*fields, student), identity.get("signature")):
        claims = f"student {student!r}, version {fields[1]!r}" if student is not None else f"version {fields[1]!r}"
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
    if chosen is None:                  # code ending in a block (with, for, if): what it printed, if anything
        return _output_text(outputs or []) or _stripped(source)
    node = chosen.value
    if node is None or (isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis)):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip() or None
    if not _is_value(node):
        shown = _output_text(outputs or [])
        if shown:
            return shown
    return ast.get_source_segment(source, node) or _stripped(source)


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


def _output_text(outputs: list) -> str | None:
    """The last result the cell showed (an execute_result's text, or what it printed)."""
    for output in reversed(outputs):
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
    lines = text.splitlines()
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


def _text(value) -> str:
    """A notebook's multi-line string: a string, or a list of lines."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


# --- the submissions -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """A notebook read: its submission, and where each question's answer cell is (for the graded copy)."""
    submission: Submission
    cells: dict             # question id -> index of its answer cell


def read_notebook(notebook: dict, question_ids: list[str], keys: list) -> tuple[str, str, dict, str, tuple]:
    """(student id, version, {question id: answer}, fingerprint, problem) of a loaded notebook; ``problem``
    is (reason, detail) when it cannot be graded, else ()."""
    identity = identity_of(notebook)
    if identity is None:
        return "", "", {}, "", ("no_quizgen_metadata", "no quizgen metadata: not a notebook quizgen handed out (or "
                                                       "its metadata and title cell were removed)")
    problem = signature_problem(identity, keys)
    if problem:
        return "", str(identity.get("version", "")), {}, "", ("bad_signature", problem)
    cells = answer_cells(notebook, identity)
    answers = {}
    for question, index in cells.items():
        if question in question_ids:
            cell = notebook["cells"][index]
            text = answer_of(cell.get("source"), cell.get("outputs"), _names(identity, question))
            if text is not None:
                answers[question] = text
    student = identity.get("student_id")
    if student is None:
        student = _student_cell(notebook) or ""
    return student, identity["version"], answers, identity["fingerprint"], ()


def _names(identity: dict, question: str) -> tuple:
    questions = identity.get("questions") if isinstance(identity.get("questions"), list) else []
    number = questions.index(question) + 1 if question in questions else None
    return tuple(f"{name}_{number}" for name in ANSWER_NAMES) if number else ()


def answer_cells(notebook: dict, identity: dict) -> dict[str, int]:
    """Question id -> the index of its answer cell: of the code cells whose metadata names it or that assign
    the placeholder's variable (``respuesta_2 = ...``: an editor dropped the metadata, or the student wrote the
    answer in a cell of their own), the last that holds an answer (else the last)."""
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        role = (cell.get("metadata") or {}).get(METADATA) if isinstance(cell.get("metadata"), dict) else None
        if isinstance(role, dict) and isinstance(role.get("question"), str) and "role" not in role:
            found.setdefault(role["question"], []).append(index)
    questions = identity.get("questions") if isinstance(identity.get("questions"), list) else []
    for question in questions:
        if not isinstance(question, str):
            continue
        names = _names(identity, question)
        for index, cell in enumerate(notebook["cells"]):
            if cell.get("cell_type") == "code" and index not in found.get(question, []) and re.search(
                    r"^\s*(" + "|".join(map(re.escape, names)) + r")\s*=", _text(cell.get("source")), re.M):
                found.setdefault(question, []).append(index)
    chosen = {}
    for question, indexes in found.items():
        indexes = sorted(indexes)
        filled = [i for i in indexes if answer_of(notebook["cells"][i].get("source")) is not None]
        chosen[question] = (filled or indexes)[-1]
    return chosen


def _student_cell(notebook: dict) -> str | None:
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        role = (cell.get("metadata") or {}).get(METADATA) if isinstance(cell.get("metadata"), dict) else None
        source = _text(cell.get("source"))
        if (isinstance(role, dict) and role.get("role") == "student_id") or \
                re.search(r"^\s*(" + "|".join(STUDENT_NAMES) + r")\s*=", source, re.M):
            return answer_of(source, None, STUDENT_NAMES)
    return None


class NotebookSubmissions(SubmissionFile):
    """The notebooks of a folder, a zip or one file, as submissions (one per file, in the order of their
    names). Read once, kept (a course's notebooks are thousands at most; their answers are small)."""

    has_version = True

    def __init__(self, path: str, question_ids: list[str], keys: list):
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
        signed = False
        for line, entry in enumerate(entries, 1):
            submitted = (entry.modified, entry.modified, entry.modified.strftime("%Y-%m-%d %H:%M:%S")) \
                if entry.modified else None
            if entry.size > MAX_NOTEBOOK:
                self._rows.append(_rejected(line, entry.name, f"larger than {MAX_NOTEBOOK // 2 ** 20} MB: not read"))
                continue
            if entry.name.lower().endswith(".zip"):
                self._rows.append(_rejected(line, entry.name, "a zip inside: unzip it, and grade the folder"))
                continue
            notebook, why = load_notebook(self.source.read(entry.name))
            if notebook is None:
                kind = Path(entry.name).suffix.lower()
                self._rows.append(_rejected(line, entry.name, f"a {kind} file, not a notebook" if kind and
                                            kind != ".ipynb" and why.startswith("not a notebook") else why))
                continue
            signed = signed or identity_of(notebook) is not None
            if signed and not keys:
                raise QuizgenError("the notebooks are signed, and no signing key is at hand: grade with the key.json "
                                   "written with them (--key), or on the machine that wrote them (or set "
                                   "QUIZGEN_SIGNING_KEY)", file=path)
            student, version, answers, fingerprint, problem = read_notebook(notebook, question_ids, keys)
            reason, detail = problem or ("", "")
            self._rows.append(Submission(line, student, version, answers, detail, fingerprint, submitted,
                                         file=entry.name, reason=reason))
        self.has_fingerprint = any(row.fingerprint for row in self._rows)

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
        notebook["cells"] = [c for c in notebook["cells"] if not {"feedback", "graded"} & set(_role(c))]
        cells = notebook["cells"]
        answer_at = answer_cells(notebook, identity)
        with_ids = notebook.get("nbformat", 4) == 4 and notebook.get("nbformat_minor", 0) >= 5
        taken = {c.get("id") for c in cells}

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
                      or (c.get("cell_type") == "markdown" and _IDENTITY.search(_text(c.get("source"))))), -1)
        summary = renderer.render("ipynb/graded.md.j2", s=student, w=words, lang=lang).strip() + "\n"
        inserts.append((title, 0, cell(summary, {"graded": True}, "graded")))
        for where, _, made in sorted(inserts, key=lambda x: (x[0], x[1]), reverse=True):
            cells.insert(where + 1, made)
        path = folder / self.FOLDER / safe_relative(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                           encoding="utf-8")
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
