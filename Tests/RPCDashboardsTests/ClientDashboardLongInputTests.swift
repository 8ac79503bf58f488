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
    // The line stays to be edited; cleared, the next line is judged on its own.
    #expect(dashboard.input.text == String(long.prefix(200)))
    _ = dashboard.handle(.control("u"), now: now)
    #expect(type("12", into: &dashboard) == [.send([12])])
  }

  @Test func aLineOfExactlyTheLimitIsSent() {
    var dashboard = dashboard()
    let exact = String(repeating: "1 ", count: 99) + "12"  // 200 characters
    #expect(type(exact, into: &dashboard) == [.send(Array(repeating: 1, count: 99) + [12])])
  }
}

/// A refused long line stays (what fitted) to be edited, and the screen says at once that
/// keys are being dropped.
extension ClientDashboardLongInputTests {
  func screen(_ dashboard: inout ClientDashboard) -> String {
    ScreenRendering.lines(of: &dashboard, now: now).joined(separator: "\n")
  }

  @Test(arguments: [false, true])
  func aRefusedLongLineKeepsWhatFittedAndTheNoteSaysSoWhileTyping(raw: Bool) {
    var dashboard = dashboard()
    dashboard.rawMode = raw
    let limit = dashboard.input.maximumLength
    let long = String(repeating: "1 ", count: (limit + 48) / 2)  // 48 characters too many
    for character in long.prefix(limit) { _ = dashboard.handle(.character(character), now: now) }
    #expect(!screen(&dashboard).contains("input full"))
    _ = dashboard.handle(.character("1"), now: now)
    #expect(
      screen(&dashboard).contains("input full: \(limit) characters"), "\(screen(&dashboard))")
    for character in long.dropFirst(limit + 1) {
      _ = dashboard.handle(.character(character), now: now)
    }
    #expect(dashboard.handle(.enter, now: now).isEmpty)
    #expect(dashboard.input.text == String(long.prefix(limit)))
    #expect(screen(&dashboard).contains("(48 more did not fit) — nothing sent"))
    // Sent unchanged, it is refused again; edited, it goes.
    #expect(dashboard.handle(.enter, now: now).isEmpty)
    for _ in 0..<(limit - 10) { _ = dashboard.handle(.backspace, now: now) }
    #expect(!dashboard.handle(.enter, now: now).isEmpty)
  }
}
