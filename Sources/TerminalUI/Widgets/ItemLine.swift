/// A row of `label value` items (`sent 76  in flight 16  ok 43`) fitted by dropping whole
/// items, the least important first, so that a number is never cut (`handled 211` never
/// shows as `handled 2`). The kept items keep their order.
package struct ItemLine: Widget, Sendable {
  package struct Item: Sendable {
    package var label: String
    package var value: String
    package var style: StyleRole
    /// Higher is kept longer; `nil` is never dropped.
    package var priority: Int?

    package init(_ label: String, _ value: String, style: StyleRole = .normal, priority: Int? = nil)
    {
      self.label = label
      self.value = value
      self.style = style
      self.priority = priority
    }

    var width: Int {
      label.cellWidth + value.cellWidth + (label.isEmpty || value.isEmpty ? 0 : 1)
    }
  }

  package var items: [Item]
  package static let spacing = 2

  package init(_ items: [Item]) {
    self.items = items
  }

  /// The items that fit in `width` cells.
  package func fitted(width: Int) -> [Item] {
    var kept = items
    func length() -> Int {
      kept.reduce(0) { $0 + $1.width } + Self.spacing * max(0, kept.count - 1)
    }
    while length() > width {
      guard
        let least = kept.indices.filter({ kept[$0].priority != nil }).min(by: {
          (kept[$0].priority ?? 0, -$0) < (kept[$1].priority ?? 0, -$1)
        })
      else { break }
      kept.remove(at: least)
    }
    return kept
  }

  /// The cells the fitted items take in `width`.
  package func usedWidth(in width: Int) -> Int {
    let kept = fitted(width: width)
    return kept.reduce(0) { $0 + $1.width } + Self.spacing * max(0, kept.count - 1)
  }

  /// Draws the items that fit on the area's first row; labels dim, values in their style.
  package func render(into buffer: inout ScreenBuffer, in area: Rect) {
    guard !area.isEmpty else { return }
    var column = area.column
    for (index, item) in fitted(width: area.width).enumerated() {
      if index > 0 { column += Self.spacing }
      if !item.label.isEmpty {
        column = buffer.write(
          item.value.isEmpty ? item.label : item.label + " ", row: area.row, column: column,
          style: .dim, width: area.right - column)
      }
      column = buffer.write(
        item.value, row: area.row, column: column, style: item.style,
        width: max(0, area.right - column))
    }
  }
}
