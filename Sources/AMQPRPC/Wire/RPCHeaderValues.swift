import AMQPProtocol
import NIOCore

/// Reads the `x-rpc-*` headers a peer sent, whatever their field type and value.
///
/// Headers come from any program that can publish to the queue, so each reader accepts every
/// field type (RabbitMQ's tags, see ``AMQPFieldValue``) and every value of it, and answers
/// `nil` for what it cannot use. Nothing here can trap.
enum RPCHeaderValues {
  /// A time in µs since the Unix epoch (the deadline, received and replied headers): any
  /// integer type; `T` timestamps, which are seconds, scaled to µs (saturating); a float or
  /// double, rounded down and clamped (NaN is `nil`). Anything else is `nil`.
  static func microseconds(_ value: AMQPFieldValue?) -> Int64? {
    switch value {
    case .timestamp(let seconds):
      let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
      return overflow || scaled > UInt64(Int64.max) ? .max : Int64(scaled)
    case .float(let float): return integer(Double(float))
    case .double(let double): return integer(double)
    case .some(let value): return value.intValue
    case .none: return nil
    }
  }

  /// Text (the error, error-kind and worker headers): `S` long strings, and `x` byte arrays
  /// decoded as UTF-8 (invalid sequences become U+FFFD). Anything else is `nil`.
  static func text(_ value: AMQPFieldValue?) -> String? {
    switch value {
    case .string(let text): text
    case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
    default: nil
    }
  }

  /// `value` rounded down, clamped to `Int64`'s range (so −1e300 or −∞ is long past, not
  /// "no deadline"); `nil` for NaN.
  private static func integer(_ value: Double) -> Int64? {
    guard !value.isNaN else { return nil }
    return Int64(exactly: value.rounded(.down)) ?? (value < 0 ? .min : .max)
  }
}

extension Int64 {
  /// `self - other`, clamped to `Int64.min…Int64.max` instead of trapping (for differences
  /// of timestamps a peer sent).
  func saturatingDifference(_ other: Int64) -> Int64 {
    let (difference, overflow) = subtractingReportingOverflow(other)
    guard overflow else { return difference }
    return other < 0 ? .max : .min
  }
}
