"""Writing outputs so that nothing is ever half-written: everything is rendered first, written to a
temporary folder beside the target, then moved into place file by file with atomic renames."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from .errors import QuizgenError


def write_files(out_dir: str | Path, files: dict[str, bytes], owned_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Write {relative path: content} under out_dir; a failure leaves out_dir as it was. Each of
    ``owned_dirs`` (e.g. feedback/) is replaced whole, so no file of an earlier run is left in it."""
    with Staging(out_dir, owned_dirs) as staging:
        for name, content in files.items():
            staging.write(name, content)
        return staging.commit()


class Staging:
    """A temporary folder beside ``out_dir`` that files are written into (whole, or streamed with
    ``open``), then moved into place by ``commit``; leaving the block without committing removes it."""

    def __init__(self, out_dir: str | Path, owned_dirs: tuple[str, ...] = ()):
        self.out_dir, self.owned_dirs = Path(out_dir), owned_dirs
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise QuizgenError("exists and is not a directory; --out needs a directory", file=str(out_dir))
        parent = self.out_dir.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.", dir=parent))
            for folder in owned_dirs:
                (self.folder / folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise QuizgenError(f"cannot write here ({error.strerror})", file=str(out_dir)) from None
        self.names: dict[str, None] = {}     # in the order first written

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
            self.names[name] = None
        return path

    def write(self, name: str, content: bytes) -> None:
        try:
            self.path(name).write_bytes(content)
        except OSError as error:
            raise QuizgenError(f"cannot write output ({error.strerror})", file=str(self.out_dir)) from None

    def open(self, name: str):
        """A text file to stream into (UTF-8, newlines as written: CSV writes its own)."""
        return open(self.path(name), "w", encoding="utf-8", newline="")  # noqa: SIM115 - the caller closes it

    def commit(self) -> list[Path]:
        """Move everything into out_dir: each owned folder whole, every other file by an atomic rename.
        Return the files moved one by one and the owned folders."""
        out_dir, staging = self.out_dir, self.folder
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for folder in self.owned_dirs:
                if (out_dir / folder).is_dir():
                    os.replace(out_dir / folder, staging / ".old")
                os.replace(staging / folder, out_dir / folder)
                shutil.rmtree(staging / ".old", ignore_errors=True)
            written = [out_dir / folder for folder in self.owned_dirs]
            for name in self.names:
                target = out_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, target)
                written.append(target)
            return written
        except OSError as error:
            raise QuizgenError(f"cannot write output ({error.strerror})", file=str(out_dir)) from None


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
