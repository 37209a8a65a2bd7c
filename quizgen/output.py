"""Writing outputs so that nothing is ever half-written, and --out holds exactly one run's outputs.

Everything is rendered first, written to a temporary folder beside the target, then moved into place with
atomic renames. A manifest (``.quizgen.json``) lists what the run wrote, with each file's SHA-256: the next
run into the same folder removes what it does not write again, and refuses (exit 2, naming the file) to
touch a folder holding files quizgen did not write, or files changed since it wrote them (a response sheet
filled in where it was written), or the outputs of another command.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from . import __version__
from .errors import QuizgenError

MANIFEST = ".quizgen.json"
SHOWN = 3                   # files named in a refusal


def check_target(out_dir: str | Path, command: str, owned_dirs: tuple[str, ...] = ()) -> dict:
    """What an earlier run left in ``out_dir`` (its manifest, {} if none), once it is known that this run may
    replace it: raises a QuizgenError naming what it must not touch."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QuizgenError("exists and is not a directory; --out needs a directory", file=str(out_dir))
    outer = next((p for p in out_dir.resolve().parents if (p / MANIFEST).is_file()), None)
    if outer is not None:
        raise QuizgenError(f"is inside {outer}, the outputs of an earlier quizgen run, which its next run replaces "
                           "whole; write beside it, not inside", file=str(out_dir), field="--out")
    if not out_dir.is_dir():
        return {}
    manifest = _read_manifest(out_dir)
    owned = tuple(manifest.get("folders", [])) + owned_dirs
    found = list(_files(out_dir, owned))
    if not found:
        return manifest
    listed = manifest.get("files", {})
    foreign = [name for name in found if name not in listed]
    if not manifest or foreign:
        shown = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
        raise QuizgenError(f"holds files quizgen did not write ({shown}); --out gets exactly one run's outputs: "
                           "choose a new or empty folder, or move them out", file=str(out_dir), field="--out")
    if manifest.get("command") != command:
        raise QuizgenError(f"holds the outputs of `quizgen {manifest.get('command')}`; write the outputs of "
                           f"`quizgen {command}` to another folder (--out)", file=str(out_dir), field="--out")
    changed = [name for name in found if _sha256(out_dir / name) != listed[name]]
    if changed:
        shown = ", ".join(changed[:SHOWN]) + (f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else "")
        raise QuizgenError(f"{shown} changed since quizgen wrote it (filled in?); this run would replace it: move "
                           "it out of the folder (and use it from there), or choose another --out",
                           file=str(out_dir), field="--out")
    return manifest


def _read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise QuizgenError(f"{MANIFEST} is not readable (edited?); choose another --out, or empty this one",
                           file=str(out_dir), field="--out") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise QuizgenError(f"{MANIFEST} is not quizgen's manifest; choose another --out", file=str(out_dir),
                           field="--out")
    return manifest


def _files(out_dir: Path, owned: tuple[str, ...]):
    """Every file under out_dir (relative, '/'-separated) but the manifest and owned folders' contents."""
    for folder, dirs, files in os.walk(out_dir):
        relative = Path(folder).relative_to(out_dir).as_posix()
        prefix = "" if relative == "." else relative + "/"
        dirs[:] = sorted(d for d in dirs if prefix + d not in owned)
        for name in sorted(files):
            if prefix + name != MANIFEST:
                yield prefix + name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_files(out_dir: str | Path, files: dict[str, bytes], owned_dirs: tuple[str, ...] = (),
                command: str = "generate") -> list[Path]:
    """Write {relative path: content} as out_dir's whole content; a failure leaves out_dir as it was. Each of
    ``owned_dirs`` (e.g. feedback/) is replaced whole."""
    with Staging(out_dir, owned_dirs, command) as staging:
        for name, content in files.items():
            staging.write(name, content)
        return staging.commit()


class Staging:
    """A temporary folder beside ``out_dir`` that files are written into (whole, or streamed with
    ``open``), then moved into place by ``commit``; leaving the block without committing removes it."""

    def __init__(self, out_dir: str | Path, owned_dirs: tuple[str, ...] = (), command: str = "generate"):
        self.out_dir, self.owned_dirs, self.command = Path(out_dir), owned_dirs, command
        self.previous = check_target(out_dir, command, owned_dirs)
        parent = self.out_dir.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.", dir=parent))
            for folder in owned_dirs:
                (self.folder / folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise QuizgenError(f"cannot write here ({error.strerror})", file=str(out_dir)) from None
        self.names: dict[str, str | None] = {}     # in the order first written -> SHA-256 (None: streamed)

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where to write ``name`` (its folder created); it is then part of the output. (Files of an owned
        folder may also be written straight into ``folder``: the folder moves whole, and a million of them
        are not listed one by one.)"""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not any(name.startswith(folder + "/") for folder in self.owned_dirs):
            self.names.setdefault(name, None)
        return path

    def write(self, name: str, content: bytes) -> None:
        try:
            self.path(name).write_bytes(content)
        except OSError as error:
            raise QuizgenError(f"cannot write output ({error.strerror})", file=str(self.out_dir)) from None
        if name in self.names:
            self.names[name] = hashlib.sha256(content).hexdigest()

    def open(self, name: str):
        """A text file to stream into (UTF-8, newlines as written: CSV writes its own)."""
        return open(self.path(name), "w", encoding="utf-8", newline="")  # noqa: SIM115 - the caller closes it

    def commit(self) -> list[Path]:
        """Make out_dir hold this run's outputs: each owned folder moved whole, every other file by an atomic
        rename, then what the earlier run wrote and this one did not removed, and the manifest written last.
        Return the files moved one by one and the owned folders."""
        out_dir, staging = self.out_dir, self.folder
        files = {name: digest or _sha256(staging / name) for name, digest in self.names.items()}
        manifest = {"generator": f"quizgen {__version__}", "command": self.command,
                    "folders": list(self.owned_dirs), "files": files}
        try:
            check_target(out_dir, self.command, self.owned_dirs)      # nothing new crept in while we worked
            out_dir.mkdir(parents=True, exist_ok=True)
            for folder in self.owned_dirs:
                if (out_dir / folder).is_dir():
                    os.replace(out_dir / folder, staging / ".old")
                os.replace(staging / folder, out_dir / folder)
                shutil.rmtree(staging / ".old", ignore_errors=True)
            written = [out_dir / folder for folder in self.owned_dirs]
            for name in files:
                target = out_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, target)
                written.append(target)
            stale = [name for name in self.previous.get("files", {}) if name not in files]
            for folder in self.previous.get("folders", []):
                if folder not in self.owned_dirs:
                    stale.append(folder)
            for name in stale:
                target = out_dir / name
                shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
            _remove_empty_folders(out_dir)
            (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            os.replace(staging / MANIFEST, out_dir / MANIFEST)
            return written
        except OSError as error:
            raise QuizgenError(f"cannot write output ({error.strerror})", file=str(out_dir)) from None


def _remove_empty_folders(out_dir: Path) -> None:
    """Folders an earlier run filled and this one left empty (v3/ when fewer versions are written)."""
    for folder, _, _ in os.walk(out_dir, topdown=False):
        if Path(folder) != out_dir and not os.listdir(folder):
            os.rmdir(folder)


def csv_bytes(rows) -> bytes:
    """Rows as RFC 4180 CSV in UTF-8 (what spreadsheets and LMS importers read)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of {name: content}, byte-identical for identical content (fixed timestamps, sorted names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
