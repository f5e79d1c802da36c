/// The `Transformer` module (placeholder).
