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

  @Test func theHelpBoxLetsNothingOfTheScreenThroughAt80x24() {
    var client = ScreenFixtures.client()
    _ = client.handle(.character("?"), now: now)
    var server = ScreenFixtures.server()
    _ = server.handle(.character("?"), now: now)
    var demo = ScreenFixtures.demo()
    _ = demo.handle(.character("?"), now: now)
    let screens = [
      ("client", ScreenRendering.buffer(of: &client)),
      ("server", ScreenRendering.buffer(of: &server)),
      ("demo", ScreenRendering.buffer(of: &demo)),
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

  func completedCall(_ counter: Int, worker: String) -> RPCEndedCall {
    let id = ScreenFixtures.id(counter)
    return RPCEndedCall(
      correlationID: id, n: 30,
      result: .success(
        RPCReply(
          correlationID: id, n: 30, value: "832040", worker: worker,
          roundTrip: .microseconds(9_100),
          timing: RPCTiming(
            queueWait: .microseconds(100), service: .microseconds(8_700),
            returnTrip: .microseconds(300)))))
  }

  @Test func at80ColumnsEachReplyNamesItsWorkerAndTheTitleItsServers() {
    var board = ScreenFixtures.client()
    let ended = [
      completedCall(1, worker: "vm-17118/w1"), completedCall(2, worker: "ci-box-2231/w2"),
      completedCall(3, worker: "vm-17118/w2"),
    ]
    board.update(
      stats: ScreenFixtures.snapshot(
        ended: ended, inFlight: ScreenFixtures.inFlight, discarded: []),
      now: now)
    let lines = ScreenRendering.buffer(of: &board).trimmedLines
    let screen = lines.joined(separator: "\n")
    #expect(lines[5].hasSuffix("Completed (3) · a vm-17118 · b ci-box-2231"), "\(screen)")
    #expect(lines[6].hasSuffix(" worker"), "\(screen)")
    #expect(lines[7].hasSuffix(" a:w2"), "\(screen)")
    #expect(lines[8].hasSuffix(" b:w2"), "\(screen)")
    #expect(lines[9].hasSuffix(" a:w1"), "\(screen)")
  }

  @Test func aLegendShortensLongServerNamesInTheirMiddleKeepingThePid() {
    let legend = WorkerLegend(["build-agent-eu-west-1-0427.internal-48213/w2", nil])
    #expect(legend.label("build-agent-eu-west-1-0427.internal-48213/w2") == "w2")
    #expect(legend.label(nil) == "-")
    #expect(legend.text(width: 200) == "w on build-agent-eu-west-1-0427.internal-48213")
    #expect(legend.text(width: 22) == "w on build-ag…al-48213")
    #expect(legend.text(width: 12) == nil)
    #expect(WorkerLegend([nil]).text(width: 80) == nil)
  }

  static let longReason =
    "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'"

  @Test func brokerNoticesWrapWholeAt80Columns() {
    var client = ScreenFixtures.client()
    client.apply(.link(.lost(reason: Self.longReason, failed: 3, resent: 0)), now: now)
    var server = ScreenFixtures.server()
    server.apply(
      .connection(.disconnected(AMQPError(.connectionClosedByServer, Self.longReason))))
    var demo = ScreenFixtures.demo()
    demo.client = client
    demo.server = server
    for lines in [
      ScreenRendering.buffer(of: &client).trimmedLines,
      ScreenRendering.buffer(of: &server).trimmedLines,
      ScreenRendering.buffer(of: &demo).trimmedLines,
    ] {
      let text = lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
      let screen = lines.joined(separator: "\n")
      #expect(text.contains(Self.longReason), "\(screen)")
      #expect(lines.allSatisfy { $0.cellWidth <= 80 })
      // The lists and the workers still show.
      #expect(screen.contains("Workers (4)") || screen.contains("In flight (16)"), "\(screen)")
    }
  }

  @Test func whileTooSmallOnlyTheQuitKeysAreTaken() {
    var demo = ScreenFixtures.demo()
    var client = ScreenFixtures.client()
    var server = ScreenFixtures.server()
    let small = (width: 40, height: 12)
    _ = ScreenRendering.buffer(of: &demo, width: small.width, height: small.height)
    _ = ScreenRendering.buffer(of: &client, width: small.width, height: small.height)
    _ = ScreenRendering.buffer(of: &server, width: small.width, height: small.height)
    for key in [Key.function(5), .function(6), .function(8), .character("5"), .enter, .tab] {
      #expect(demo.handle(key, now: now).isEmpty, "\(key)")
    }
    #expect(client.handle(.character("7"), now: now).isEmpty)
    #expect(client.input.text.isEmpty)
    #expect(server.handle(.character("+"), now: now).isEmpty)
    #expect(server.handle(.character("?"), now: now).isEmpty && !server.showHelp)
    #expect(demo.handle(.character("q"), now: now) == [.client(.quit)])
    #expect(client.handle(.control("c"), now: now) == [.quit])
    #expect(server.handle(.character("q"), now: now) == [.quit])
    // Large enough again: every key works.
    _ = ScreenRendering.buffer(of: &demo)
    #expect(demo.handle(.function(5), now: now) == [.server(.addWorker)])
  }
}
