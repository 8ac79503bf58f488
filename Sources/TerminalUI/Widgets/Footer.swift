/// The key-help footer on one row: `Enter send  ↑/↓ history  ? help  q quit`. `? help` and
/// `q quit` always show (from the screen's minimum width); when the rest does not fit, the
/// least important items (the last) are abbreviated first — one key, the label's first
/// word — and then dropped.
package struct Footer: Widget, Sendable {
  package struct Item: Sendable, Hashable {
    /// Every key of the binding, as written (`F1`, `?`).
    package var keys: [String]
    package var label: String

    package init(keys: [String], label: String) {
      self.keys = keys
      self.label = label
    }

    /// Help and quit: never dropped, written with their one-character key.
    package var isEssential: Bool { label == "help" || label == "quit" }

    /// The keys and label at full length (`PgUp/PgDn`, `unknown reply`) or abbreviated.
    func text(abbreviated: Bool) -> (keys: String, label: String) {
      if isEssential {
        let short = keys.first { $0.count == 1 && $0 != " " } ?? keys.first ?? ""
        return (short, label)
      }
      guard abbreviated else { return (keys.joined(separator: "/"), label) }
      // A pair of opposite keys (↑/↓, PgUp/PgDn) reads as one; otherwise the shortest key.
      let key =
        keys.count == 2 && keys.allSatisfy({ $0.count > 1 || "↑↓←→".contains($0) })
        ? keys.joined(separator: "/") : (keys.min { $0.count < $1.count } ?? "")
      let word = label.split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init)
      return (key, word ?? label)
    }
  }

  package var items: [Item]

  package init(_ items: [Item]) {
    self.items = items
  }

  /// What fits in `width` cells: each kept item with its keys and label, in order.
  package func fitted(width: Int) -> [(keys: String, label: String)] {
    var abbreviated = Array(repeating: false, count: items.count)
    var kept = Array(repeating: true, count: items.count)
    func length() -> Int {
      items.indices.filter { kept[$0] }.reduce(0) { sum, index in
        let text = items[index].text(abbreviated: abbreviated[index])
        return sum + text.keys.cellWidth + 1 + text.label.cellWidth + 2
      } - 2
    }
    let optional = items.indices.filter { !items[$0].isEssential }.reversed()
    for index in optional where length() > width { abbreviated[index] = true }
    for index in optional where length() > width { kept[index] = false }
    return items.indices.filter { kept[$0] }.map { items[$0].text(abbreviated: abbreviated[$0]) }
  }

  package func render(into buffer: inout ScreenBuffer, in area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(row: area.row, from: area.column, width: area.width, style: .bar)
    var column = area.column
    for (index, item) in fitted(width: area.width).enumerated() {
      if index > 0 { column = buffer.write("  ", row: area.row, column: column, style: .bar) }
      column = buffer.write(
        item.keys, row: area.row, column: column, style: .key, width: area.right - column)
      column = buffer.write(
        " " + item.label, row: area.row, column: column, style: .bar,
        width: max(0, area.right - column))
    }
  }
}

/// Draws a footer of `key label` items on `row` (see ``Footer``).
package func renderFooter(
  _ items: [(keys: String, label: String)], into buffer: inout ScreenBuffer, row: Int
) {
  Footer(
    items.map {
      Footer.Item(keys: $0.keys.split(separator: "/").map(String.init), label: $0.label)
    }
  ).render(into: &buffer, in: Rect(row: row, column: 0, width: buffer.width, height: 1))
}
