"""Stage 4: texts. Drafts become Questions (prompt, labelled steps, answer texts) through Jinja2 templates.

Student-facing words live in templates/<lang>/ only; users override any template with --templates DIR.
"""
from __future__ import annotations

import base64
import functools
import json
import re
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from ..answers.kinds import answer_text, notations
from ..arithmetic.conv import shape_text
from ..core.caches import remember
from ..core.errors import QuizgenError
from ..core.numbers import decimal_text, exact_text, format_number, people_number
from ..core.paths import cache_folder, data_dir
from ..core.record import Draft, Question

SVG_CACHE = 4096   # pictures kept for reuse in one run
ONCE_CACHE = 20_000   # rendered parts of shared question records kept (see Renderer.once)


def _compiled_templates():
    """Templates compiled by an earlier run, kept in the user's cache folder (Jinja2 checks each against its
    source): compiling them all is a fifth of a small job."""
    folder = cache_folder("templates")
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


class Renderer:
    """One Jinja2 environment per run: templates compile once and are reused for every question."""

    def __init__(self, overrides: str | Path | None = None):
        searchpath = [str(data_dir("templates"))]
        if overrides is not None:
            if not Path(overrides).is_dir():
                raise QuizgenError("no such directory; --templates needs a directory of template overrides",
                                   file=str(overrides))
            searchpath.insert(0, str(overrides))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(searchpath), bytecode_cache=_compiled_templates(),
            autoescape=jinja2.select_autoescape(["html", "xml", "html.j2", "xml.j2", "svg.j2"],
                                                default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.env.filters.update(
            matrix=matrix_lines, num=format_number, exact=exact_text, decimal=decimal_text,   # numbers
            score=people_number, shape=lambda sizes: shape_text(sizes, "×"), rows=as_rows,
            md_code=markdown_code, md_text=markdown_text, code_spans=html_code_spans,       # Markdown, HTML
            cloze=cloze_text, category=category_name, gift=gift_text, notations=notations,  # Moodle, GIFT
            moodle_name=moodle_name,
            typ=typst_text, typ_string=typst_string, typ_raw=typst_raw, typ_code_spans=typst_code_spans,  # PDF
            typst_math=typst_math,
            mathml=mathml,                                                                 # HTML, QTI 2.1
            typed_forms=typed_forms, equation_src=equation_src,                           # Canvas
            b64=lambda text: base64.b64encode(str(text).encode("utf-8")).decode("ascii"))
        self.env.globals.update(svg=self.svg, asset=self.asset, once=self.once)
        self._words: dict[str, object] = {}
        self._svgs: dict[tuple, Markup] = {}
        self._once: dict[tuple, tuple] = {}

    def template(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise QuizgenError(f"template syntax error: {error.message}", file=error.filename or name,
                               line=error.lineno) from None
        except jinja2.TemplateNotFound:
            raise QuizgenError("template not found in the overrides or the shipped templates",
                               file=name) from None

    def render(self, name: str, **context) -> str:
        try:
            return self.template(name).render(**context)
        except jinja2.UndefinedError as error:
            raise QuizgenError(f"template uses an undefined value: {error.message}", file=name) from None

    def prompt(self, name: str, **context) -> tuple[str, str]:
        """A prompt template's text (the question) and its ``instruction`` (how to write the answer down:
        shown with typed answers, left out where an LMS lays out blanks or choices), each on one line."""
        try:
            module = self.template(name).make_module(context)
        except jinja2.UndefinedError as error:
            raise QuizgenError(f"template uses an undefined value: {error.message}", file=name) from None
        return " ".join(str(module).split()), " ".join(str(getattr(module, "instruction", "")).split())

    def svg(self, question, lang: str, key: bool, still: int | None = None) -> Markup:
        """The picture of a question as inline SVG ("" when it has none): in a key, with the output and the
        sliding window; in a problem set, only where the bank asks (picture: true), never the answer.
        ``still``: a key's picture with the window fixed at that position (print has no animation)."""
        from .. import questions  # noqa: PLC0415
        from . import pictures  # noqa: PLC0415

        q = question if isinstance(question, dict) else question.__dict__
        mode = questions.get(q["type"]).picture
        if mode is None or not (key or q.get("picture")):
            return Markup("")
        # A problem set never draws a padding to work out: the answer (same_padding) or a step ('same').
        padded = key or (mode == "padded" and not isinstance(q["params"]["padding"], str))
        # Versions, formats and students often share a configuration: draw each one once per run.
        cache_key = (json.dumps(q["params"], sort_keys=True), padded, key, lang, still)
        if cache_key not in self._svgs:
            layout = pictures.picture(q["params"], with_output=key, padded=padded)
            if layout is not None and still is not None and still >= len(layout.frames):
                layout = None
            svg = "" if layout is None else self.render("svg/convolution.svg.j2", p=layout, w=self.words(lang),
                                                        key=key, still=still)
            remember(self._svgs, cache_key, Markup(svg), SVG_CACHE)
        return self._svgs[cache_key]

    def once(self, owner, name: str, macro, *args):
        """``macro(*args)``, rendered once per (owner, name) in a run: the versions that share a question
        record (and so its LMS item) share its rendered texts. ``name`` must say everything the result
        depends on besides ``owner`` (the template, the macro, its arguments)."""
        key = (id(owner), name)
        found = self._once.get(key)
        if found is None or found[0] is not owner:
            found = remember(self._once, key, (owner, macro(*args)), ONCE_CACHE)
        return found[1]

    def asset(self, name: str) -> Markup:
        """A file of the templates folder (a script, a style), included as it is."""
        try:
            return Markup(self.env.loader.get_source(self.env, name)[0])
        except jinja2.TemplateNotFound:
            raise QuizgenError("asset not found in the overrides or the shipped templates", file=name) from None

    def words(self, lang: str):
        """templates/<lang>/words.j2: the labels and phrases of one language, as attributes."""
        if lang not in self._words:
            self._words[lang] = self.template(f"{lang}/words.j2").module
        return self._words[lang]

    def question(self, draft: Draft, lang: str) -> Question:
        w = self.words(lang)
        prompt, instruction = self.prompt(f"{lang}/prompts/{draft.type}.j2", q=draft, f=draft.context,
                                          p=draft.params, w=w)
        steps = [{**step.to_dict(), "text": self.step_text(step, w)} for step in draft.steps]
        answer = dict(draft.answer)
        answer["text"] = self.answer_written(draft)
        if "options" in answer:
            answer["options"] = [{**o, "text": w.options[o["code"]]} for o in answer["options"]]
        mistakes = [{**m, "text": self.mistake_text(draft, m, w)} for m in draft.mistakes]
        return Question(id=draft.id, number=draft.number, type=draft.type, title=draft.title,
                        points=draft.points, params=draft.params, prompt=prompt, instruction=instruction,
                        answer=answer, steps=steps, mistakes=mistakes, grading=draft.grading,
                        lms=draft.lms, picture=draft.picture, context=draft.context)

    @staticmethod
    def answer_written(draft: Draft) -> str:
        """The answer as the key prints it: exactly; or, where the bank grades within a tolerance, a repeating
        decimal to two places as the instructions ask (1.78, not 1.7777777777777777), when that text is itself
        graded right (the response sheet filled from the key must score 100%)."""
        answer = draft.answer
        exact = answer_text(answer["kind"], answer.get("letter", answer["value"]))
        if draft.grading["exact"] or answer["kind"] not in ("matrix", "sequence", "number"):
            return exact
        shown = answer_text(answer["kind"], _shown(answer["value"]))
        from ..answers.credit import mark  # noqa: PLC0415

        record = {"answer": answer, "mistakes": [], "grading": draft.grading}
        return shown if mark(record, shown).status == "correct" else exact

    @staticmethod
    def mistake_text(draft: Draft, mistake: dict, w) -> str:
        """A known mistake's wrong answer as a student would write it; the wrong shape it gives a matrix, or
        the wrong length it gives a sequence ("length 6": a bare 6 would read as a value)."""
        if mistake.get("of") != "shape":
            kind = draft.answer["kind"]
            rounded = not draft.grading["exact"] and kind in ("matrix", "sequence", "number")
            return answer_text(kind, _shown(mistake["value"]) if rounded else mistake["value"])
        if len(mistake["value"]) == 1:
            return str(w.length_of(mistake["value"][0]))
        return answer_text("shape", mistake["value"])

    @staticmethod
    def step_text(step, w) -> str:
        label = w.steps.get(step.kind)
        if label is None:       # a words.j2 of --templates that lacks a word (the shipped ones have them all)
            raise QuizgenError(f"no words for the step {step.kind!r}; allowed: a words.j2 whose steps name every "
                               "step the shipped one names", file=f"{w.language}/words.j2", field="steps")
        if step.dim:
            label = f"{label} ({w.dims[step.dim]})"
        return f"{label}: {step.text}"


def as_rows(data) -> list:
    """A matrix's rows; a sequence (a conv1d's input, kernel or output) as one row."""
    return [data] if data and not isinstance(data[0], (list, tuple)) else data


def matrix_lines(matrix) -> list[str]:
    """Rows of a matrix (or a sequence, as one row) with right-aligned columns, for plain-text and Markdown
    code blocks."""
    cells = [[format_number(v) for v in row] for row in as_rows(matrix)]
    width = max(len(c) for row in cells for c in row)
    return [" ".join(c.rjust(width) for c in row) for row in cells]


_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")   # every line ending a renderer may honour


def markdown_code(text) -> str:
    """Any text as one Markdown code span: shown literally, never read as Markdown or HTML. Line breaks
    show as ↵ (a code span cannot hold one)."""
    text = " ↵ ".join(_LINE_BREAK.split(str(text)))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_text(text) -> str:
    """Any text as literal Markdown prose: its punctuation escaped, its HTML neutralised."""
    out = []
    for char in _LINE_BREAK.sub(" ", str(text)):
        if char == "<":
            out.append("&lt;")
        elif char == "&":
            out.append("&amp;")
        elif char in "\\`*_{}[]()#+-.!|~>":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def html_code_spans(text) -> Markup:
    """Plain text with `code` spans (as prompts write torch calls) as escaped HTML with <code> elements."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(str(text)))))


def cloze_text(html) -> Markup:
    """HTML inside a Moodle cloze field's feedback: '}' would end the field, '~' start another answer
    (Moodle un-escapes only '\\}' and decodes entities)."""
    return Markup(str(escape(html)).replace("}", "\\}").replace("~", "&#126;"))


def category_name(text) -> str:
    """A name in a Moodle category path: one line, '/' doubled (a single one separates categories), and
    '<' '>' as look-alikes (Moodle strips anything that looks like a tag from category names)."""
    name = " ".join(str(text).split())[:MOODLE_NAME]     # Moodle stores at most 255 characters
    name = name.replace("/", "//").replace("<", "‹").replace(">", "›")
    # Moodle splits a path at a '/' with no '/' beside it: a name that starts or ends with one is padded with a
    # space (as Moodle's own export does), or its doubled slash would run into the separator
    return (" " if name.startswith("/") else "") + name + (" " if name.endswith("/") else "")


MOODLE_NAME = 255       # question_categories.name and question.name are char(255) (lib/db/install.xml)


def moodle_name(text) -> str:
    """A Moodle question name: one line, at most 255 characters."""
    return " ".join(str(text).split())[:MOODLE_NAME]


def gift_text(text) -> str:
    """Any text as GIFT text: backslashes doubled, then ~ = # { } : escaped, line breaks as \\n (as
    Moodle's own GIFT export writes them; TeX survives: \\neq is not a line break)."""
    text = str(text).replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def typed_forms(value) -> list[str]:
    """How students type a number in a text blank: 3 (and 3.0), 2.5 (and 2,5)."""
    text = exact_text(value)
    return [text, text + ".0"] if "." not in text else [text, text.replace(".", ",")]


MATHML = "http://www.w3.org/1998/Math/MathML"
MATHML_CACHE = 16_384   # formulas (and their forms) converted once per process


def mathml(tex) -> Markup:
    """A worked step's TeX as one inline MathML ``<math>`` element (browsers and QTI 2.1 players render it with
    no script), the TeX kept as its ``alttext``; TeX that latex2mathml cannot read stays TeX, in a <code>."""
    return _mathml(str(tex))


@functools.lru_cache(maxsize=MATHML_CACHE)
def _mathml(tex: str) -> Markup:
    try:
        content = _UNARY_MINUS.sub(r'\1<mo form="prefix">−</mo>', _math_content(tex))
        content = _MATRIX_CLOSE.sub(r'</mtable><mo stretchy="true" form="postfix">\1</mo>',
                                    _MATRIX_OPEN.sub(r'<mo stretchy="true" form="prefix">\1</mo><mtable>', content))
    except Exception:   # noqa: BLE001 - a formula the converter cannot read must not stop a run
        return Markup(f"<code>{escape(tex)}</code>")
    return Markup(f'<math xmlns="{MATHML}" display="inline" alttext="{escape(tex)}">{content}</math>')


# A minus after an opening bracket, a comma, a relation or an arrow is a sign: (-1), = -5 (latex2mathml writes
# one flat row, where a browser would space it as a binary minus: ( − 1)).
_UNARY_MINUS = re.compile(r"(<mo(?: [^>]*)?>[(\[,=→∈]</mo>)<mo>−</mo>")
# A matrix's brackets (bmatrix, pmatrix, vmatrix) in that flat row: as tall as the matrix.
_MATRIX_OPEN, _MATRIX_CLOSE = re.compile(r"<mo>([\[(|])</mo><mtable>"), re.compile(r"</mtable><mo>([\])|])</mo>")

# Conversions are slow (half a millisecond) and a run's formulas differ mostly in their numbers (a run of 200
# versions: 2,100 formulas, 45 forms): a formula is converted as its form, every number written 0, once, and
# its numbers put back into the <mn> elements, in order. latex2mathml writes each number as one <mn> (a sign
# as an <mo> before it), whatever its digits, where only commands that act on their own arguments are used
# (anything else, a number in \text{...} or right after ^ or _, is converted as it is).
# tests/export/test_mathml.py checks that every shipped step gives the same MathML both ways.
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
_SELF_CONTAINED = frozenset("\\" + name for name in (
    "cdot", "times", "to", "rightarrow", "Rightarrow", "frac", "lfloor", "rfloor", "lceil", "rceil", "left", "right",
    "begin", "end", "max", "min", "in", "geq", "leq", "neq", "ldots", "checkmark", "quad", " ", ",", ";", "{", "}",
    "\\"))
_PLACEHOLDER = "<mn>0</mn>"


def _math_content(tex: str) -> str:
    """What goes inside <math>: latex2mathml's row for the formula."""
    numbers = _NUMBER.findall(tex)
    if numbers and "^" not in tex and "_" not in tex.replace("_{", "") and \
            not re.search(r"\\[A-Za-z]+[0-9]", tex) and _SELF_CONTAINED.issuperset(_COMMAND.findall(tex)):
        parts = _form(_NUMBER.sub("0", tex)).split(_PLACEHOLDER)
        if len(parts) == len(numbers) + 1:
            out = [parts[0]]
            for number, part in zip(numbers, parts[1:]):
                out += [f"<mo>−</mo><mn>{number[1:]}</mn>" if number[0] == "-" else f"<mn>{number}</mn>", part]
            return "".join(out)
    return _converted(tex)


@functools.lru_cache(maxsize=MATHML_CACHE)
def _form(skeleton: str) -> str:
    return _converted(skeleton)


# What latex2mathml may write: it copies \text{...} as it is, so markup there would pass through.
_ELEMENTS = frozenset({"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
                       "msqrt", "mroot", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mstyle", "mpadded",
                       "mphantom", "menclose", "merror", "mfenced", "semantics", "annotation"})
_ATTRIBUTES = frozenset({"display", "stretchy", "fence", "form", "separator", "width", "height", "depth", "lspace",
                         "rspace", "mathvariant", "columnalign", "columnspacing", "rowspacing", "columnlines",
                         "rowlines", "frame", "framespacing", "movablelimits", "accent", "accentunder",
                         "linethickness", "displaystyle", "scriptlevel", "mathcolor", "mathbackground", "mathsize",
                         "minsize", "maxsize", "symmetric", "largeop", "notation", "voffset", "align", "open",
                         "close", "separators", "bevelled", "encoding"})


def _converted(tex: str) -> str:
    """latex2mathml's MathML for a formula, without its <math> element; ValueError unless it is well-formed
    MathML of known elements and attributes."""
    from xml.etree import ElementTree  # noqa: PLC0415

    from latex2mathml.converter import convert  # noqa: PLC0415 - 0.1 s to import: only runs that show math pay it

    element = convert(tex)
    try:
        tree = ElementTree.fromstring(element)
    except ElementTree.ParseError:
        raise ValueError(f"not well-formed MathML for {tex!r}") from None
    for node in tree.iter():
        namespace, _, name = str(node.tag).rpartition("}")
        if namespace != "{" + MATHML or name not in _ELEMENTS or not _ATTRIBUTES.issuperset(node.attrib):
            raise ValueError(f"unexpected MathML for {tex!r}: {name}")
    if not element.endswith("</math>"):
        raise ValueError(f"unexpected MathML for {tex!r}")
    return _CHARACTER.sub(_character, element[element.index(">") + 1:-len("</math>")])


_CHARACTER = re.compile(r"&#x([0-9A-Fa-f]+);")


def _character(reference: re.Match) -> str:
    """A character reference (latex2mathml writes every operator as one: &#x0003D;) as the character, a
    third of the size; markup characters stay references."""
    char = chr(int(reference.group(1), 16))
    return reference.group(0) if char in "<>&\"'" or not char.isprintable() else char


def equation_src(tex) -> str:
    """A Canvas equation image path: the TeX URL-encoded twice, as Canvas's editor writes it."""
    once = quote(str(tex), safe="-_.!~*'()")
    return quote(once, safe="-_.!~*'()")


def _shown(value):
    """Numbers as a person writes them (format_number: repeating decimals to two places), as Fractions."""
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return Fraction(format_number(value)) if isinstance(value, float) else value


_TYPST_SPECIAL = re.compile(r"""([\\#$*_`<>@\[\]~/=+\-'"{}])""")


def typst_text(text) -> str:
    """Any text as Typst markup: every character with a meaning there escaped (so no text can start a
    heading, a list, a comment or code), line breaks kept as paragraph breaks."""
    return _TYPST_SPECIAL.sub(r"\\\1", str(text)).replace("\r", "")


def typst_string(text) -> str:
    """Text inside a Typst string literal ("...")."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def typst_raw(text) -> str:
    """Text inside `...` (raw): a backtick cannot be escaped there, so it becomes a look-alike."""
    return " ".join(str(text).split("\n")).replace("`", "ˋ")


def typst_code_spans(text) -> str:
    """A prompt as Typst: its `code` spans raw, the rest escaped."""
    parts = str(text).split("`")
    return "".join(f"`{typst_raw(part)}`" if n % 2 else typst_text(part) for n, part in enumerate(parts))


def typst_math(tex):
    from .typst_math import tex_to_typst  # noqa: PLC0415
    return tex_to_typst(str(tex))
