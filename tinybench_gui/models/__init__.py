"""Reference models: lookup by sha256 and host inference with LiteRT."""
