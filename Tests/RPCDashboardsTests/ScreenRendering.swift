import NIOCore

@testable import RPCDashboards
@testable import TerminalUI

/// A dashboard that draws a whole screen: the client's, the server's and the demo's.
protocol RenderedScreen {
  mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline)
}

extension ClientDashboard: RenderedScreen {}
extension ServerDashboard: RenderedScreen {}
extension DemoDashboard: RenderedScreen {}

/// Screens rendered into a buffer, the one way every screen test draws them.
enum ScreenRendering {
  static func dimensions(_ size: String) -> (width: Int, height: Int) {
    let parts = size.split(separator: "x").compactMap { Int($0) }
    return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
  }

  /// `screen` drawn at `width`×`height` for `now` (the fixtures' moment by default); the
  /// screen keeps what drawing changes (expired messages, the too-small state).
  static func buffer(
    of screen: inout some RenderedScreen, width: Int = 80, height: Int = 24,
    now: NIODeadline = ScreenFixtures.now
  ) -> ScreenBuffer {
    var buffer = ScreenBuffer(width: width, height: height)
    screen.render(into: &buffer, now: now)
    return buffer
  }

  /// As ``buffer(of:width:height:now:)``, the rows without trailing spaces.
  static func lines(
    of screen: inout some RenderedScreen, width: Int = 80, height: Int = 24,
    now: NIODeadline = ScreenFixtures.now
  ) -> [String] {
    buffer(of: &screen, width: width, height: height, now: now).trimmedLines
  }

  /// A fixture screen rendered at a size written `80x24`.
  static func lines(_ fixture: some RenderedScreen, size: String) -> [String] {
    var screen = fixture
    let (width, height) = dimensions(size)
    return lines(of: &screen, width: width, height: height)
  }

  /// The fixture screen named `demo`, `client` or `server` at a size written `80x24`.
  static func fixture(_ name: String, size: String) -> [String] {
    switch name {
    case "demo": demo(size)
    case "client": client(size)
    case "client-raw": lines(ScreenFixtures.rawClient(), size: size)
    case "server": server(size)
    default: []
    }
  }

  static func demo(_ size: String) -> [String] { lines(ScreenFixtures.demo(), size: size) }
  static func client(_ size: String) -> [String] { lines(ScreenFixtures.client(), size: size) }
  static func server(_ size: String) -> [String] { lines(ScreenFixtures.server(), size: size) }
}
