"""The languages quizgen writes students' texts in: each has a folder of templates (templates/<code>/: the
words, the prompts, the feedback), and the bank schema, the --lang flags and the contract test read this list."""

LANGUAGES = ("es", "en")
DEFAULT = "en"
