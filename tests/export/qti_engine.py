"""A small QTI 2.1 response-processing interpreter for the operators quizgen's items use, with the semantics
of TAO's engine (oat-sa/qti-sdk): an operator with a NULL operand is NULL (`or` and `multiple` skip NULLs),
a NULL condition is false, `equal` puts the tolerance around its first operand, `round` is floor(x + 0.5).
Used to hold the exported items' scoring against quizgen's grader in CI, where no QTI engine runs."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

NS = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


def _tag(element) -> str:
    return element.tag.replace(NS, "")


class Item:
    def __init__(self, xml: bytes | str):
        self.root = ET.fromstring(xml)
        self.defaults = {}
        for declaration in self.root.iter(NS + "outcomeDeclaration"):
            value = declaration.find(f"{NS}defaultValue/{NS}value")
            base = declaration.get("baseType")
            if declaration.get("cardinality") == "multiple":
                self.defaults[declaration.get("identifier")] = []
            elif value is None:
                self.defaults[declaration.get("identifier")] = None
            else:
                self.defaults[declaration.get("identifier")] = (int if base == "integer" else float)(value.text) \
                    if base in ("integer", "float") else value.text

    def run(self, responses: dict) -> dict:
        """Outcomes after response processing of ``responses`` ({identifier: number or None})."""
        self.values = {**self.defaults, **responses}
        for rule in self.root.find(NS + "responseProcessing"):
            self._rule(rule)
        return self.values

    def _rule(self, rule):
        tag = _tag(rule)
        if tag == "setOutcomeValue":
            self.values[rule.get("identifier")] = self._expr(rule[0])
        elif tag == "responseCondition":
            for branch in rule:
                kind = _tag(branch)
                if kind == "responseElse" or self._expr(branch[0]) is True:
                    for inner in (branch if kind == "responseElse" else list(branch)[1:]):
                        self._rule(inner)
                    return
        else:
            raise AssertionError(f"unknown rule {tag}")

    def _expr(self, e):
        tag = _tag(e)
        args = [self._expr(child) for child in e] if tag not in ("variable", "baseValue") else []
        if tag == "variable":
            return self.values.get(e.get("identifier"))
        if tag == "baseValue":
            base = e.get("baseType")
            return float(e.text) if base == "float" else int(e.text) if base == "integer" else e.text
        if tag == "or":
            known = [a for a in args if a is not None]
            return any(known) if known else None
        if tag == "multiple":
            out = []
            for a in args:
                if a is not None:
                    out.extend(a if isinstance(a, list) else [a])
            return out
        if any(a is None for a in args):
            return None
        if tag == "and":
            return all(args)
        if tag == "equal":
            x, y = args
            if e.get("toleranceMode", "exact") == "exact":
                return x == y
            low, high = (float(t) for t in e.get("tolerance").split())
            return x - low <= y <= x + high
        if tag == "gte":
            return args[0] >= args[1]
        if tag == "gt":
            return args[0] > args[1]
        if tag == "match":
            return args[0] == args[1]
        if tag == "sum":
            return sum(args)
        if tag == "product":
            return math.prod(args)
        if tag == "subtract":
            return args[0] - args[1]
        if tag == "divide":
            return None if args[1] == 0 else args[0] / args[1]
        if tag == "max":
            return max(args)
        if tag == "min":
            return min(args)
        if tag == "round":
            return math.floor(args[0] + 0.5)
        raise AssertionError(f"unknown operator {tag}")
