"""What the answer parsers are tried on, shared by the Python parser's tests and the practice page's
(templates/html/practice.js): the keys each answer kind is read against."""

OPTIONS = {"value": "kernel_too_large", "letter": "f",
           "options": [{"letter": "a", "code": "valid", "text": "Valid: torch accepts it"},
                       {"letter": "f", "code": "kernel_too_large", "text": "Invalid: kernel larger than the padded input"}]}
EXPECTED = {"shape": [3, 4], "matrix": [[1, 2, 3], [4, 5, 6]], "padding": [[0, 1], [1, 1]], "choice": OPTIONS}
