import NIOCore
import Testing

@testable import RPCDashboards

/// Figures from a peer (timing splits, rates) can be anything: formatting never traps.
@Suite struct FormatTests {
  @Test func durationsAndFiguresFormatAtEveryExtreme() {
    for nanoseconds: Int64 in [.min, .min + 1, -1, 0, 1, .max] {
      #expect(!Format.duration(.nanoseconds(nanoseconds)).isEmpty)
    }
    for value in [Double.infinity, -.infinity, .nan, 1e300, -1e300, 9.3e18, 0] {
      #expect(!Format.fixed(value, 2).isEmpty)
    }
    #expect(Format.fixed(1e300, 2) == "1e+300")
  }

  @Test func fixedDecimalsOfHugeOrNonFiniteValuesDoNotTrap() {
    #expect(Format.fixed(1e300, 2) == "1e+300")
    #expect(Format.fixed(-9.3e18, 0) == "-9.3e+18")
    #expect(Format.fixed(.infinity, 1) == "-")
    #expect(Format.fixed(.nan, 1) == "-")
    #expect(Format.fixed(12.345, 2) == "12.35")
    #expect(Format.fixed(-0.5, 1) == "-0.5")
  }

  /// A figure that rounds up to the next unit is written in that unit: `1.00 s`, never
  /// `1000 ms` (which reads as a different magnitude beside `812 ms`).
  @Test(arguments: [
    (Int64(9_994_999), "9.99 ms"), (9_995_000, "10.0 ms"),
    (99_949_999, "99.9 ms"), (99_950_000, "100 ms"),
    (999_499_999, "999 ms"), (999_500_000, "1.00 s"), (1_000_000_000, "1.00 s"),
    (59_994_999_999, "59.99 s"), (59_995_000_000, "1m00s"), (-999_600_000, "-1.00 s"),
  ])
  func durationsRoundIntoTheNextUnitAtItsBoundary(nanoseconds: Int64, expected: String) {
    #expect(Format.duration(.nanoseconds(nanoseconds)) == expected)
  }
}
