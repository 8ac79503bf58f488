import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// A line longer than the input keeps is refused whole, never sent cut (`1 ` ×99 then `123`
/// once became fib(12)).
@Suite struct ClientDashboardLongInputTests {
  let now = NIODeadline.uptimeNanoseconds(50_000_000_000)

  func dashboard() -> ClientDashboard { .forTests() }

  func type(_ text: String, into dashboard: inout ClientDashboard) -> [ClientDashboard.Command] {
    for character in text { _ = dashboard.handle(.character(character), now: now) }
    return dashboard.handle(.enter, now: now)
  }

  @Test func aPastedLineLongerThanTheInputIsRefusedAndNothingIsSent() {
    var dashboard = dashboard()
    let long = String(repeating: "1 ", count: 99) + "123"  // 201 characters
    #expect(type(long, into: &dashboard).isEmpty)
    var buffer = ScreenBuffer(width: 120, height: 30)
    dashboard.render(into: &buffer, now: now)
    let screen = buffer.trimmedLines.joined(separator: "\n")
    #expect(screen.contains("input longer than 200 characters"), "\(screen)")
    #expect(screen.contains("nothing sent"))
    // The next line is judged on its own.
    #expect(type("12", into: &dashboard) == [.send([12])])
  }

  @Test func aLineOfExactlyTheLimitIsSent() {
    var dashboard = dashboard()
    let exact = String(repeating: "1 ", count: 99) + "12"  // 200 characters
    #expect(type(exact, into: &dashboard) == [.send(Array(repeating: 1, count: 99) + [12])])
  }
}
