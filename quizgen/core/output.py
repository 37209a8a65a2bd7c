"""Writing outputs so that nothing is ever half-written, and --out holds exactly one run's outputs.

Everything is rendered first and written to a temporary folder beside the target, which then takes the
target's place (two renames: the old folder aside, the new one in, the old one removed); a failed run
leaves the output directory as it was. A manifest (``.quizgen.json``) lists what the run wrote: each file
with its SHA-256, and each folder written whole (feedback/) with its count and a digest of its names. The
next run into the same folder refuses (exit 2, naming the file) to touch a folder holding files quizgen did
not write, files changed since it wrote them (a response sheet filled in where it was written), the outputs
of another command, or a folder inside an earlier run's outputs.
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

from .. import __version__
from .errors import QuizgenError

MANIFEST = ".quizgen.json"
SHOWN = 3                   # files named in a refusal


def check_target(out_dir: str | Path, command: str, contents: bool = True) -> dict:
    """What an earlier run left in ``out_dir`` (its manifest, {} if none), once it is known that this run may
    replace it whole; raises a QuizgenError naming what it must not touch. ``contents``: also check that no
    file changed since it was written (its SHA-256), not only which files are there."""
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
    folders = manifest.get("folders", {})
    found = list(_files(out_dir, tuple(folders)))
    listed = manifest.get("files", {})
    foreign = [name for name in found if name not in listed]
    if foreign or (found and not manifest):
        raise QuizgenError(f"holds files quizgen did not write ({_shown(foreign)}); --out gets exactly one run's "
                           "outputs: choose a new or empty folder, or move them out", file=str(out_dir),
                           field="--out")
    for folder, written in folders.items():
        now = listing(out_dir / folder)
        if now != written:
            raise QuizgenError(f"{folder}/ holds other files than quizgen wrote there ({written['count']} then, "
                               f"{now['count']} now); --out gets exactly one run's outputs: move yours out",
                               file=str(out_dir), field="--out")
    if manifest and manifest.get("command") != command:
        raise QuizgenError(f"holds the outputs of `quizgen {manifest.get('command')}`; write the outputs of "
                           f"`quizgen {command}` to another folder (--out)", file=str(out_dir), field="--out")
    changed = [name for name in found if contents and _sha256(out_dir / name) != listed[name]]
    if changed:
        raise QuizgenError(f"{_shown(changed)} changed since quizgen wrote it (filled in?); this run would replace "
                           "it: move it out of the folder (and use it from there), or choose another --out",
                           file=str(out_dir), field="--out")
    return manifest


def _shown(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise QuizgenError(f"{MANIFEST} is not readable (edited?); choose another --out, or empty this one",
                           file=str(out_dir), field="--out") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) \
            or not isinstance(manifest.get("folders", {}), dict):
        raise QuizgenError(f"{MANIFEST} is not quizgen's manifest; choose another --out", file=str(out_dir),
                           field="--out")
    return manifest


def _files(out_dir: Path, folders: tuple[str, ...]):
    """Every file under out_dir (relative, '/'-separated) but the manifest and the folders written whole."""
    for folder, dirs, files in os.walk(out_dir):
        relative = Path(folder).relative_to(out_dir).as_posix()
        prefix = "" if relative == "." else relative + "/"
        dirs[:] = sorted(d for d in dirs if prefix + d not in folders)
        for name in sorted(files):
            if prefix + name != MANIFEST:
                yield prefix + name


def listing(folder: Path) -> dict:
    """How many files a folder written whole holds, and a digest of their names in any order (a million
    feedback pages are not listed one by one in the manifest)."""
    count, total = 0, 0
    for root, _, files in os.walk(folder):
        relative = Path(root).relative_to(folder).as_posix()
        for name in files:
            count += 1
            path = name if relative == "." else f"{relative}/{name}"
            total += int.from_bytes(hashlib.blake2b(path.encode(), digest_size=16).digest(), "big")
    return {"count": count, "names": format(total % (1 << 128), "032x")}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_files(out_dir: str | Path, files: dict[str, bytes], command: str = "generate",
                checked: dict | None = None) -> list[Path]:
    """Write {relative path: content} as out_dir's whole content; a failure leaves out_dir as it was.
    ``checked``: the manifest check_target already returned for out_dir (its files are not hashed again)."""
    with Staging(out_dir, command=command, checked=checked) as staging:
        for name, content in files.items():
            staging.write(name, content)
        return staging.commit()


class Staging:
    """A temporary folder beside ``out_dir`` that files are written into (whole, or streamed with
    ``open``); ``commit`` makes it ``out_dir``; leaving the block without committing removes it.
    ``owned_dirs`` (feedback/) are written whole: their files are counted, not listed one by one."""

    def __init__(self, out_dir: str | Path, owned_dirs: tuple[str, ...] = (), command: str = "generate",
                 checked: dict | None = None):
        self.out_dir, self.owned_dirs, self.command = Path(out_dir), owned_dirs, command
        self.previous = check_target(out_dir, command) if checked is None else checked
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
        folder may also be written straight into ``folder``: the folder is counted whole.)"""
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
        """Make the staging folder ``out_dir``, with its manifest: the earlier folder is renamed aside, the
        new one renamed in (or, if that fails, the earlier one back), then the earlier one removed. Return
        the files written (each owned folder counts as one)."""
        out_dir, staging = self.out_dir.resolve(), self.folder
        files = {name: digest or _sha256(staging / name) for name, digest in self.names.items()}
        manifest = {"generator": f"quizgen {__version__}", "command": self.command, "files": files,
                    "folders": {folder: listing(staging / folder) for folder in self.owned_dirs}}
        try:
            (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
            check_target(out_dir, self.command, contents=False)      # nothing new crept in while we worked
            _swap(staging, out_dir)
        except OSError as error:
            raise QuizgenError(f"cannot write output ({error.strerror}); the folder is as it was",
                               file=str(self.out_dir)) from None
        return [self.out_dir / folder for folder in self.owned_dirs] + [self.out_dir / name for name in files]


def _swap(staging: Path, out_dir: Path) -> None:
    """``staging`` becomes ``out_dir`` (which holds nothing but an earlier run's outputs: check_target)."""
    if not out_dir.exists():
        os.chmod(staging, 0o777 & ~_umask())        # mkdtemp's folder is private; an output folder is not
        os.rename(staging, out_dir)
        return
    os.chmod(staging, os.stat(out_dir).st_mode & 0o7777)
    aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
    os.rmdir(aside)
    os.rename(out_dir, aside)
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(aside, out_dir)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
