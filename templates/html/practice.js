// quizgen practice page: reads answers with the grader's rules (quizgen/answers/parse.py, quizgen/answers/credit.py,
// ported line by line; tests/export/test_practice_page.py runs both on the same strings) and shows the verdict,
// the diagnosed mistake and the worked solution. No network, no dependencies: works from file://.
"use strict";
(function (root) {
  const TRANSLATE = {"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "\u00d7": "x", "\u2715": "x", "\uff0a": "*", "\uff1b": ";", "\uff0c": ",", "\uff08": "(", "\uff09": ")",
    "\uff3b": "[", "\uff3d": "]", "\r": "\n"};
  // Python's \s and the whitespace of its str.strip() and str.split() (str.isspace): JavaScript's \s and trim()
  // lack \x1c-\x1f and \x85 and have \ufeff. Every \s of answers/parse.py is S here, every strip() strip().
  const WS = String.raw`\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`, S = `[${WS}]`;
  const EDGE_SPACE = new RegExp(`^${S}+|${S}+$`, "g"), SPACES = new RegExp(`${S}+`);
  const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*|,[0-9]+)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?(?:\/[0-9]+)?$/;
  // Python's IGNORECASE also matches i with ı and İ (NFKC has already folded ſ and the Kelvin sign).
  const TORCH_SIZE = new RegExp(String.raw`^${S}*(?:torch\.)?s[iıİ]ze${S}*\(`, "i");
  const SIZE_TAIL = new Set(["shape"]);      // answers.kinds: the kinds with torch_size_tail
  const WRAPPER = new RegExp(String.raw`^(?:torch\.|np\.|numpy\.)?(?:tensor|array|s[iıİ]ze)\(([^]*?)(?:,${S}*` +
    String.raw`(?:dtype|dev[iıİ]ce|requ[iıİ]res_grad|grad_fn)${S}*=[^()]*)*\)$`, "i");
  const AROUND_X = new RegExp(`${S}*[x*]${S}*`), AROUND_COMMA = new RegExp(`${S}*,${S}*`);
  const CELL_SEPARATORS = new RegExp(`[${WS},]+`);
  const NUMBER_SEPARATORS = new RegExp(`[${WS};]+|,(?![0-9])|(?<![0-9]),`);
  const SET_SEPARATORS = new RegExp(`[${WS},;]+`);
  const RANGE = new RegExp(`^${S}*([+-]?[0-9]{1,12})${S}*\\.\\.${S}*([+-]?[0-9]{1,12})${S}*$`);
  const EMPTY_SET = ["", "none", "ninguno", "ninguna", "\u2205", "{}", "[]", "()"];
  const EXACT = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?(?:\/([0-9]+))?$/;
  const MAX_CHARS = 20000, MAX_MAGNITUDE = 10n ** 100n, DIAGNOSIS_TOLERANCE = 0.01;

  const blank = () => ({blank: true});
  const malformed = (problem, token = "") => ({malformed: true, problem, token});
  const parsed = (value) => ({value});

  function normalise(text) {
    let out = "";
    for (const ch of text.normalize("NFKC")) out += TRANSLATE[ch] !== undefined ? TRANSLATE[ch] : ch;
    return strip(out);
  }
  function strip(text) { return text.replace(EDGE_SPACE, ""); }                 // Python's str.strip()
  function words(text) { return strip(text).split(SPACES).filter(Boolean); }   // Python's str.split()
  function stripChars(text, chars) {
    let a = 0, b = text.length;
    while (a < b && chars.includes(text[a])) a++;
    while (b > a && chars.includes(text[b - 1])) b--;
    return text.slice(a, b);
  }
  function stripBrackets(text) {
    while (text.length >= 2 && ["()", "[]", "{}"].includes(text[0] + text[text.length - 1])) {
      text = strip(text.slice(1, -1));
    }
    return text;
  }
  function count(text, ch) { return text.split(ch).length - 1; }

  // Python's number() as its exact Fraction, {num, den} in BigInts (den > 0, not reduced); null where it gives None.
  function fraction(token) {
    token = normalise(token);
    if (!NUMBER.test(token)) return null;
    const [, sign, whole, decimals = "", exponent = "0", denominator = "1"] = EXACT.exec(token.replace(",", "."));
    let num = BigInt(whole + decimals || "0"), den = BigInt(denominator);
    const shift = Number(exponent) - decimals.length;
    if (shift >= 0) num *= 10n ** BigInt(shift);
    else den *= 10n ** BigInt(-shift);
    if (den === 0n) return null;
    if (sign === "-") num = -num;
    return (num < 0n ? -num : num) < MAX_MAGNITUDE * den ? {num, den} : null;
  }
  function binary(x) {   // the exact value of a double, {num, den} (x finite)
    let den = 1n;
    while (!Number.isInteger(x)) { x *= 2; den *= 2n; }   // exact: a double times 2 is a double
    return {num: BigInt(x), den};
  }
  // One number as a double. Python keeps it exact (a Fraction) and compares it exactly with the key's numbers,
  // which are doubles: a number no double equals (1.0000000000000001) comes back boxed, Object(value), which
  // computes like value but is === to nothing, so it is right or a known mistake only where Python says so.
  function number(token) {
    const exact = fraction(token);
    if (exact === null) return null;
    token = normalise(token);
    const slash = token.indexOf("/");
    const body = slash < 0 ? token : token.slice(0, slash);
    let value = parseFloat(body.replace(",", "."));
    if (slash >= 0) value /= parseInt(token.slice(slash + 1), 10);
    const double = binary(value);
    return exact.num * double.den === double.num * exact.den ? value : Object(value);
  }
  function numbers(parts) {
    const values = [];
    for (const part of parts) {
      const value = number(part);
      if (value === null) return malformed("not_a_number", strip(part));
      values.push(value);
    }
    return values;
  }

  function parseShape(text, expected, wrongCount) {
    const ndim = expected ? expected.length : 2;
    const inner = stripBrackets(text.toLowerCase());
    let parts;
    if (/[x*]/.test(inner)) parts = inner.split(AROUND_X);
    else if (inner.includes(";")) parts = inner.split(";");
    else if (inner.includes(",") && (inner.split(AROUND_COMMA).length === ndim ||
                                     inner.split(AROUND_COMMA).every((p) => number(p) !== null))) {
      parts = inner.split(AROUND_COMMA);      // so many sizes, as in 1, 1, 3, 3
    }
    else parts = words(inner);
    parts = parts.map(strip);
    if (parts.includes("") && parts.length > 1) return malformed("missing_size");
    const values = numbers(parts.filter(Boolean));
    if (values.malformed) return values;
    if (values.length !== ndim) return malformed(wrongCount || "dimensions", String(values.length));
    return parsed(values);
  }

  function parseTensorShape(text, expected) { return parseShape(text, expected, "sizes"); }

  function matrixRows(text) {
    if (count(text, "[") !== count(text, "]") || count(text, "(") !== count(text, ")")) return malformed("unbalanced");
    text = text.split("(").join("[").split(")").join("]");
    if (count(text, "[") >= 2) {
      const leftover = stripChars(text.replace(/\[[^\[\]]*\]/g, " "), " ,;\n[]");
      if (leftover) return /[0-9]/.test(leftover) ? malformed("unbalanced") : malformed("not_a_number", words(leftover)[0]);
      return Array.from(text.matchAll(/\[([^\[\]]*)\]/g), (m) => strip(m[1]));
    }
    const body = stripBrackets(text);
    if (body.includes("[") || body.includes("]")) return malformed("unbalanced");
    const rows = body.split(body.includes(";") ? ";" : "\n").map(strip).filter(Boolean);
    return rows.length ? rows : [body];
  }
  function rowCells(row, decimalComma) {
    if (decimalComma) row = row.replace(/(?<=[0-9]),(?=[0-9])/g, "\0");
    return row.split(CELL_SEPARATORS).filter(Boolean).map((c) => c.split("\0").join(","));
  }
  function rectangular(cells) { return new Set(cells.map((r) => r.length)).size === 1; }
  function bestReading(readings, expected, usual) {
    const expectedShape = (cells) => !!expected && expected.length > 0 && rectangular(cells) &&
      cells.length === expected.length && cells[0].length === expected[0].length;
    for (const fits of [expectedShape, rectangular]) {
      const chosen = readings.filter(fits);
      if (chosen.length === 1) return chosen[0];
    }
    return readings[usual];
  }
  function parseMatrix(text, expected) {
    const rows = matrixRows(text);
    if (rows.malformed) return rows;
    const readings = [false, true].map((decimal) => rows.map((row) => rowCells(row, decimal)));
    const cells = bestReading(readings, expected, text.includes("[") ? 0 : 1);
    if (cells.some((row) => row.length === 0)) return malformed("empty_row");
    if (!rectangular(cells)) return malformed("ragged", cells.map((r) => r.length).join(" / "));
    const values = cells.map(numbers);
    return values.find((v) => v.malformed) || parsed(values);
  }

  function parseSequence(text, expected) {
    const result = parseMatrix(text, expected && expected.length ? [expected] : null);
    if (result.malformed) return result;
    const rows = result.value;
    if (rows.length === 1) return parsed(rows[0]);
    if (rows.every((row) => row.length === 1)) return parsed(rows.map((row) => row[0]));
    return malformed("not_a_sequence", rows.length + "x" + rows[0].length);
  }

  function parsePadding(text, expected) {
    const ndim = expected ? expected.length : 2;
    const lowered = text.toLowerCase();
    if (ndim === 1) return padding1d(lowered);
    let groups;
    if (lowered.includes("[") || lowered.includes("(")) {
      const rows = matrixRows(lowered);
      if (rows.malformed) return rows;
      groups = rows.map((row) => rowCells(row, false));
      if (groups.length === 1) groups = groups[0].map((cell) => [cell]);
    } else if (lowered.includes("x") || lowered.includes("*")) {
      groups = lowered.split(AROUND_X).map((part) => rowCells(part, false));
    } else {
      groups = rowCells(lowered, false).map((cell) => [cell]);
    }
    if (ndim === 1 && groups.length === 2 && groups.every((g) => g.length === 1)) groups = [groups[0].concat(groups[1])];
    if (groups.length === 1) groups = Array(ndim).fill(groups[0]);
    if (groups.length !== ndim || groups.some((g) => g.length !== 1 && g.length !== 2)) {
      return malformed("padding_layout", String(groups.reduce((n, g) => n + g.length, 0)));
    }
    const values = [];
    for (const group of groups) {
      const nums = numbers(group);
      if (nums.malformed) return nums;
      values.push(nums.length === 1 ? [nums[0], nums[0]] : nums);
    }
    return parsed(values);
  }

  // A sequence's padding: one number (both sides) or before,after; a second dimension is not one.
  function padding1d(text) {
    if (/[x*×]/.test(text)) return malformed("padding_layout", String(text.trim().split(/\s*[x*×]\s*/).length));
    text = text.replace(/;/g, ",");   // where ',' is the decimal mark, people separate with ';'
    const rows = (text.includes("[") || text.includes("(")) ? matrixRows(text) : [text];
    if (rows.malformed) return rows;
    if (rows.length !== 1) return malformed("padding_layout", String(rows.length));
    const nums = numbers(rowCells(rows[0], false));
    if (nums.malformed) return nums;
    if (nums.length !== 1 && nums.length !== 2) return malformed("padding_layout", String(nums.length));
    return parsed([nums.length === 1 ? [nums[0], nums[0]] : nums]);
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function parseChoice(text, expected) {
    const options = (expected || {}).options || [];
    const cleaned = stripChars(stripBrackets(text.toLowerCase()), " .:)");
    for (const option of options) {
      const names = [option.letter.toLowerCase(), option.code.toLowerCase(), option.code.split("_").join(" "),
        stripChars((option.text || "").toLowerCase(), " .")];
      const printed = cleaned.match(new RegExp("^\\(?" + escapeRegExp(names[0]) + "[).:]" + S + "*([^\\n]+)$"));   // Python's . is [^\n]
      if (names.includes(cleaned) || (printed && stripChars(printed[1], " .") === names[3])) return parsed(option.code);
    }
    if ([...cleaned].length === 1 && /\p{L}/u.test(cleaned)) return malformed("unknown_option", text);
    return malformed("not_an_option", text);
  }

  // --- number: one value ---
  function parseNumber(text) {
    const value = number(stripBrackets(text));
    if (value !== null) return parsed(value);
    const parts = stripBrackets(text).split(NUMBER_SEPARATORS).filter(Boolean);
    if (parts.length > 1 && parts.every((p) => number(p) !== null)) return malformed("several_numbers", String(parts.length));
    return malformed("not_a_number", text);
  }

  // --- set: every value that answers (inverse questions); order and repeats do not matter ---
  function parseSet(text) {
    const inner = stripBrackets(text.toLowerCase());
    if (EMPTY_SET.includes(inner)) return parsed([]);
    if (count(text, "{") !== count(text, "}") || count(text, "[") !== count(text, "]")) return malformed("unbalanced");
    const values = new Set();   // exact integers (BigInt), as Python's set of ints and Fractions
    for (const part of inner.split(SET_SEPARATORS).filter(Boolean)) {
      const run = RANGE.exec(part);
      if (run) {
        const low = BigInt(run[1]), high = BigInt(run[2]);
        if (high - low > 10000n) return malformed("too_long");
        for (let v = low; v <= high; v++) values.add(v);
        continue;
      }
      const value = fraction(part);
      if (value === null) return malformed("not_a_number", part);
      if (value.num % value.den !== 0n) return malformed("not_an_integer", part);
      values.add(value.num / value.den);
    }
    return parsed([...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(Number));
  }

  const PARSERS = {shape: parseShape, tensor_shape: parseTensorShape, matrix: parseMatrix, sequence: parseSequence, padding: parsePadding,
    choice: parseChoice, number: parseNumber, set: parseSet};

  function parse(kind, text, expected) {
    if (text === null || text === undefined) return blank();
    text = String(text);
    if ([...text].length > MAX_CHARS) return malformed("too_long");
    text = normalise(text);
    if (!text) return blank();
    if (kind !== "choice") {
      const sized = TORCH_SIZE.test(text);
      text = strip(text.replace(WRAPPER, "$1"));
      if (sized && SIZE_TAIL.has(kind)) text = sizeTail(text, expected ? expected.length : 2);
    }
    return PARSERS[kind](text, expected);
  }

  // torch.Size([1, 1, 3, 4]), what torch prints for a layer's output on one image of one channel: its last
  // sizes, where the sizes before them (batch, channel) are 1 (the kinds declaring torch_size_tail).
  function sizeTail(sizes, ndim) {
    const parts = stripBrackets(sizes).split(",").map(strip);
    const extra = parts.length - ndim;
    if ((extra === 1 || extra === 2) && parts.slice(0, extra).every((p) => p === "1")) return parts.slice(extra).join(", ");
    return sizes;
  }

  // --- grading (quizgen/answers/credit.py) ----------------------------------------------------------------
  function policyOf(question) {
    const g = question.grading || {}, t = g.tolerance || {};
    return {exact: g.exact !== undefined ? g.exact : true, absolute: t.absolute !== undefined ? t.absolute : 0.01,
      relative: t.relative || 0, partial: g.partial_credit || "proportional"};
  }
  function close(policy, got, want) {
    if (policy.exact) return got === want;
    return Math.abs(got - want) <= policy.absolute + policy.relative * Math.abs(want) + 1e-12;
  }
  function same(got, value, policy) {
    if (Array.isArray(value)) {
      return Array.isArray(got) && got.length === value.length && value.every((v, i) => same(got[i], v, policy));
    }
    if (typeof value === "string" || typeof got === "string") return got === value;
    if (Number.isInteger(value) && policy.exact) return got === value;
    if (policy.exact) return Math.abs(got - value) <= DIAGNOSIS_TOLERANCE + 1e-12;
    return close(policy, got, value);
  }
  function diagnose(got, want, mistakes, policy) {
    const whole = mistakes.filter((m) => same(got, m.value, policy)).map((m) => m.code);
    if (whole.length || !Array.isArray(want)) return whole.slice(0, 1);
    const wrong = [...Array(Math.min(got.length, want.length)).keys()].filter((d) => !same(got[d], want[d], policy));   // zip
    const explained = [];
    for (const d of wrong) {
      const codes = mistakes.filter((m) => m.per_dimension && m.value.length === want.length &&
        !same(m.value[d], want[d], policy) && same(got[d], m.value[d], policy)).map((m) => m.code);
      if (!codes.length) return [];
      if (!explained.includes(codes[0])) explained.push(codes[0]);
    }
    return explained;
  }
  function shapeOf(matrix) { return [matrix.length, matrix.length ? matrix[0].length : 0]; }
  function partsRight(kind, got, want, policy) {
    if (kind === "choice") return [got === want ? 1 : 0, 1];
    if (kind === "matrix") {
      let right = 0, parts = 0;
      want.forEach((row, r) => row.forEach((w, c) => { parts++; if (close(policy, got[r][c], w)) right++; }));
      return [right, parts];
    }
    if (kind === "sequence") return [want.filter((w, i) => close(policy, got[i], w)).length, want.length];
    if (kind === "padding") return [want.filter((w, d) => got[d][0] === w[0] && got[d][1] === w[1]).length, want.length];
    if (kind === "number") return [close(policy, got, want) ? 1 : 0, 1];
    if (kind === "set") {   // each value found counts, each value too many takes one back
      const wanted = new Set(want), found = got.filter((g) => wanted.has(g)).length;
      return [Math.max(0, found - (got.length - found)), want.length || (got.length ? 1 : 0)];
    }
    return [want.filter((w, d) => got[d] === w).length, want.length];   // shapes: sizes are integers, compared exactly
  }
  function mark(question, text) {
    const answer = question.answer, kind = answer.kind;
    const result = parse(kind, text, kind === "choice" ? answer : answer.value);
    if (result.blank) return {status: "blank", credit: 0, mistakes: []};
    if (result.malformed) return {status: "malformed", credit: 0, mistakes: [], problem: result};
    const policy = policyOf(question), got = result.value, mistakes = question.mistakes || [];
    if (kind === "matrix" || kind === "sequence") {
      const gs = kind === "matrix" ? shapeOf(got) : [got.length], ws = kind === "matrix" ? shapeOf(answer.value) : [answer.value.length];
      if (gs.some((size, d) => size !== ws[d])) {
        const shapeMistakes = mistakes.filter((m) => m.of === "shape");
        return {status: "wrong", credit: 0, value: got, wrongShape: gs, mistakes:
          diagnose(gs, ws, shapeMistakes, {exact: true, absolute: 0.01, relative: 0, partial: "proportional"})};
      }
    }
    const [right, parts] = partsRight(kind, got, answer.value, policy);
    const allRight = right === parts;
    const credit = allRight ? 1 : (policy.partial === "proportional" ? right / parts : 0);
    const status = allRight ? "correct" : (credit > 0 ? "partial" : "wrong");
    const answerMistakes = mistakes.filter((m) => m.of === undefined || m.of === null);
    return {status, credit, partsRight: right, parts, value: got,
      mistakes: allRight ? [] : diagnose(got, answer.value, answerMistakes, policy)};
  }

  // --- the page ------------------------------------------------------------------------------------
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  }
  function explain(question, verdict, w) {
    const lines = [];
    let line = w.verdicts[verdict.status];
    if (verdict.status === "partial") {
      line += " (" + fill(w.parts_right, {right: verdict.partsRight, total: verdict.parts, parts: w.part_names[question.answer.kind]}) + ")";
    } else if (verdict.wrongShape && question.answer.kind === "sequence") {
      line += ": " + fill(w.wrong_length, {got: verdict.wrongShape[0], want: question.answer.value.length});
    } else if (verdict.wrongShape) {
      line += ": " + fill(w.wrong_shape, {got: verdict.wrongShape.join("\u00d7"), want: shapeOf(question.answer.value).join("\u00d7")});
    } else if (verdict.status === "malformed") {
      line += ": " + fill(w.problems[verdict.problem.problem] || verdict.problem.problem, {token: verdict.problem.token}) +
        ". " + w.expected_format + ": " + question.expected;
    }
    lines.push(line);
    if (verdict.mistakes.length) lines.push(w.diagnosis + ": " + verdict.mistakes.map((c) => w.mistakes[c]).join("; "));
    return lines;
  }
  function reveal(form, focus) {
    const solution = form.parentElement.querySelector(".solution");
    if (!solution) return;
    solution.hidden = false;
    const show = form.querySelector("button.show-solution");
    if (show) { show.setAttribute("aria-expanded", "true"); show.hidden = true; }
    if (focus) solution.focus();   // the button is gone: the reader goes on at what it showed
  }
  function attach(document) {
    const data = JSON.parse(document.getElementById("quizgen-key").textContent);
    for (const form of document.querySelectorAll("form.practice")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const question = data.questions[Number(form.dataset.index)];
        const field = form.querySelector("[name=answer]:checked") || form.querySelector("textarea[name=answer], input[type=text][name=answer]");
        const verdict = mark(question, field && field.value);
        const result = form.querySelector(".result");
        result.replaceChildren();
        result.className = "result verdict-" + verdict.status;
        for (const text of explain(question, verdict, data.words)) {
          const p = document.createElement("p");
          p.textContent = text;   // student text is shown as text, never as markup
          result.appendChild(p);
        }
        result.hidden = false;
        // the answer and the worked solution after a real attempt only: an answer that was read (a blank or a
        // format error is not one), or on the show-solution button
        if (verdict.status !== "blank" && verdict.status !== "malformed") reveal(form, false);
      });
      const show = form.querySelector("button.show-solution");
      if (show) show.addEventListener("click", () => reveal(form, true));
      const textarea = form.querySelector("textarea");
      if (textarea) {   // Ctrl+Enter checks, Enter alone starts a new matrix row
        textarea.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
        });
      }
    }
  }

  const api = {parse, mark, number};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else {
    root.quizgen = api;
    if (root.document) {
      if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", () => attach(root.document));
      else attach(root.document);
    }
  }
})(typeof window !== "undefined" ? window : globalThis);
