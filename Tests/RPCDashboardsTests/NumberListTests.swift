import RPCDashboards
import Testing

@Suite struct NumberListTests {
  @Test func numbersListsRepeatsAndRanges() throws {
    #expect(try NumberList.parse("35").get() == [35])
    #expect(try NumberList.parse("30 31, 32").get() == [30, 31, 32])
    #expect(try NumberList.parse("7x3").get() == [7, 7, 7])
    #expect(try NumberList.parse("1..4").get() == [1, 2, 3, 4])
    #expect(try NumberList.parse("  ").get() == [])
  }

  @Test(arguments: [
    "abc", "-3", "99999999999999999999", "5..2", "1..", "x3", "3x0", "3x", "93", "1.5",
  ])
  func invalidInputIsRefusedNamingTheToken(text: String) {
    guard case .failure(let error) = NumberList.parse(text) else {
      Issue.record("\"\(text)\" should be refused")
      return
    }
    #expect(error.token == text)
  }

  @Test(arguments: [
    "1..9223372036854775807", "9223372036854775807..9223372036854775807", "-5..3", "3..-5",
    "25x99999999999999999999", "99999999999999999999x2", "25x-1", "1..2..3",
  ])
  func hugeAndNegativeNumbersAreRefusedNamingTheToken(text: String) {
    guard case .failure(let error) = NumberList.parse(text) else {
      Issue.record("\"\(text)\" should be refused")
      return
    }
    #expect(error.token == text)
  }

  @Test func aRangeOverEveryIntIsCountedNotMade() throws {
    // With no upper bound on n, the range is refused for its size before any array exists.
    guard case .failure(let error) = NumberList.parse("0..9223372036854775807", maximumN: .max)
    else {
      Issue.record("expected the limit to apply")
      return
    }
    #expect(error.reason == "makes too many requests: at most 100,000 per line")
    #expect(
      try NumberList.parse("9223372036854775806..9223372036854775807", maximumN: .max).get()
        == [.max - 1, .max])
  }

  @Test func aLineFillsExactlyUpToTheLimit() throws {
    #expect(try NumberList.parse("1x99990 1..10").get().count == 100_000)
    #expect(try NumberList.parse("0..92 5x99907").get().count == 100_000)
    guard case .failure(let error) = NumberList.parse("5x99907 0..93", maximumN: 93) else {
      Issue.record("expected the limit to apply")
      return
    }
    #expect(error.token == "0..93")
  }

  @Test func oneLineCannotAskForMoreThanTheLimit() {
    guard case .failure(let error) = NumberList.parse("1x100000 1") else {
      Issue.record("expected the limit to apply")
      return
    }
    #expect(error.reason == "makes 1 request after 100,000 before it: at most 100,000 per line")
  }

  /// Each refusal names what is actually wrong with the token, not the first form it failed.
  @Test(arguments: [
    ("1..1000", "asks for n = 1000, above 92, the largest n accepted"),
    ("93", "asks for n = 93, above 92, the largest n accepted"),
    ("99999999999999999999", "asks for n = 99999999999999999999, above 92, the largest n accepted"),
    ("100x5", "asks for n = 100, above 92, the largest n accepted"),
    ("-3", "asks for a negative n: n goes from 0 to 92"),
    ("3..-5", "asks for a negative n: n goes from 0 to 92"),
    ("25x-1", "needs a whole count after x, like 30x50"),
    ("5..2", "counts down: the smaller number comes first, like 2..5"),
    ("1..", "needs a number on both sides, like 1..40"),
    ("1..a", "is not like 1..40: \"a\" is not a whole number from 0 to 92"),
    ("x3", "needs a number before x, like 30x50"),
    ("3x0", "repeats 0 times: the count must be 1 or more"),
    ("3x", "needs a whole count after x, like 30x50"),
    ("30x200000", "makes 200,000 requests: at most 100,000 per line"),
    ("abc", "is not a whole number from 0 to 92"),
    ("box", "is not a whole number from 0 to 92"),
    ("1.5", "is not a whole number from 0 to 92"),
  ])
  func refusalsStateTheRealReason(text: String, reason: String) {
    guard case .failure(let error) = NumberList.parse(text) else {
      Issue.record("\"\(text)\" should be refused")
      return
    }
    #expect(error.reason == reason)
  }

  @Test func theBoundOnNIsTheOneGiven() throws {
    #expect(try NumberList.parse("40", maximumN: 40).get() == [40])
    guard case .failure(let error) = NumberList.parse("1..41", maximumN: 40) else {
      Issue.record("41 is above the bound")
      return
    }
    #expect(error.description == "\"1..41\" asks for n = 41, above 40, the largest n accepted")
  }
}
