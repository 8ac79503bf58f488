import AMQPRPC
import Foundation
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// A new user's trial of the screens: Completed keeps rows when stacked under an empty In
/// flight, a reason's number and a server's limit show whole, `reply_to` is never cut, and
/// columns depend on the terminal's size, not on the calls of the moment.
@Suite struct FreshUserScreenTests {
  let now = ScreenFixtures.now

  func reply(_ counter: Int, worker: String = "vm-20525/w1") -> RPCEndedCall {
    let id = ScreenFixtures.id(counter)
    return RPCEndedCall(
      correlationID: id, n: 27,
      result: .success(
        RPCReply(
          correlationID: id, n: 27, value: "196418", worker: worker,
          roundTrip: .microseconds(2_100),
          timing: RPCTiming(
            queueWait: .microseconds(100), service: .microseconds(1_700),
            returnTrip: .microseconds(300)))))
  }

  func failure(_ counter: Int, _ error: RPCError, n: Int = 27) -> RPCEndedCall {
    RPCEndedCall(correlationID: ScreenFixtures.id(counter), n: n, result: .failure(error))
  }

  /// A client with `ended` calls (newest last) and `inFlight`, nothing discarded.
  func client(
    _ ended: [RPCEndedCall], inFlight: [RPCInFlightCall] = [],
    callbackQueue: String = "amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g"
  ) -> ClientDashboard {
    var board = ClientDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", serverProduct: "RabbitMQ 4.1.4",
      callbackQueue: callbackQueue, queue: "rpc_queue", timeout: .seconds(30))
    board.status = .connected
    board.workersListening = .some(2)
    board.update(
      stats: ScreenFixtures.snapshot(ended: ended, inFlight: inFlight, discarded: []), now: now)
    return board
  }

  /// Rows of Completed shown: lines after its heading row that hold one of its ids.
  func completedRows(_ lines: [String]) -> Int {
    guard let title = lines.firstIndex(where: { $0.contains("Completed") }) else { return 0 }
    return lines.dropFirst(title + 2).prefix { $0.contains("4ac5f75d-") }.count
  }

  @Test(arguments: ["50x16", "60x16"])
  func anEmptyInFlightLeavesCompletedItsRows(size: String) {
    let lines = ScreenRendering.lines(client((0..<24).map { reply($0) }), size: size)
    #expect(lines.contains { $0.contains("nothing in flight") }, "\(lines.joined(separator: "\n"))")
    #expect(completedRows(lines) >= 3, "\(lines.joined(separator: "\n"))")
  }

  @Test func theDemoAtItsMinimumShowsCompletedRows() {
    var demo = ScreenFixtures.demo()
    demo.client = client((0..<24).map { reply($0) })
    let lines = ScreenRendering.lines(demo, size: "70x24")
    #expect(completedRows(lines) >= 2, "\(lines.joined(separator: "\n"))")
  }

  @Test func bothStackedListsKeepRowsWhenBothHaveCalls() {
    let lines = ScreenRendering.lines(
      client((0..<24).map { reply($0) }, inFlight: ScreenFixtures.inFlight), size: "60x16")
    #expect(completedRows(lines) >= 1, "\(lines.joined(separator: "\n"))")
    let inFlight = lines.firstIndex { $0.contains("In flight") } ?? lines.count
    #expect(
      lines.dropFirst(inFlight + 2).prefix { $0.contains("4ac5f75d-") }.count >= 1,
      "\(lines.joined(separator: "\n"))")
  }

  @Test func aTimeoutsNumberShowsWholeAt80Columns() {
    let timedOut = RPCError(
      code: .timedOut, message: "no reply within 1 ms", correlationID: ScreenFixtures.id(24))
    for inFlight in [[], ScreenFixtures.inFlight] {
      var demo = ScreenFixtures.demo()
      demo.client = client((0..<24).map { reply($0) } + [failure(24, timedOut)], inFlight: inFlight)
      let lines = ScreenRendering.lines(demo, size: "80x24")
      let row = lines.first { $0.contains(ScreenFixtures.id(24)) } ?? ""
      #expect(row.contains("timed out") && row.contains("1 ms"), "\(lines.joined(separator: "\n"))")
    }
  }

  @Test func aServersLimitShowsAt120Columns() {
    let tooLarge = RPCError(
      code: .serverError, message: "n = 46 is above this server's limit 45",
      serverErrorKind: .tooLarge, correlationID: ScreenFixtures.id(24))
    let lines = ScreenRendering.lines(
      client((0..<24).map { reply($0) } + [failure(24, tooLarge, n: 46)]), size: "120x40")
    let row = lines.first { $0.contains(ScreenFixtures.id(24)) } ?? ""
    #expect(row.contains("limit 45"), "\(lines.joined(separator: "\n"))")
  }

  @Test func anUnroutableCallNamesItsQueueWholeAt80Columns() {
    // `rpc-client --queue nosuchq`, then `5`: ids as a real client makes them.
    let id = "71ba300f-44"
    let unroutable = RPCError(
      code: .unroutable,
      message: "no queue \"nosuchq\" to take the request (312 NO_ROUTE); is any server running?",
      correlationID: id)
    let lines = ScreenRendering.lines(
      client([RPCEndedCall(correlationID: id, n: 5, result: .failure(unroutable))]),
      size: "80x24")
    let row = lines.first { $0.contains(id) } ?? ""
    #expect(row.contains("\"nosuchq\""), "\(lines.joined(separator: "\n"))")
    #expect(!row.contains("\"n…"), "\(row)")
  }

  @Test func aCallLostWithTheLinkSaysConnectionLostAt80Columns() {
    let id = "71ba300f-45"
    let lost = RPCError(
      code: .connectionLost,
      message: "the broker closed the connection: 320 CONNECTION_FORCED - broker forced "
        + "connection closure with reason 'shutdown'",
      correlationID: id)
    let lines = ScreenRendering.lines(
      client([RPCEndedCall(correlationID: id, n: 36, result: .failure(lost))]), size: "80x24")
    let row = lines.first { $0.contains(id) } ?? ""
    #expect(row.contains("connection lost: the broker"), "\(lines.joined(separator: "\n"))")
  }

  /// Labels `a:w1`, `b:w2`, `c:w1` always come with the legend that names the servers,
  /// also with three of them at 80 columns.
  @Test(arguments: ["80x24", "120x40"])
  func threeServersAreNamedWheneverTheirLabelsShow(size: String) {
    let servers = ["vm-3349", "vm-4935", "vm-2197"]
    let ended = (0..<9).map { reply($0, worker: "\(servers[$0 % 3])/w\($0 % 2 + 1)") }
    let lines = ScreenRendering.lines(client(ended), size: size)
    let screen = lines.joined(separator: "\n")
    guard screen.contains("a:w") else { return }  // full names shown: no legend needed
    let title = lines.first { $0.contains("Completed (9)") } ?? ""
    for server in servers { #expect(title.contains(server), "\(screen)") }
    #expect(title.contains("a vm-") && title.contains("c vm-"), "\(screen)")
  }

  /// The note after a broker stop keeps the broker's reason to its end at 80 columns.
  @Test func theBrokersReasonForALostLinkIsWholeAt80Columns() {
    var board = client([])
    let reason =
      "the broker closed the connection: 320 CONNECTION_FORCED - broker forced connection "
      + "closure with reason 'shutdown'"
    board.apply(.link(.lost(reason: reason, failed: 0, resent: 0)), now: .uptimeNanoseconds(1))
    var buffer = ScreenBuffer(width: 80, height: 24)
    board.render(into: &buffer, now: .uptimeNanoseconds(1))
    let text = buffer.trimmedLines.prefix(6).joined(separator: " ")
      .split(separator: " ").joined(separator: " ")
    #expect(text.contains("closure with reason 'shutdown'"), "\(buffer.trimmedLines)")
  }

  /// Narrow screens abbreviate whole: the discarded counts at 50×16, the typing hint at 70.
  @Test func titlesAndHintsShortenWithoutCuts() {
    let client = ScreenRendering.lines(ScreenFixtures.client(), size: "50x16")
    let discarded = client.first { $0.hasPrefix("Discarded") } ?? ""
    #expect(discarded.hasPrefix("Discarded: late "), "\(client.joined(separator: "\n"))")
    #expect(!discarded.contains("…"), "\(discarded)")
    var demo = ScreenFixtures.demo()
    demo.caption = nil
    var buffer = ScreenBuffer(width: 70, height: 24)
    demo.render(into: &buffer, now: .uptimeNanoseconds(1))
    let hint = buffer.trimmedLines.first { $0.contains("numbers: ") } ?? ""
    #expect(hint.contains("? help") && !hint.contains("…"), "\(buffer.trimmedLines)")
  }

  @Test func aCutReasonEndsAfterAWholeWord() {
    let row = Table.Row(
      ["x"], spansFrom: 0, shorterSpans: ["timed out after 12.5 ms"])
    #expect(row.spanText("timed out: no reply within 12.5 ms", room: 20) == "timed out after …")
  }

  @Test(arguments: ["50x16", "60x16", "80x24"])
  func replyToStaysWholeInTheHeader(size: String) {
    let queue = "amq.gen-9WZzRlPT8l8f5ox52Y6wLA"
    let lines = ScreenRendering.lines(client([reply(0)], callbackQueue: queue), size: size)
    #expect(lines[0].contains(queue), "\(lines[0])")
  }

  @Test func aHeaderTooNarrowForItsEssentialsEndsInAMark() {
    let bar = HeaderBar(parts: [
      .init(text: "connected", priority: HeaderBar.essential),
      .init(text: "amq.gen-9WZzRlPT8l8f5ox52Y6wLA", priority: HeaderBar.essential),
    ])
    var buffer = ScreenBuffer(width: 30, height: 1)
    bar.render(into: &buffer, row: 0)
    #expect(buffer.trimmedLines[0].hasSuffix("…"), "\(buffer.trimmedLines[0])")
  }

  /// Completed's heading row (right of In flight) at `size`, In flight empty or full.
  func headings(_ size: String, inFlight: [RPCInFlightCall]) -> (
    inFlight: String, completed: String
  ) {
    let ended = (0..<24).map { reply($0, worker: "vm-20525/w\($0 % 2 + 1)") }
    let lines = ScreenRendering.lines(client(ended, inFlight: inFlight), size: size)
    let heading = lines.first { $0.contains("correlation id") && $0.contains("round trip") } ?? ""
    let split = heading.range(of: "correlation id", options: .backwards)?.lowerBound
    return (
      String(heading[..<(split ?? heading.endIndex)]),
      String(heading[(split ?? heading.startIndex)...])
    )
  }

  /// Every width from 60 to 140 columns: In flight empty or full shows the same columns.
  @Test func columnsStayAsCallsComeAndGo() {
    for width in 60...140 {
      let size = "\(width)x30"
      let empty = headings(size, inFlight: [])
      let full = headings(size, inFlight: ScreenFixtures.inFlight)
      #expect(empty.completed == full.completed, "\(size)")
      #expect(empty.inFlight.contains("left") == full.inFlight.contains("left"), "\(size)")
    }
  }

  @Test func theWorkersTrendDependsOnTheWidthOnly() {
    var idle = ScreenFixtures.server()
    var stats = idle.stats
    for index in stats.workers.indices { stats.workers[index].state = .idle }
    idle.update(stats: stats, now: now)
    for width in 60...140 {
      let size = "\(width)x30"
      let busy = ScreenRendering.lines(ScreenFixtures.server(), size: size)
      let calm = ScreenRendering.lines(idle, size: size)
      #expect(
        busy.contains { $0.contains("trend") } == calm.contains { $0.contains("trend") },
        "\(size)")
    }
  }
}
