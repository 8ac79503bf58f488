/// A table: a title row, a heading row, then rows of cells, clipped to its rectangle.
public struct Table: Sendable {
  public enum Alignment: Sendable { case left, right }

  public struct Column: Sendable {
    public var heading: String
    /// Fixed width, or `nil` to share the remaining width with other flexible columns.
    public var width: Int?
    public var alignment: Alignment

    public init(_ heading: String, width: Int? = nil, alignment: Alignment = .left) {
      self.heading = heading
      self.width = width
      self.alignment = alignment
    }
  }

  public struct Row: Sendable {
    public var cells: [String]
    public var style: StyleRole
    public init(_ cells: [String], style: StyleRole = .normal) {
      self.cells = cells
      self.style = style
    }
  }

  public var title: String
  public var columns: [Column]
  public var rows: [Row]
  /// Rows skipped from the top (scrolling).
  public var offset: Int
  /// Shown when there are no rows.
  public var emptyText: String

  public init(
    title: String, columns: [Column], rows: [Row], offset: Int = 0, emptyText: String = ""
  ) {
    self.title = title
    self.columns = columns
    self.rows = rows
    self.offset = offset
    self.emptyText = emptyText
  }

  /// How many data rows fit in a rectangle of `height` rows.
  public static func visibleRows(height: Int) -> Int { max(0, height - 2) }

  /// The column widths for a total `width` (one space between columns).
  public func widths(for width: Int) -> [Int] {
    let fixed = columns.compactMap(\.width).reduce(0, +)
    let gaps = max(0, columns.count - 1)
    let flexible = columns.filter { $0.width == nil }.count
    let remaining = max(0, width - fixed - gaps)
    return columns.map { $0.width ?? (flexible == 0 ? 0 : remaining / flexible) }
  }

  /// Draws the title, the headings and the rows from `offset` that fit in `rect` (or the
  /// empty text).
  public func render(into buffer: inout ScreenBuffer, in rect: Rect) {
    guard !rect.isEmpty else { return }
    buffer.write(title, row: rect.row, column: rect.column, style: .title, width: rect.width)
    guard rect.height > 1 else { return }
    let widths = widths(for: rect.width)
    draw(columns.map(\.heading), widths: widths, row: rect.row + 1, rect: rect, style: .heading)
    let visible = Self.visibleRows(height: rect.height)
    if rows.isEmpty, visible > 0 {
      buffer.write(
        emptyText, row: rect.row + 2, column: rect.column, style: .dim, width: rect.width)
      return
    }
    for (index, row) in rows.dropFirst(offset).prefix(visible).enumerated() {
      draw(row.cells, widths: widths, row: rect.row + 2 + index, rect: rect, style: row.style)
    }

    func draw(_ cells: [String], widths: [Int], row: Int, rect: Rect, style: StyleRole) {
      var column = rect.column
      for (index, width) in widths.enumerated() where width > 0 {
        let text = index < cells.count ? cells[index] : ""
        let clipped = text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
        let padded =
          columns[index].alignment == .right
          ? String(repeating: " ", count: width - clipped.count) + clipped : clipped
        buffer.write(
          padded, row: row, column: column, style: style, width: min(width, rect.right - column))
        column += width + 1
        if column >= rect.right { break }
      }
    }
  }
}
