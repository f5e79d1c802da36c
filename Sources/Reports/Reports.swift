/// The `Reports` module (placeholder).
