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
    #expect(error.reason == "makes more than 100000 requests")
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
    #expect(error.reason.contains("100000"))
  }
}
