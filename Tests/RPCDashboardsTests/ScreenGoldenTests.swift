import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The three screens at the sizes terminals open at, compared with `Goldens/<screen>-<W>x<H>.txt`
/// (re-record with `RECORD_GOLDENS=1`).
@Suite struct ScreenGoldenTests {
  static let cases = ScreenFixtures.sizes.map { "\($0.width)x\($0.height)" }

  @Test(arguments: cases) func demoMatchesItsGolden(size: String) throws {
    try GoldenFile.check(ScreenRendering.demo(size), against: "demo-\(size).txt")
  }

  @Test(arguments: cases) func clientMatchesItsGolden(size: String) throws {
    try GoldenFile.check(ScreenRendering.client(size), against: "client-\(size).txt")
  }

  @Test(arguments: cases) func serverMatchesItsGolden(size: String) throws {
    try GoldenFile.check(ScreenRendering.server(size), against: "server-\(size).txt")
  }
}

/// The fixtures rendered at a size written `80x24`.
enum ScreenRendering {
  static func dimensions(_ size: String) -> (width: Int, height: Int) {
    let parts = size.split(separator: "x").compactMap { Int($0) }
    return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
  }

  static func demo(_ size: String) -> [String] {
    let (width, height) = dimensions(size)
    var board = ScreenFixtures.demo()
    var buffer = ScreenBuffer(width: width, height: height)
    board.render(into: &buffer, now: ScreenFixtures.now)
    return buffer.trimmedLines
  }

  static func client(_ size: String) -> [String] {
    let (width, height) = dimensions(size)
    var board = ScreenFixtures.client()
    var buffer = ScreenBuffer(width: width, height: height)
    board.render(into: &buffer, now: ScreenFixtures.now)
    return buffer.trimmedLines
  }

  static func server(_ size: String) -> [String] {
    let (width, height) = dimensions(size)
    var board = ScreenFixtures.server()
    var buffer = ScreenBuffer(width: width, height: height)
    board.render(into: &buffer, now: ScreenFixtures.now)
    return buffer.trimmedLines
  }
}
