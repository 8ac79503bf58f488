import NIOCore
import TerminalUI
import Testing

@testable import RPCDashboards

/// Numbers typed on the client screen: huge, negative or not finite values are refused
/// where they are typed, and nothing is sent.
extension ClientDashboardTests {
  func submit(_ text: String, to board: inout ClientDashboard) -> [ClientDashboard.Command] {
    for character in text { _ = board.handle(.character(character), now: t0) }
    return board.handle(.enter, now: t0)
  }

  @Test(arguments: [
    "inf", "-inf", "nan", "1e300", "-1", "0", "0.0009", "86401", "99999999999999999999", "2 3",
  ])
  func typedTimeoutsOutsideTheRangeAreRefused(seconds: String) {
    var board = dashboard()
    #expect(submit(":timeout \(seconds)", to: &board) == [])
    #expect(board.timeout == .seconds(30))
    #expect(
      board.visibleMessage?.text == ":timeout takes seconds from 0.001 to 86400, e.g. :timeout 2")
  }

  @Test func typedTimeoutsAtTheBoundsAreTaken() {
    var board = dashboard()
    #expect(submit(":timeout 0.001", to: &board) == [.setTimeout(.milliseconds(1))])
    #expect(submit(":timeout 86400", to: &board) == [.setTimeout(.seconds(86_400))])
    #expect(board.visibleMessage?.text == "timeout is now 1440m00s")
  }

  @Test(arguments: [
    "99999999999999999999", "1..9223372036854775807", "25x99999999999999999999", "-5..3",
    "3..-5", "25x-1", "1..20 1x99999",
  ])
  func typedNumbersTooLargeOrNegativeSendNothing(text: String) {
    var board = dashboard()
    #expect(submit(text, to: &board) == [])
    #expect(board.visibleMessage?.style == .error)
  }
}
