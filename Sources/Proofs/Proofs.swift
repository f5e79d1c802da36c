/// The `Proofs` module (placeholder).
