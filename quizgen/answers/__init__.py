"""Reading and crediting what students answer: parse (a typed text to a value of the answer's kind, or a
format error) and credit (pure comparisons: credit, tolerance, diagnosis of known mistakes)."""
