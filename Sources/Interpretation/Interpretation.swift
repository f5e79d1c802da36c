/// The `Interpretation` module (placeholder).
