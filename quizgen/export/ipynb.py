"""Lab notebooks (ipynb): per version (per student with --roster) handout/<version>/lab-<version>.ipynb, a
Jupyter notebook (nbformat 4, written with the nbformat library) that opens in Jupyter and Colab and runs
top to bottom: a title cell, the bank's instructions, then per question a Markdown cell (prompt,
instruction, grids, options, the picture embedded where the bank asks) and an answer cell, a code cell
whose metadata is {"quizgen": {"question": <id>}} and whose placeholder (``respuesta_2 = None``) is valid
Python. With ``notebook: {torch_cells: true}`` in the bank, a cell before each answer cell builds the
question's input and layer in torch (question types' ``lab``). Without --roster, a cell asks for the
student's id.

The notebook's metadata carries the quiz fingerprint, the version, the student id and their signature (an
HMAC with the instructor's signing key, core/signing.py), so that grading (grade/notebooks.py) reads who and
which version from it and detects a notebook moved to another student or version. The title cell carries
the same, in an HTML comment, for a notebook whose metadata an editor dropped. Deterministic: the same bank,
seed and signing key give the same bytes (cell ids are made from the question numbers).
"""
from __future__ import annotations

import base64
import json

from . import PerVersion, register, version_path

NOTEBOOK_FORMAT = "quizgen-notebook/1"
METADATA = "quizgen"                 # the key of quizgen's metadata, in the notebook's and in its cells'
IDENTITY_MARK = "quizgen-notebook:"  # the title cell's HTML comment: <!-- quizgen-notebook: {...} -->
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def signed_fields(fingerprint: str, version: str, student_id: str | None) -> dict:
    """What a notebook's signature covers."""
    return {"format": NOTEBOOK_FORMAT, "fingerprint": fingerprint, "version": version, "student_id": student_id}


def notebook_name(version) -> str:
    return f"lab-{version.folder or version.id}.ipynb"


@register
class Ipynb(PerVersion):
    name = "ipynb"
    help = ("Jupyter/Colab lab notebooks, one per version (per student with --roster), signed; graded from a "
            "folder or .zip of the notebooks handed in")
    writes = "handout/<version>/lab-<version>.ipynb (and key.json, which holds the signing key)"
    needs = "the nbformat library (installed by the set-up)"
    signed = True
    with_formats = ("json",)        # the key of the notebooks holds their signing key

    def write(self, quizset, renderer, part):
        import nbformat  # noqa: PLC0415 - only notebooks need it

        if quizset.signing is None:
            raise ValueError("notebooks are signed: the quiz set needs a signing key")   # a caller's bug
        out = {}
        for index in part:
            version = quizset.versions[index]
            notebook = build_notebook(quizset, version, renderer)
            nbformat.validate(notebook)     # raises (nbformat.writes would only log it)
            out[version_path(version, "problems", notebook_name(version))] = \
                nbformat.v4.writes(notebook).encode("utf-8") + b"\n"
        return out

    def warnings(self, quizset):
        if quizset.roster:
            return []
        return ["the notebooks of --versions N name no student: each student writes their id in the notebook's "
                "id cell (with --roster, each notebook is signed for its student)"]


def build_notebook(quizset, version, renderer):
    """One version's notebook (an nbformat NotebookNode, version 4.5). Its cells are plain nodes, validated
    once with the whole notebook when it is written (nbformat's cell constructors validate each cell: half
    of the run)."""
    from nbformat import from_dict  # noqa: PLC0415

    words = renderer.words(quizset.language)
    student = version.id if quizset.roster else None
    signed = signed_fields(quizset.fingerprint.text(), version.id, student)
    identity = {**signed, "key_id": quizset.signing.id, "questions": [q.id for q in version.questions],
                "signature": quizset.signing.sign(signed)}
    context = {"set": quizset, "version": version, "w": words, "lang": quizset.language, "student": student,
               "torch_cells": quizset.bank.torch_cells}
    locked = {"editable": False, "deletable": False}

    def markdown(cell_id: str, template: str, role: dict, **extra):
        text = renderer.render(f"ipynb/{template}", **context, **extra).strip() + "\n"
        return {"cell_type": "markdown", "id": cell_id, "metadata": {**locked, METADATA: role}, "source": text}

    def code(cell_id: str, source: str, role: dict | None, deletable: bool = True):
        metadata = {METADATA: role} if role else {}
        if not deletable:
            metadata["deletable"] = False
        return {"cell_type": "code", "id": cell_id, "metadata": metadata, "execution_count": None, "outputs": [],
                "source": source.strip() + "\n" if source.strip() else ""}

    mark = json.dumps(identity, sort_keys=True, ensure_ascii=True)
    cells = [markdown("title", "title.md.j2", {"role": "title"}, identity=f"<!-- {IDENTITY_MARK} {mark} -->")]
    if quizset.bank.instructions:
        cells.append(markdown("instructions", "instructions.md.j2", {"role": "instructions"}))
    if quizset.bank.torch_cells:
        cells.append(code("setup", "import torch\nfrom torch import nn", {"role": "setup"}))
    if student is None:
        cells.append(code("student-id", renderer.render("ipynb/student_id.py.j2", **context),
                          {"role": "student_id"}, deletable=False))
    for q in version.questions:
        svg = renderer.svg(q, quizset.language, False)
        picture = ("data:image/svg+xml;base64," + base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
                   if svg else "")
        cells.append(markdown(f"q{q.number}-prompt", "question.md.j2", {"role": "prompt", "question": q.id},
                              q=q, picture=picture))
        lab = q.lab if quizset.bank.torch_cells else []
        if lab:
            cells.append(code(f"q{q.number}-torch", "\n".join(lab), {"role": "torch", "question": q.id}))
        cells.append(code(f"q{q.number}-answer", renderer.render("ipynb/answer.py.j2", **context, q=q,
                                                                 example=answer_example(q)),
                          {"question": q.id}, deletable=False))
    return from_dict({"nbformat": 4, "nbformat_minor": 5, "cells": cells, "metadata": {
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"}, METADATA: identity}})


def answer_example(question) -> str:
    """How an answer of this question's kind is written in Python (the kind's declared example)."""
    from ..answers.kinds import KINDS  # noqa: PLC0415

    kind = KINDS.get(question.answer["kind"])
    if kind is None or not kind.python:
        return ""
    if question.answer["kind"] == "choice":
        return json.dumps(question.answer["options"][0]["letter"])
    return kind.python
