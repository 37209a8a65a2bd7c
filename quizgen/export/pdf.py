"""Printed exams (pdf): per version handout/<version>/problems.pdf (title, version, lines for name and
signature, a QR code of the quiz's fingerprint and the version, every question with an answer box that does
not show the answer's shape, no answer anywhere) and keys/<version>/key.pdf (answers, worked solutions
typeset, common mistakes); and two booklets for one print job each, problems.pdf and keys.pdf, every
version starting on an odd page (duplex). Typeset by Typst (the `typst` wheel: no TeX distribution), from
templates/pdf/; byte-identical for the same bank and seed (no dates, no random ids)."""
from __future__ import annotations

import functools
import io
import re
import tempfile
from pathlib import Path

from . import Format, picture_name, register, version_path

PAPERS = {"a4": "a4", "letter": "us-letter"}
STRIP = 3        # window positions printed in a key, in place of the animation
VERSIONS_PER_PDF_PART = 10


@register
class Pdf(Format):
    name = "pdf"
    help = "printed exams: problems.pdf and key.pdf per version, and both booklets for one print job (Typst)"
    writes = "handout/<version>/problems.pdf, keys/<version>/key.pdf, problems.pdf, keys.pdf"
    needs = "the typst and segno wheels (installed by the set-up)"
    per_version = True
    check_versions = 2      # what could fail is typesetting a question, the same in every version

    def files(self, quizset, renderer):
        return self.join(quizset, [self.write(quizset, renderer, part) for part in self.parts(quizset)])

    def parts(self, quizset) -> list:
        # a PDF is costly (tens of milliseconds): small batches, so that --jobs shares them out evenly
        count = len(quizset.versions)
        return [range(start, min(start + VERSIONS_PER_PDF_PART, count))
                for start in range(0, count, VERSIONS_PER_PDF_PART)]

    def write(self, quizset, renderer, part):
        out = {}
        for index in part:
            version = quizset.versions[index]
            out[version_path(version, "problems", "problems.pdf")] = self.compile(quizset, renderer, [version],
                                                                                  "problems")
            out[version_path(version, "key", "key.pdf")] = self.compile(quizset, renderer, [version], "key")
        return out

    def join(self, quizset, written):
        files = {path: content for part in written for path, content in part.items()}
        paper = PAPERS[quizset.bank.paper]
        files["problems.pdf"] = booklet([files[version_path(v, "problems", "problems.pdf")] for v in quizset.versions],
                                        paper)
        files["keys.pdf"] = booklet([files[version_path(v, "key", "key.pdf")] for v in quizset.versions], paper)
        return files

    def compile(self, quizset, renderer, versions, kind: str, fmt: str = "pdf", ppi: int | None = None):
        """One Typst document of ``versions`` (one: a version's file; all: a booklet), compiled to PDF (bytes),
        or to PNG (one image per page: what the tests look at)."""
        import typst  # noqa: PLC0415

        if kind not in ("problems", "key"):
            raise ValueError(f"kind {kind!r}: allowed: 'problems' or 'key'")   # a caller's bug
        words = renderer.words(quizset.language)
        with tempfile.TemporaryDirectory(prefix="quizgen-pdf-") as folder:
            root = Path(folder)
            documents = []
            for n, version in enumerate(versions):
                qr = f"qr-{n}.svg"
                (root / qr).write_text(qr_svg(f"{quizset.fingerprint.text()} version={version.id}"), encoding="utf-8")
                pictures, strips = {}, {}
                for q in version.questions:
                    name = f"v{n}-" + picture_name(q, kind == "key").replace("/", "-")
                    if kind == "key":     # print has no animation: a strip of the first window positions
                        stills = [renderer.svg(q, quizset.language, True, still) for still in range(STRIP)]
                        for k, svg in enumerate(s for s in stills if s):
                            (root / f"{k}-{name}").write_text(str(svg), encoding="utf-8")
                            strips.setdefault(q.number, []).append(f"{k}-{name}")
                        if q.number in strips:
                            continue
                    svg = renderer.svg(q, quizset.language, kind == "key")
                    if svg:
                        (root / name).write_text(str(svg), encoding="utf-8")
                        pictures[q.number] = name
                documents.append({"version": version, "qr": qr, "pictures": pictures, "strips": strips})
            source = renderer.render("pdf/document.typ.j2", set=quizset, documents=documents, kind=kind, w=words,
                                     lang=quizset.language, paper=PAPERS[quizset.bank.paper])
            # the fonts inside the compiler only: the same bytes on every machine, and no font scan per document
            made = typst.compile(str(source).encode("utf-8"), root=str(root), format=fmt, ppi=ppi,
                                 ignore_system_fonts=True)
        return [made] if fmt == "png" and isinstance(made, bytes) else made   # one page: not a list


@functools.lru_cache(maxsize=4096)
def qr_svg(text: str) -> str:
    """A QR code (segno, error correction M) as SVG: the quiz's fingerprint and the version, for matching
    scanned pages later. A version's problems and key share it."""
    import segno  # noqa: PLC0415 - only printed exams need a QR code generator

    out = io.BytesIO()
    # one fixed mask: choosing the best of eight is most of segno's time, and any mask scans
    segno.make(text, error="m", mask=0, micro=False).save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return out.getvalue().decode("utf-8")


def booklet(documents: list[bytes], paper: str) -> bytes:
    """One PDF of ``documents`` in order, each starting on an odd page (a blank page after a document of an
    odd number of pages), for a single duplex print job: Typst places each page of each document as it is
    (vector, text kept). Deterministic: the same documents give the same bytes."""
    import typst  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="quizgen-booklet-") as folder:
        lines, total = [f'#set page(paper: "{paper}", margin: 0pt)', "#set document(date: none)"], 0
        for number, content in enumerate(documents):
            name = f"d{number}.pdf"
            (Path(folder) / name).write_bytes(content)
            if total % 2:
                lines.append("#pagebreak()\n#hide[.]")     # the blank back of an odd document's last page
                total += 1
            for page in range(1, page_count(content) + 1):
                if total:
                    lines.append("#pagebreak()")
                lines.append(f'#image("{name}", page: {page}, width: 100%, height: 100%)')
                total += 1
        return typst.compile("\n".join(lines).encode("utf-8"), root=folder, format="pdf", ignore_system_fonts=True)


def page_count(pdf: bytes) -> int:
    """The pages of a PDF Typst wrote: its page objects (Typst writes each one's /Type in the clear)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
