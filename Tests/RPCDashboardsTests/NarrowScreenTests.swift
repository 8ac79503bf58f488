import AMQPClient
import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// At 80 columns and below: the help box with nothing of the screen beneath against its
/// edges, the worker of each reply and its server, broker notices wrapped whole, and no key
/// but quit taken while the screen says it is too small.
@Suite struct NarrowScreenTests {
  let now = ScreenFixtures.now

  func buffer(width: Int = 80, height: Int = 24, _ draw: (inout ScreenBuffer) -> Void)
    -> ScreenBuffer
  {
    var buffer = ScreenBuffer(width: width, height: height)
    draw(&buffer)
    return buffer
  }

  @Test func theHelpBoxLetsNothingOfTheScreenThroughAt80x24() {
    var client = ScreenFixtures.client()
    _ = client.handle(.character("?"), now: now)
    var server = ScreenFixtures.server()
    _ = server.handle(.character("?"), now: now)
    var demo = ScreenFixtures.demo()
    _ = demo.handle(.character("?"), now: now)
    let screens = [
      ("client", buffer { client.render(into: &$0, now: now) }),
      ("server", buffer { server.render(into: &$0, now: now) }),
      ("demo", buffer { demo.render(into: &$0, now: now) }),
    ]
    for (name, screen) in screens {
      // The box's rows: its fill starts in the second column.
      let rows = (1..<(screen.height - 1)).filter { screen[$0, 1].style == .bar }
      #expect(rows.count > 10, "\(name): \(screen.lines.joined(separator: "\n"))")
      for row in rows {
        #expect(
          screen[row, 0].character == " " && screen[row, screen.width - 1].character == " ",
          "\(name) row \(row): |\(screen.lines[row])|")
      }
    }
  }
}
