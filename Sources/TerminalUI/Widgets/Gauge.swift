/// A horizontal gauge such as `█████▌    ` for a fraction.
public enum Gauge {
  /// The gauge for `fraction` (clamped to 0…1) in `width` cells.
  public static func render(_ fraction: Double, width: Int, asciiOnly: Bool = false) -> String {
    guard width > 0 else { return "" }
    let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
    let filled = Int((clamped * Double(width)).rounded())
    return String(repeating: asciiOnly ? "#" : "█", count: filled)
      + String(repeating: asciiOnly ? "." : "·", count: width - filled)
  }
}
