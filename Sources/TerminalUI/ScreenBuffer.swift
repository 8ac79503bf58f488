/// A grid of cells with style roles: what a frame shows, independent of any terminal. The
/// curses backend draws it; tests read it back as text lines. Widths are terminal cells: a
/// wide character (CJK, emoji) fills its cell and the next (a continuation cell), a
/// combining mark joins the character before it, and control characters are stored as their
/// visible replacement (``Swift/Character/printable``), never raw.
package struct ScreenBuffer: Sendable, Equatable {
  package struct Cell: Sendable, Equatable {
    package var character: Character
    package var style: StyleRole

    /// The right half of a wide character: drawn by the character to its left.
    package var isContinuation: Bool { character == ScreenBuffer.continuation }
  }

  /// Marks a cell covered by the wide character to its left (never a printable value).
  static let continuation: Character = "\u{0}"

  package let width: Int
  package let height: Int
  package private(set) var cells: [Cell]
  /// Where the terminal cursor should be shown (row, column), if anywhere.
  package var cursor: (row: Int, column: Int)?

  package init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(character: " ", style: .normal), count: self.width * self.height)
  }

  package static func == (lhs: ScreenBuffer, rhs: ScreenBuffer) -> Bool {
    lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
      && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
  }

  /// Writes `text` from (row, column), clipped to `width` cells (and the buffer's edge); a
  /// wide character that would straddle the limit is not written. Returns the column after
  /// the last cell written.
  @discardableResult
  package mutating func write(
    _ text: String, row: Int, column: Int, style: StyleRole = .normal, width limit: Int? = nil
  ) -> Int {
    guard row >= 0, row < height, column < width else { return column }
    let end = min(width, limit.map { column + max(0, $0) } ?? width)
    var x = column
    for character in text {
      let shown = character.printable
      let cells = shown.cellWidth
      if cells == 0 {
        // A combining mark: it belongs to the character before it.
        if x > column, x - 1 >= 0, x - 1 < width { appendMark(shown, row: row, column: x - 1) }
        continue
      }
      if x + cells > end { break }
      if x >= 0 {
        clearWide(row: row, column: x)
        self.cells[row * width + x] = Cell(character: shown, style: style)
        if cells == 2 {
          clearWide(row: row, column: x + 1)
          self.cells[row * width + x + 1] = Cell(character: Self.continuation, style: style)
        }
      }
      x += cells
    }
    return x
  }

  /// Fills a row span with a style (spaces), e.g. for bars.
  package mutating func fill(
    row: Int, from column: Int = 0, width limit: Int? = nil, style: StyleRole
  ) {
    guard row >= 0, row < height else { return }
    let end = min(width, limit.map { column + $0 } ?? width)
    for x in max(0, column)..<max(max(0, column), end) {
      clearWide(row: row, column: x)
      cells[row * width + x] = Cell(character: " ", style: style)
    }
  }

  /// The cell at (row, column).
  package subscript(row: Int, column: Int) -> Cell { cells[row * width + column] }

  /// The text of every row, trailing spaces kept (each line is `width` cells wide; a wide
  /// character counts once).
  package var lines: [String] {
    (0..<height).map { row in
      String(
        cells[(row * width)..<((row + 1) * width)].lazy.filter { !$0.isContinuation }.map(
          \.character))
    }
  }

  /// The rows with trailing spaces removed, for readable test expectations.
  package var trimmedLines: [String] {
    lines.map { line in
      var line = line
      while line.last == " " { line.removeLast() }
      return line
    }
  }

  /// Before (row, column) is overwritten: a wide character losing either half is blanked.
  private mutating func clearWide(row: Int, column: Int) {
    let index = row * width + column
    if cells[index].isContinuation, column > 0 {
      cells[index - 1].character = " "
    } else if cells[index].character.cellWidth == 2, column + 1 < width,
      cells[index + 1].isContinuation
    {
      cells[index + 1].character = " "
    }
  }

  private mutating func appendMark(_ mark: Character, row: Int, column: Int) {
    var index = row * width + column
    if cells[index].isContinuation, column > 0 { index -= 1 }
    // Only a mark that joins the character before it into one grapheme cluster: anything
    // else (a mark after a wide character's continuation, say) is dropped, never a trap.
    let joined = String(cells[index].character) + String(mark)
    guard joined.count == 1, let character = joined.first else { return }
    cells[index].character = character
  }
}
