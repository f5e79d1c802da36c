extension PerDigitAlgorithm {
    /// The paper's one-level algorithm (Quirke & Barez):
    /// A_k = (BA_k + c'_k) mod 10 with c'_k = MC1_(k-1) ∨ (MS9_(k-1) ∧ MC1_(k-2)),
    /// and A_n = c'_n (given as an override for the top digit).
    public static var paper: PerDigitAlgorithm {
        let predictedCarry = DigitFormula.or([
            .feature(ColumnFeature(.makesCarry, offset: -1)),
            .and([.feature(ColumnFeature(.sumNine, offset: -1)), .feature(ColumnFeature(.makesCarry, offset: -2))]),
        ])
        return PerDigitAlgorithm(
            name: "paper",
            defaultRule: .formula(.mod10(.add([.feature(ColumnFeature(.baseAdd, offset: 0)), predictedCarry]))),
            overrides: [DigitOverride(.fromTop(0), rule: .formula(predictedCarry))]
        )
    }
}
