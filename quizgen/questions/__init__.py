"""Question types are plug-ins: each module here registers one type; the pipeline knows none by name."""
from __future__ import annotations

import importlib
import pkgutil

from ..generate.bank import Bank, QuestionSpec
from ..generate.sampling import Spaces, spaces_of
from .fields import conv_fields, ndim_of

TYPES: dict[str, "QuestionType"] = {}


def register(cls):
    TYPES[cls.name] = cls()
    return cls


class QuestionType:
    """What every question type provides; the defaults suit a convolution a torch user would write.

    A type declares itself: ``summary`` (what it asks, for the schema and --help), ``fields`` (the bank
    fields it reads beyond those every question has, each with its schema and bounds: the bank schema is
    written from them, see fields.py) and the words its prompts, steps and mistakes use (templates/<lang>/,
    checked for every type and language by tests/questions/test_contract.py)."""

    name = ""
    summary = ""
    fields: dict = conv_fields()
    default_valid: bool | None = True   # True: only configurations torch accepts; None: any
    constraint_hint = ""                # appended to "no configuration meets the constraints"
    picture = "padded"                  # how problem sets may draw it: padded, unpadded (the padding is the
                                        # answer), or None (no picture: the configuration may be invalid)

    def ndim(self, question: QuestionSpec) -> int:
        """The question's spatial dimensions: its ``op``'s (conv1d: 1), else 2."""
        return ndim_of(self.fields, question.fields)

    def spaces(self, question: QuestionSpec, bank: Bank) -> Spaces:
        return spaces_of(question, bank, self)

    def accepts(self, config, reasons: list[str]) -> bool:
        """Type-specific filter on a drawn configuration."""
        return True

    def content(self, question: QuestionSpec, bank: Bank, config, rng):
        """What a version draws beyond its configuration (an image's values, say), as hashable data. The
        build is a function of (question, configuration, content) only, so versions that draw the same
        share one draft: built, solved and rendered once."""
        return None

    def build(self, question: QuestionSpec, bank: Bank, config, content, version: str, number: int):
        raise NotImplementedError

    def lab(self, question) -> list[str]:
        """Python lines that build in torch what the question gives, never its answer: the input ``x`` (its
        values where the question shows them, else random; batch and channels of 1 unless the question says)
        and the layer ``layer`` as the prompt writes it (its weights set where the question gives a kernel).
        A lab notebook runs them before the answer cell, after ``import torch`` and ``from torch import nn``;
        they must run without error (tests/export/test_notebook.py runs every type's). ``question``: a Draft or
        a Question (what is read: its params and its context, the prompt's facts)."""
        lines = [lab_input(question.params)]
        call = question.context.get("call")
        if call:
            lines.append(f"layer = {call}")
        return lines


def lab_input(params: dict, batch: int = 1, channels: int = 1) -> str:
    """``x = ...``: the question's input as an (N, C, H, W) (or (N, C, L)) float tensor."""
    shape = (batch, channels, *params["input_shape"])
    if "image" in params:
        return f"x = torch.tensor({params['image']!r}, dtype=torch.float32).reshape{shape}"
    return f"x = torch.randn{shape}"


def get(name: str) -> QuestionType:
    return TYPES[name]


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
