import NIOCore

/// How the client writes its correlation-id prefixes and the timeouts its errors state.
extension RPCClient {
  /// `value` as eight lowercase hex digits, leading zeros kept (`00c9779a`), so that every
  /// client's correlation ids have a prefix of one length.
  package static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// A timeout as asked, exact to the microsecond: `1 ms`, `0.5 ms`, `250 ms`, `2 s`,
  /// `1.5 s`, `86400 s`.
  package static func timeoutText(_ amount: TimeAmount) -> String {
    let nanoseconds = max(0, amount.nanoseconds)
    let (unit, name): (Int64, String) =
      nanoseconds < 1_000_000_000 ? (1_000_000, "ms") : (1_000_000_000, "s")
    let whole = nanoseconds / unit
    // Three decimals at most (microseconds for ms), trailing zeros dropped.
    let thousandths = (nanoseconds % unit) / (unit / 1_000)
    guard thousandths > 0 else { return "\(whole) \(name)" }
    var fraction = String(thousandths)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(whole).\(fraction) \(name)"
  }
}
