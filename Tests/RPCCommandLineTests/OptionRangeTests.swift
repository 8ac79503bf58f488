import Testing

@testable import RPCCommandLine

@Suite struct OptionRangeTests {
  @Test(arguments: [
    ("30", Duration.seconds(30)), ("0.5", .milliseconds(500)), ("1e-3", .milliseconds(1)),
    ("86400", .seconds(86_400)),
  ])
  func secondsInTheRangeBecomeDurations(text: String, expected: Duration) throws {
    #expect(try OptionRange.replyTimeout.parse(text) == expected)
  }

  @Test(arguments: [
    "inf", "-inf", "infinity", "nan", "-nan", "1e300", "-1", "0", "0.0009", "86400.001", "abc",
    "", "30s", " 30", "0x10", "0x1p4",
  ])
  func replyTimeoutsThatAreNotFiniteOrOutOfRangeAreRefused(text: String) {
    #expect(throws: OptionRangeError(expected: "a number of seconds from 0.001 to 86400")) {
      try OptionRange.replyTimeout.parse(text)
    }
  }

  @Test func tourPaceMayBeZero() throws {
    #expect(try OptionRange.tourPace.parse("0") == .zero)
    #expect(throws: OptionRangeError.self) { try OptionRange.tourPace.parse("3601") }
  }

  @Test(arguments: ["0", "-1", "1000000001", "99999999999999999999", "1.5", "1e3", "", "inf"])
  func measuredCallsOutsideOneToABillionAreRefused(text: String) {
    #expect(throws: OptionRangeError(expected: "a whole number from 1 to 1000000000")) {
      try OptionRange.measuredCalls.parse(text)
    }
  }

  @Test func wholeNumbersAtTheBoundsAreAccepted() throws {
    #expect(try OptionRange.workers.parse("1") == 1)
    #expect(try OptionRange.workers.parse("1000") == 1_000)
    #expect(try OptionRange.warmupCalls.parse("0") == 0)
    #expect(try OptionRange.fibonacciN.parse("92") == 92)
    #expect(throws: OptionRangeError.self) { try OptionRange.fibonacciN.parse("93") }
    #expect(throws: OptionRangeError.self) { try OptionRange.workers.parse("1001") }
  }

  @Test func prefetchTakesZeroForUnlimitedUpToTheLargestSixteenBitValue() throws {
    #expect(try OptionRange.prefetch.parse("0") == 0)
    #expect(try OptionRange.prefetch.parse("65535") == UInt16.max)
    for text in ["65536", "-1", "99999999999999999999", "nan"] {
      #expect(throws: OptionRangeError(expected: "a whole number from 0 to 65535")) {
        try OptionRange.prefetch.parse(text)
      }
    }
  }

  @Test func everySharedSecondsRangeConvertsItsUpperBound() throws {
    #expect(try OptionRange.measuringTime.parse("86400") == .seconds(86_400))
    #expect(try OptionRange.tourPace.parse("3600") == .seconds(3_600))
  }

  @Test func valuesAreDescribedAsTyped() {
    #expect(OptionRange.replyTimeout.describe(.seconds(30)) == "30")
    #expect(OptionRange.replyTimeout.describe(.milliseconds(500)) == "0.5")
    #expect(OptionRange.prefetch.describe(0) == "0")
  }
}

@Suite struct TerminalSafeTextTests {
  @Test func controlCharactersFromAPeerAreEscapedAndTheRestKept() {
    #expect("\u{1B}[31mRED\u{1B}[0m".escapingControlCharacters == "\\u{1B}[31mRED\\u{1B}[0m")
    #expect("a\nb\u{7F}\u{85}".escapingControlCharacters == "a\\u{A}b\\u{7F}\\u{85}")
    #expect("idé-7 ok".escapingControlCharacters == "idé-7 ok")
  }
}
