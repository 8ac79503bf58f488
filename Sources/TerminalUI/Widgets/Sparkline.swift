/// A sparkline: one character per value, eight levels high.
public enum Sparkline {
  static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  static let ascii: [Character] = ["_", ".", "-", "-", "=", "=", "#", "#"]

  /// The newest `width` values scaled to the largest of them; `asciiOnly` for terminals
  /// without UTF-8.
  public static func render(_ values: [Double], width: Int, asciiOnly: Bool = false) -> String {
    let shown = values.suffix(max(0, width))
    guard let top = shown.max(), top > 0 else {
      return String(repeating: asciiOnly ? " " : " ", count: shown.count)
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
