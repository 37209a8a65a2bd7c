"""Generation: bank (YAML read and validated against schema) -> sampling (seeded draws) -> crosscheck
(formula against torch, through reference) -> render -> export, driven by pipeline; fingerprint names the
quiz a key and a response sheet belong to."""
