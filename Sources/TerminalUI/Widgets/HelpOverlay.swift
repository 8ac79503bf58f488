/// A centred help box: the title, the introduction wrapped to the box, every binding (in two
/// columns when one does not fit the height), and on its last row how to close it; a blank
/// margin of one cell around it.
package struct HelpOverlay: Widget, Sendable {
  package var title: String
  /// Paragraphs of text above the keys, wrapped to the box.
  package var intro: [String]
  package var lines: [(keys: String, help: String)]
  package var closeHint = "any key closes this help"

  package init(title: String, intro: [String], lines: [(keys: String, help: String)]) {
    self.title = title
    self.intro = intro
    self.lines = lines
  }

  /// Draws the box centred in `area`; nothing when the area is too small for a box.
  package func render(into buffer: inout ScreenBuffer, in area: Rect) {
    let keyWidth = min(16, (lines.map(\.keys.cellWidth).max() ?? 0) + 2)
    let bindingWidth = keyWidth + (lines.map(\.help.cellWidth).max() ?? 0)
    let paragraph = intro.joined(separator: " ")
    let width = min(
      area.width - 2, max(title.cellWidth + 4, min(paragraph.cellWidth, 76), bindingWidth) + 4)
    guard width > 20, area.height > 6 else { return }
    let inner = width - 4
    let text = TextWrap.lines(paragraph, width: inner)
    // Rows: title, blank, intro, blank, bindings, blank, close hint.
    let fixedRows = 2 + (text.isEmpty ? 0 : text.count + 1) + 2
    let room = area.height - 2 - fixedRows
    let columns = lines.count > room && room > 0 ? 2 : 1
    let bindingRows = min(max(0, room), (lines.count + columns - 1) / columns)
    let height = min(area.height - 2, fixedRows + bindingRows)
    let top = area.row + (area.height - height) / 2
    let left = area.column + (area.width - width) / 2
    // A blank margin of one cell around the box, within `area`: otherwise, where the box
    // leaves a single column (80 columns), a stray character of the screen beneath shows
    // against its edge.
    let marginLeft = max(area.column, left - 1)
    let marginRight = min(area.right, left + width + 1)
    for row in max(area.row, top - 1)..<min(area.bottom, top + height + 1) {
      buffer.fill(row: row, from: marginLeft, width: marginRight - marginLeft, style: .normal)
    }
    for row in top..<(top + height) { buffer.fill(row: row, from: left, width: width, style: .bar) }
    buffer.write(" \(title) ", row: top, column: left + 2, style: .title, width: inner)
    var row = top + 2
    for line in text where row < top + height - 2 {
      buffer.write(line, row: row, column: left + 2, style: .bar, width: inner)
      row += 1
    }
    if !text.isEmpty { row += 1 }
    let columnWidth = columns == 2 ? (inner - 2) / 2 : inner
    for (index, line) in lines.enumerated() {
      let column = index / max(1, bindingRows)
      guard column < columns else { break }
      let y = row + index % max(1, bindingRows)
      guard y < top + height - 2 else { continue }
      let x = left + 2 + column * (columnWidth + 2)
      let keys = min(keyWidth, columnWidth / 2)
      buffer.write(line.keys, row: y, column: x, style: .key, width: keys)
      buffer.write(
        line.help.clipped(toCells: columnWidth - keys), row: y, column: x + keys, style: .bar,
        width: columnWidth - keys)
    }
    buffer.write(
      closeHint, row: top + height - 1, column: left + 2, style: .dim, width: inner)
  }
}

/// Draws a centred help box listing every binding, with paragraphs of text above (see
/// ``HelpOverlay``).
package func renderHelpOverlay(
  title: String, intro: [String], lines: [(keys: String, help: String)],
  into buffer: inout ScreenBuffer
) {
  HelpOverlay(title: title, intro: intro, lines: lines).render(
    into: &buffer, in: Rect(row: 0, column: 0, width: buffer.width, height: buffer.height))
}
