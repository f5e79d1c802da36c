/// The `Exhaustive` module (placeholder).
