"""quizgen: randomized, reproducible convolution exercises with keys checked by the formula and by torch."""
__version__ = "0.1.0"
