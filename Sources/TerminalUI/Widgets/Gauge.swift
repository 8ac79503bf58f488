/// A horizontal gauge such as `█████···` for a fraction (0…1) of its width.
package struct Gauge: Widget, Sendable {
  package var fraction: Double
  package var asciiOnly: Bool
  package var style: StyleRole = .normal

  package init(_ fraction: Double, asciiOnly: Bool = false) {
    self.fraction = fraction
    self.asciiOnly = asciiOnly
  }

  /// Fills the area's first row.
  package func render(into buffer: inout ScreenBuffer, in area: Rect) {
    guard !area.isEmpty else { return }
    buffer.write(
      Self.render(fraction, width: area.width, asciiOnly: asciiOnly), row: area.row,
      column: area.column, style: style, width: area.width)
  }

  /// The gauge for `fraction` (clamped to 0…1) in `width` cells.
  package static func render(_ fraction: Double, width: Int, asciiOnly: Bool = false) -> String {
    guard width > 0 else { return "" }
    let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
    let filled = Int((clamped * Double(width)).rounded())
    return String(repeating: asciiOnly ? "#" : "█", count: filled)
      + String(repeating: asciiOnly ? "." : "·", count: width - filled)
  }
}
