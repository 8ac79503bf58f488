/// A grid of cells with style roles: what a frame shows, independent of any terminal. The
/// curses backend draws it; tests read it back as text lines.
public struct ScreenBuffer: Sendable, Equatable {
  public struct Cell: Sendable, Equatable {
    public var character: Character
    public var style: StyleRole
  }

  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// Where the terminal cursor should be shown (row, column), if anywhere.
  public var cursor: (row: Int, column: Int)?

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(character: " ", style: .normal), count: self.width * self.height)
  }

  public static func == (lhs: ScreenBuffer, rhs: ScreenBuffer) -> Bool {
    lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
      && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
  }

  /// Writes `text` from (row, column), clipped to `width` cells (and the buffer's edge).
  /// Returns the column after the last cell written.
  @discardableResult
  public mutating func write(
    _ text: String, row: Int, column: Int, style: StyleRole = .normal, width limit: Int? = nil
  ) -> Int {
    guard row >= 0, row < height, column < width else { return column }
    let end = min(width, limit.map { column + max(0, $0) } ?? width)
    var x = column
    for character in text {
      if x >= end { break }
      if x >= 0 {
        let printable = character.isNewline || character == "\t" ? " " : character
        cells[row * width + x] = Cell(character: printable, style: style)
      }
      x += 1
    }
    return x
  }

  /// Fills a row span with a style (spaces), e.g. for bars.
  public mutating func fill(
    row: Int, from column: Int = 0, width limit: Int? = nil, style: StyleRole
  ) {
    guard row >= 0, row < height else { return }
    let end = min(width, limit.map { column + $0 } ?? width)
    for x in max(0, column)..<max(max(0, column), end) {
      cells[row * width + x] = Cell(character: " ", style: style)
    }
  }

  /// The cell at (row, column).
  public subscript(row: Int, column: Int) -> Cell { cells[row * width + column] }

  /// The text of every row, trailing spaces kept (each line is `width` characters).
  public var lines: [String] {
    (0..<height).map { row in String(cells[(row * width)..<((row + 1) * width)].map(\.character)) }
  }

  /// The rows with trailing spaces removed, for readable test expectations.
  public var trimmedLines: [String] {
    lines.map { line in
      var line = line
      while line.last == " " { line.removeLast() }
      return line
    }
  }
}
