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

  @Test func oneLineCannotAskForMoreThanTheLimit() {
    guard case .failure(let error) = NumberList.parse("1x100000 1") else {
      Issue.record("expected the limit to apply")
      return
    }
    #expect(error.reason.contains("100000"))
  }
}
