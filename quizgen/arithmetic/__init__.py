"""The arithmetic core: pure functions over integers (no torch, no I/O) for every layer quizgen asks about,
with their worked steps and torch's validity rules. conv: convolution sizes and values; layers: transposed
convolution, pooling, channels, stacks and receptive fields."""
