/// The inline style sheet of `report.html`: system fonts only, readable widths,
/// print rules (no page breaks inside figures, tables or cards; badges keep colour).
enum HTMLStyleSheet {
    static let css = """
    :root { --text: #1a1a1a; --muted: #555; --rule: #d9d9d9; --panel: #f5f7fa; --link: #0b5cad; }
    * { box-sizing: border-box; }
    html { font-size: 16px; }
    body { margin: 0; color: var(--text); background: #fff; font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; line-height: 1.5; }
    main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
    h1 { font-size: 1.9rem; line-height: 1.2; margin: 0.4em 0 0.6em; }
    h2 { font-size: 1.45rem; margin: 1.8em 0 0.6em; padding-bottom: 0.2em; border-bottom: 2px solid var(--rule); }
    h3 { font-size: 1.18rem; margin: 1.4em 0 0.5em; }
    h4 { font-size: 1.05rem; margin: 1.2em 0 0.4em; }
    p, ul { margin: 0.5em 0 0.9em; }
    a { color: var(--link); }
    code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
    code { background: var(--panel); padding: 0.05em 0.3em; border-radius: 3px; }
    pre { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 12px 14px; overflow-x: auto; white-space: pre; }
    pre code { background: none; padding: 0; font-size: 1em; }
    nav.toc { background: var(--panel); border: 1px solid var(--rule); border-radius: 8px; padding: 10px 20px; margin: 1em 0 1.4em; }
    nav.toc h2 { font-size: 1.05rem; border: 0; margin: 0.3em 0; padding: 0; }
    nav.toc ol { margin: 0.2em 0 0.4em; padding-left: 1.4em; }
    nav.toc li { margin: 0.1em 0; }
    .table-wrap { overflow-x: auto; margin: 0.6em 0 1.2em; }
    table { border-collapse: collapse; font-size: 0.92rem; font-variant-numeric: tabular-nums; }
    caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 4px; }
    th, td { border: 1px solid var(--rule); padding: 5px 10px; vertical-align: top; }
    th { background: var(--panel); text-align: left; }
    tbody tr:nth-child(even) td { background: #fafbfc; }
    .align-right { text-align: right; }
    .align-center { text-align: center; }
    .empty-table { color: var(--muted); font-style: italic; }
    .card { border: 1px solid var(--rule); border-radius: 8px; padding: 10px 16px; margin: 0.8em 0 1.2em; background: #fff; }
    .card h4 { margin: 0 0 6px; }
    .card dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
    .card dt { color: var(--muted); }
    .card dd { margin: 0; font-variant-numeric: tabular-nums; min-width: 0; overflow-wrap: anywhere; }
    figure { margin: 1.2em 0 1.6em; }
    figure .figure-body { overflow-x: auto; }
    figure svg { max-width: none; height: auto; display: block; }
    figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 6px; max-width: 80ch; }
    .badge { display: inline-block; font-weight: 700; font-size: 0.78rem; letter-spacing: 0.04em; padding: 1px 7px; border-radius: 4px; border: 1.5px solid; white-space: nowrap; vertical-align: 1px; }
    .verdict-proved { color: #00573f; background: #e0f3ec; border-color: #009E73; }
    .verdict-refuted { color: #8a2d00; background: #fbe6dc; border-color: #D55E00; }
    .verdict-unknown { color: #444; background: #eee; border-color: #888; border-style: dashed; }
    .verdict-measured { color: #003f66; background: #e1eef8; border-color: #0072B2; }
    .verdict-sampled { color: #6b4a00; background: #fdf2d6; border-color: #E69F00; border-style: dotted; }
    .note { border-left: 5px solid var(--rule); background: var(--panel); padding: 8px 14px; margin: 0.8em 0 1.1em; border-radius: 0 6px 6px 0; }
    .note.verdict-proved, .note.verdict-refuted, .note.verdict-unknown, .note.verdict-measured, .note.verdict-sampled { color: var(--text); background: var(--panel); border-width: 0 0 0 5px; }
    .legend { font-size: 0.9rem; }
    .legend li { margin: 0.2em 0; list-style: none; }
    .legend ul { padding-left: 0; }
    footer { color: var(--muted); font-size: 0.85rem; margin-top: 3em; border-top: 1px solid var(--rule); padding-top: 8px; }
    @media (max-width: 600px) {
      main { padding: 14px 14px 48px; }
      h1 { font-size: 1.5rem; overflow-wrap: anywhere; }
      .card dl { grid-template-columns: 1fr; gap: 0; }
      .card dt { margin-top: 6px; }
      table { font-size: 0.8rem; }
      th, td { padding: 3px 4px; }
      table.stack-narrow, table.stack-narrow caption, table.stack-narrow tbody, table.stack-narrow tr, table.stack-narrow td { display: block; width: 100%; }
      table.stack-narrow thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      table.stack-narrow tr { border: 1px solid var(--rule); border-radius: 6px; margin: 0 0 8px; }
      table.stack-narrow td { display: grid; grid-template-columns: 35% 1fr; gap: 8px; border: 0; border-top: 1px solid #eef0f3; text-align: left; }
      table.stack-narrow td:first-child { border-top: 0; }
      table.stack-narrow td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
      table.stack-narrow td > span { min-width: 0; overflow-wrap: anywhere; }
      table.stack-narrow tbody tr:nth-child(even) td { background: none; }
    }
    @media print {
      html { font-size: 11pt; }
      main { max-width: none; padding: 0; }
      nav.toc { break-inside: avoid; }
      figure, table, .card, .note, pre { break-inside: avoid; page-break-inside: avoid; }
      h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
      .table-wrap, figure .figure-body { overflow: visible; }
      figure svg { max-width: 100%; }
      a { color: var(--text); }
      .badge, .note, th, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """
}
