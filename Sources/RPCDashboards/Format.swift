import NIOCore

/// Short human formats for the dashboards.
package enum Format {
  /// `0.42 ms`, `12.3 ms`, `812 ms`, `2.41 s`, `3m05s`.
  package static func duration(_ amount: TimeAmount) -> String {
    let nanoseconds = amount.nanoseconds
    let sign = nanoseconds < 0 ? "-" : ""
    let magnitude = Double(nanoseconds.magnitude)  // abs(Int64.min) would trap
    // Each bound is where the rounded figure would reach the next unit's first value, so
    // 999.6 ms reads `1.00 s`, never `1000 ms`.
    switch magnitude {
    case ..<9_995_000: return sign + fixed(magnitude / 1e6, 2) + " ms"
    case ..<99_950_000: return sign + fixed(magnitude / 1e6, 1) + " ms"
    case ..<999_500_000: return sign + fixed(magnitude / 1e6, 0) + " ms"
    case ..<59_995_000_000: return sign + fixed(magnitude / 1e9, 2) + " s"
    default:
      let seconds = Int((magnitude / 1e9).rounded())
      let remainder = seconds % 60
      return sign + "\(seconds / 60)m" + (remainder < 10 ? "0" : "") + "\(remainder)s"
    }
  }

  /// A duration from microseconds.
  package static func microseconds(_ value: UInt64) -> String {
    duration(.microseconds(Int64(min(value, UInt64(Int64.max / 1_000)))))
  }

  /// `12.3/s`.
  package static func rate(_ perSecond: Double) -> String {
    perSecond >= 100 ? fixed(perSecond, 0) + "/s" : fixed(perSecond, 1) + "/s"
  }

  /// `digits` decimals, without Foundation; `-` when not finite, and Swift's own notation
  /// (`1e+300`) beyond what 64-bit integers can hold after scaling.
  package static func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<max(0, digits) { scale *= 10 }
    // Past Int64's range (a peer's timestamps can say anything) the plain description will do.
    guard let scaled = Int64(exactly: (abs(value) * scale).rounded()) else { return "\(value)" }
    let whole = scaled / Int64(scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
    if digits > 0 {
      let fraction = String(scaled % Int64(scale))
      text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
  }
}

extension Format {
  /// `0.42 ms`, `12.3 ms`, `812 ms`, `2.41 s`, `3m05s` (saturating beyond ±292 years).
  package static func duration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    let (nanoseconds, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
    guard !overflow, !sumOverflow else {
      return Self.duration(.nanoseconds(seconds < 0 ? .min : .max))
    }
    return Self.duration(TimeAmount.nanoseconds(nanoseconds))
  }
}

extension Duration {
  /// The duration in milliseconds, as a `Double` (for display).
  package var milliseconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
  }
}
