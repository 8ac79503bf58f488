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
}
