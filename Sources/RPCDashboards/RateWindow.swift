/// The one window every rate on the screens is measured over, in seconds.
enum RateWindow { static let seconds = 5 }

extension RateWindow {
  /// A rate with its window: `12.3/s over 5 s`.
  static func text(_ perSecond: Double) -> String {
    "\(Format.rate(perSecond)) over \(seconds) s"
  }
}
