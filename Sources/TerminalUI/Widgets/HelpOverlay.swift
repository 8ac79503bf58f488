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
    var text = TextWrap.lines(paragraph, width: inner)
    // Rows: title, blank, intro, blank, bindings, blank, close hint.
    func room(intro: [String]) -> Int {
      max(0, area.height - 2 - (2 + (intro.isEmpty ? 0 : intro.count + 1) + 2))
    }
    /// One column when every binding, its explanation wrapped, fits the height; else two.
    func wrappedLayout(room: Int) -> BindingLayout {
      let one = BindingLayout(lines: lines, inner: inner, keyWidth: keyWidth, columns: 1)
      guard one.rowsNeeded > room, room > 0 else { return one }
      return BindingLayout(lines: lines, inner: inner, keyWidth: keyWidth, columns: 2)
    }
    var layout = wrappedLayout(room: room(intro: text))
    if layout.placed(room: room(intro: text)).count < lines.count, !text.isEmpty {
      // The keys matter more than the introduction: without it they may fit whole.
      let keysAlone = wrappedLayout(room: room(intro: []))
      if keysAlone.placed(room: room(intro: [])).count == lines.count {
        text = []
        layout = keysAlone
      }
    }
    let fixedRows = 2 + (text.isEmpty ? 0 : text.count + 1) + 2
    let room = room(intro: text)
    if layout.placed(room: room).count < lines.count {
      // Too many to show whole: every key still shows, its explanation cut to one row.
      layout = BindingLayout(
        lines: lines, inner: inner, keyWidth: keyWidth, columns: 2, wrap: false)
    }
    let placed = layout.placed(room: room)
    let bindingRows = placed.map { $0.row + $0.text.count }.max() ?? 0
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
    for binding in placed {
      let x = left + 2 + binding.column * (layout.columnWidth + 2)
      for (offset, part) in binding.text.enumerated() {
        let y = row + binding.row + offset
        guard y < top + height - 2 else { break }
        if offset == 0 {
          buffer.write(binding.keys, row: y, column: x, style: .key, width: layout.keys)
        }
        buffer.write(
          part, row: y, column: x + layout.keys, style: .bar, width: layout.helpWidth)
      }
    }
    buffer.write(
      closeHint, row: top + height - 1, column: left + 2, style: .dim, width: inner)
  }
}

/// Where each binding goes in the help box: its column, its first row and its explanation
/// wrapped to the column (continuation rows under the explanation, not under the keys).
struct BindingLayout {
  var lines: [(keys: String, help: String)]
  var columns: Int
  var columnWidth: Int
  /// Cells of the keys column.
  var keys: Int
  /// Cells of the explanation.
  var helpWidth: Int
  /// Every binding's explanation wrapped to ``helpWidth``.
  var wrapped: [[String]]

  init(
    lines: [(keys: String, help: String)], inner: Int, keyWidth: Int, columns: Int,
    wrap: Bool = true
  ) {
    self.lines = lines
    self.columns = columns
    columnWidth = columns == 2 ? (inner - 2) / 2 : inner
    keys = min(keyWidth, columnWidth / 2)
    let helpWidth = max(1, columnWidth - keys)
    self.helpWidth = helpWidth
    wrapped = lines.map { line in
      let parts =
        wrap
        ? TextWrap.lines(line.help, width: helpWidth) : [line.help.clipped(toCells: helpWidth)]
      return parts.isEmpty ? [""] : parts
    }
  }

  /// Rows the bindings take in one column.
  var rowsNeeded: Int { wrapped.reduce(0) { $0 + $1.count } }

  /// Each binding's column, first row (from 0) and text, filling the first column up to
  /// `room` rows (half the rows when two columns share them), the next column after it;
  /// bindings that do not fit whole are left out, never cut.
  func placed(room: Int) -> [(keys: String, column: Int, row: Int, text: [String])] {
    let perColumn = columns == 2 ? min(room, (rowsNeeded + 1) / 2) : room
    guard perColumn > 0 else { return [] }
    var result: [(keys: String, column: Int, row: Int, text: [String])] = []
    var (column, row) = (0, 0)
    for (line, text) in zip(lines, wrapped) {
      if row > 0, row + text.count > perColumn, column + 1 < columns {
        (column, row) = (column + 1, 0)
      }
      guard row + text.count <= room else { break }
      result.append((line.keys, column, row, text))
      row += text.count
    }
    return result
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
