/// The `basic.qos` prefetch count as the server screen shows and steps it. 0 is legal and
/// means unlimited, so it ranks above every count: the keys step 1 … ``highestStep`` one at a
/// time and then to unlimited, and back. No step leaves the `UInt16` range.
package enum Prefetch {
  /// The largest count the raise key steps through before unlimited.
  package static let highestStep: UInt16 = 1_000

  /// `unlimited` for 0, else the count.
  package static func describe(_ prefetch: UInt16) -> String {
    prefetch == 0 ? "unlimited" : String(prefetch)
  }

  /// One step up: the next count, unlimited after ``highestStep`` (or a larger count given on
  /// the command line), unlimited stays unlimited.
  package static func raised(_ prefetch: UInt16) -> UInt16 {
    switch prefetch {
    case 0: 0
    case highestStep...: 0
    default: prefetch + 1
    }
  }

  /// One step down: the previous count, ``highestStep`` below unlimited, 1 stays 1.
  package static func lowered(_ prefetch: UInt16) -> UInt16 {
    switch prefetch {
    case 0: highestStep
    case 1: 1
    default: prefetch - 1
    }
  }
}
