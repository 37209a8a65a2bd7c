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
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QuizgenError("exists and is not a directory; --out needs a directory", file=str(out_dir))
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except OSError as error:
        raise QuizgenError(f"cannot write here ({error.strerror})", file=str(out_dir)) from None
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        written = []
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in owned_dirs:
            (staging / folder).mkdir(parents=True, exist_ok=True)
            if (out_dir / folder).is_dir():
                os.replace(out_dir / folder, staging / ".old")
            os.replace(staging / folder, out_dir / folder)
            shutil.rmtree(staging / ".old", ignore_errors=True)
        for name in files:
            target = out_dir / name
            if not any(name.startswith(folder + "/") for folder in owned_dirs):   # those moved in whole above
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, target)
            written.append(target)
        return written
    except OSError as error:
        raise QuizgenError(f"cannot write output ({error.strerror})", file=str(out_dir)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)



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
