/// A table: a title row, a heading row, then rows of cells, fitted to its rectangle by
/// priority. Widths are in terminal cells. When the columns do not fit, the table first
/// drops the padding (two spaces between columns become one), then whole columns, those with
/// the lowest ``Column/dropOrder`` first, so that a number is never cut: a ``Sizing/fit``
/// column is as wide as its widest heading or cell shown.
package struct Table: Widget, Sendable {
  package enum Alignment: Sendable { case left, right }

  /// How a column's width is chosen.
  package enum Sizing: Sendable, Hashable {
    /// Always this many cells.
    case fixed(Int)
    /// As wide as its heading and the widest cell shown: numbers and ids are never cut.
    case fit
    /// At least `minimum` cells, sharing what the other columns leave.
    case flexible(minimum: Int)
  }

  package struct Column: Sendable {
    package var heading: String
    package var sizing: Sizing
    package var alignment: Alignment
    /// Columns that do not fit are dropped, the lowest first; `nil` is never dropped.
    package var dropOrder: Int?

    /// A column of `width` cells, or (with `nil`) a flexible one sharing the remaining width.
    package init(_ heading: String, width: Int? = nil, alignment: Alignment = .left) {
      self.init(heading, width.map { .fixed($0) } ?? .flexible(minimum: 0), alignment: alignment)
    }

    package init(
      _ heading: String, _ sizing: Sizing, alignment: Alignment = .left, dropOrder: Int? = nil
    ) {
      self.heading = heading
      self.sizing = sizing
      self.alignment = alignment
      self.dropOrder = dropOrder
    }

    /// The width this column asks for, given the cells shown in it.
    func natural(_ cells: [String]) -> Int {
      switch sizing {
      case .fixed(let width): return max(0, width)
      case .fit: return cells.reduce(heading.cellWidth) { max($0, $1.cellWidth) }
      case .flexible(let minimum): return max(1, minimum)
      }
    }
  }

  package struct Row: Sendable {
    package var cells: [String]
    package var style: StyleRole
    /// The cell at this index runs over the columns after it (an error message in place of
    /// a result and its timings); it is left out when fitting those columns.
    package var spansFrom: Int?
    /// Shorter forms of the spanning cell, tried in order when it does not fit (a reason
    /// without its prefix); the last one, if still too long, is cut between words.
    package var shorterSpans: [String]

    package init(
      _ cells: [String], style: StyleRole = .normal, spansFrom: Int? = nil,
      shorterSpans: [String] = []
    ) {
      self.cells = cells
      self.style = style
      self.spansFrom = spansFrom
      self.shorterSpans = shorterSpans
    }

    /// The spanning cell's text for `room` cells: the first form that fits whole, else the
    /// last cut after a whole word with `…`, so that no number is cut inside.
    func spanText(_ text: String, room: Int) -> String {
      let forms = [text] + shorterSpans
      if let whole = forms.first(where: { $0.cellWidth <= room }) { return whole }
      let last = forms.last ?? text
      let clipped = last.clipped(toCells: room)
      guard clipped.hasSuffix("…") else { return clipped }
      let kept = clipped.dropLast()
      // The cut falls inside a word: keep the words before it.
      if let space = kept.lastIndex(of: " "), last.dropFirst(kept.count).first != " " {
        let words = kept[..<space].reversed().drop { $0 == " " }.reversed()
        if !words.isEmpty { return String(words) + " …" }
      }
      return clipped
    }
  }

  package var title: String
  /// Shown instead of ``title`` when it does not fit (so that a count in it is not cut).
  package var shorterTitle: String?
  package var columns: [Column]
  package var rows: [Row]
  /// Rows skipped from the top (scrolling).
  package var offset: Int
  /// Shown when there are no rows.
  package var emptyText: String

  package init(
    title: String, columns: [Column], rows: [Row], offset: Int = 0, emptyText: String = ""
  ) {
    self.title = title
    self.columns = columns
    self.rows = rows
    self.offset = offset
    self.emptyText = emptyText
  }

  /// How many data rows fit in a rectangle of `height` rows.
  package static func visibleRows(height: Int) -> Int { max(0, height - 2) }

  /// The fitted columns: each one's width (0 when dropped) and the spaces between columns.
  package struct Layout: Sendable, Equatable {
    package var widths: [Int]
    package var spacing: Int
    /// The cells the shown columns take, spaces included.
    package var total: Int {
      let shown = widths.filter { $0 > 0 }
      return shown.reduce(0, +) + spacing * max(0, shown.count - 1)
    }
    /// Whether column `index` is shown.
    package func shows(_ index: Int) -> Bool { widths.indices.contains(index) && widths[index] > 0 }
  }

  /// The layout for `width` cells, fitting the rows that `height` shows (all rows when nil).
  package func layout(for width: Int, height: Int? = nil) -> Layout {
    let shown =
      height.map { rows.dropFirst(offset).prefix(Self.visibleRows(height: $0)) } ?? rows[...]
    var natural = columns.indices.map { index in
      columns[index].natural(
        shown.compactMap { row in
          guard index < row.cells.count else { return nil }
          if let span = row.spansFrom, index >= span { return nil }
          return row.cells[index]
        })
    }
    func total(_ spacing: Int) -> Int {
      let kept = natural.filter { $0 > 0 }
      return kept.reduce(0, +) + spacing * max(0, kept.count - 1)
    }
    var spacing = 2
    if total(spacing) > width { spacing = 1 }
    while total(spacing) > width {
      // The lowest drop order goes first; of equals, the rightmost.
      guard
        let drop = natural.indices.filter({ natural[$0] > 0 && columns[$0].dropOrder != nil })
          .min(by: {
            (columns[$0].dropOrder ?? 0, -$0) < (columns[$1].dropOrder ?? 0, -$1)
          })
      else { break }
      natural[drop] = 0
    }
    // What is left goes to the flexible columns.
    let flexible = natural.indices.filter {
      if case .flexible = columns[$0].sizing { return natural[$0] > 0 }
      return false
    }
    let spare = width - total(spacing)
    if spare > 0, !flexible.isEmpty {
      let share = spare / flexible.count
      let remainder = spare - share * flexible.count
      for (position, index) in flexible.enumerated() {
        natural[index] += share + (position < remainder ? 1 : 0)
      }
    }
    return Layout(widths: natural, spacing: spacing)
  }

  /// The column widths for a total `width` (0 for a dropped column).
  package func widths(for width: Int) -> [Int] { layout(for: width).widths }

  /// Draws the title, the headings and the rows from `offset` that fit in `rect` (or the
  /// empty text).
  package func render(into buffer: inout ScreenBuffer, in rect: Rect) {
    guard !rect.isEmpty else { return }
    let shownTitle = title.cellWidth > rect.width ? (shorterTitle ?? title) : title
    buffer.write(
      shownTitle.clipped(toCells: rect.width), row: rect.row, column: rect.column, style: .title,
      width: rect.width)
    guard rect.height > 1 else { return }
    // An empty table given two rows says it is empty under its title.
    if rows.isEmpty, rect.height == 2 {
      buffer.write(
        emptyText.clipped(toCells: rect.width), row: rect.row + 1, column: rect.column,
        style: .dim, width: rect.width)
      return
    }
    let layout = layout(for: rect.width, height: rect.height)
    draw(Row(columns.map(\.heading)), layout: layout, row: rect.row + 1, style: .heading)
    let visible = Self.visibleRows(height: rect.height)
    if rows.isEmpty, visible > 0 {
      buffer.write(
        emptyText.clipped(toCells: rect.width), row: rect.row + 2, column: rect.column,
        style: .dim, width: rect.width)
      return
    }
    for (index, row) in rows.dropFirst(offset).prefix(visible).enumerated() {
      draw(row, layout: layout, row: rect.row + 2 + index, style: row.style)
    }

    func draw(_ cells: Row, layout: Layout, row: Int, style: StyleRole) {
      var column = rect.column
      for (index, width) in layout.widths.enumerated() where width > 0 {
        guard column < rect.right else { break }
        let text = index < cells.cells.count ? cells.cells[index] : ""
        var cellWidth = width
        if let span = cells.spansFrom, index == span {
          cellWidth = rect.right - column
        }
        let room = min(cellWidth, rect.right - column)
        let clipped =
          cells.spansFrom == index ? cells.spanText(text, room: room) : text.clipped(toCells: room)
        let padded =
          columns[index].alignment == .right && cells.spansFrom != index
          ? String(repeating: " ", count: max(0, room - clipped.cellWidth)) + clipped : clipped
        buffer.write(padded, row: row, column: column, style: style, width: room)
        if let span = cells.spansFrom, index >= span { break }
        column += width + layout.spacing
      }
    }
  }
}

extension Table {
  /// The fewest cells the table needs with every column it never drops (one space between
  /// columns).
  package var minimumWidth: Int {
    let kept = columns.indices.filter { columns[$0].dropOrder == nil }
    let natural = kept.map { index in
      columns[index].natural(
        rows.compactMap { row in
          guard index < row.cells.count else { return nil }
          if let span = row.spansFrom, index >= span { return nil }
          return row.cells[index]
        })
    }.filter { $0 > 0 }
    return natural.reduce(0, +) + max(0, natural.count - 1)
  }
}
