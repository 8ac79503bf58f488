/// A sparkline: one cell per value, eight levels high, scaled from 0 to the largest value
/// shown. As a widget it is labelled with what it plots and that scale
/// (`round trip 0–73.2 ms ▁▂▅█`), so a reader knows what the height means.
package struct Sparkline: Widget, Sendable {
  static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  static let ascii: [Character] = ["_", ".", "-", "-", "=", "=", "#", "#"]

  /// What is plotted (`mean round trip/s`).
  package var label: String
  /// Oldest first; the newest that fit are shown.
  package var values: [Double]
  /// Writes the top of the scale with its unit (`73.2 ms`, `21/s`).
  package var scale: @Sendable (Double) -> String
  package var asciiOnly: Bool
  package var style: StyleRole = .accent

  /// The fewest bars worth showing.
  package static let minimumBars = 8

  package init(
    label: String, values: [Double], asciiOnly: Bool = false,
    scale: @escaping @Sendable (Double) -> String
  ) {
    self.label = label
    self.values = values
    self.asciiOnly = asciiOnly
    self.scale = scale
  }

  /// `label 0–top ` before the bars, for the values that `bars` cells show.
  package func caption(bars: Int) -> String {
    let top = values.suffix(max(0, bars)).max() ?? 0
    return "\(label) 0\(asciiOnly ? "-" : "–")\(scale(max(0, top))) "
  }

  /// The cells the caption and `minimumBars` bars need.
  package var minimumWidth: Int { caption(bars: Self.minimumBars).cellWidth + Self.minimumBars }

  /// Draws the caption and as many bars as fit on the area's first row; nothing when fewer
  /// than ``minimumBars`` fit or no value shown is above 0.
  package func render(into buffer: inout ScreenBuffer, in area: Rect) {
    guard !area.isEmpty else { return }
    // The caption's scale depends on the bars shown; settle it from the widest case.
    var bars = area.width - caption(bars: area.width).cellWidth
    bars = max(0, min(bars, area.width - caption(bars: bars).cellWidth))
    // Nothing measured yet: no scale to state, no bars to draw.
    guard bars >= Self.minimumBars, values.suffix(bars).contains(where: { $0 > 0 }) else { return }
    let text = caption(bars: bars)
    let column = buffer.write(text, row: area.row, column: area.column, style: .dim)
    buffer.write(
      Self.render(values, width: bars, asciiOnly: asciiOnly), row: area.row, column: column,
      style: style, width: area.right - column)
  }

  /// The newest `width` values scaled to the largest of them; `asciiOnly` for terminals
  /// without UTF-8.
  package static func render(_ values: [Double], width: Int, asciiOnly: Bool = false) -> String {
    let shown = values.suffix(max(0, width))
    guard let top = shown.max(), top > 0 else {
      return String(repeating: " ", count: shown.count)
    }
    let levels = asciiOnly ? ascii : blocks
    return String(
      shown.map { value -> Character in
        guard value > 0 else { return " " }
        let level = Int((value / top * Double(levels.count - 1)).rounded())
        return levels[min(levels.count - 1, max(0, level))]
      })
  }
}
