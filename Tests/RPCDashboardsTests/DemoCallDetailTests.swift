import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// rpc-demo's half of the selection: the panel of a call in flight says where it is (queued,
/// held by a worker, computing), Tab moves between lists while selecting, the worker that
/// holds the selected id is highlighted, and the queue's path shows at 120×40.
@Suite struct DemoCallDetailTests {
  let now = ScreenFixtures.now

  /// A demo whose client has `4ac5f75d-3` in flight and whose worker w2 computes `-7` and
  /// holds `-3` behind it.
  func demo(holding: [String] = ["4ac5f75d-7", "4ac5f75d-3"], busy: String? = "4ac5f75d-7")
    -> DemoDashboard
  {
    var server = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: 4, work: .recursive, maximumN: 40)
    server.status = .connected
    server.queueStatus = (ready: 5, consumers: 2)
    var w2 = RPCWorkerStats(
      id: 2, name: "vm-17118/w2",
      state: busy.map { .busy(n: 35, correlationID: $0, since: .milliseconds(12)) } ?? .idle,
      prefetch: 4, processed: 3, errors: 0, expired: 0, rejected: 0, rate: 1, service: .empty,
      utilisation: 0.5, held: holding.count)
    w2.heldCorrelationIDs = holding
    let w1 = RPCWorkerStats(
      id: 1, name: "vm-17118/w1", state: .idle, prefetch: 4, processed: 3, errors: 0,
      expired: 0, rejected: 0, rate: 1, service: .empty, utilisation: 0.1)
    server.update(stats: RPCServerStats(workers: [w1, w2]), now: now)
    return DemoDashboard(client: CallDetailFixtures.client(), server: server)
  }

  func text(_ board: inout DemoDashboard, width: Int = 120, height: Int = 40) -> String {
    ScreenRendering.lines(of: &board, width: width, height: height).joined(separator: "\n")
  }

  @Test func aCallHeldByAWorkerIsSaidToBeInLineThere() {
    var board = demo()
    for key in [Key.function(4), .enter] { _ = board.handle(key, now: now) }
    #expect(text(&board).contains("at worker w2 (held, 2nd in line)"))
  }

  @Test func aCallBeingComputedIsSaidToBeComputing() {
    var board = demo(holding: ["4ac5f75d-3"], busy: "4ac5f75d-3")
    for key in [Key.function(4), .enter] { _ = board.handle(key, now: now) }
    #expect(text(&board).contains("computing at w2 for 12.0 ms"))
  }

  @Test func aCallNoWorkerHoldsIsQueued() {
    var board = demo(holding: [], busy: nil)
    for key in [Key.function(4), .enter] { _ = board.handle(key, now: now) }
    #expect(text(&board, width: 80, height: 24).contains("queued (not yet at a worker)"))
  }

  @Test func tabMovesBetweenListsWhileSelectingAndWorkersOtherwise() {
    var board = demo()
    _ = board.handle(.tab, now: now)
    #expect(board.server.selected == 1)
    _ = board.handle(.function(4), now: now)
    _ = board.handle(.tab, now: now)
    #expect(board.client.selection.list == .completed)
    #expect(board.server.selected == 1)
    // The workers' keys still work while selecting.
    #expect(board.handle(.function(7), now: now) == [.server(.pauseWorker(id: 2))])
  }

  @Test func theWorkerHoldingTheSelectedIdIsHighlightedWithItsIds() {
    var board = demo()
    _ = board.handle(.function(4), now: now)
    let buffer = ScreenRendering.buffer(of: &board, width: 200, height: 50)
    guard
      let row = buffer.trimmedLines.firstIndex(where: { $0.hasPrefix(" w2") || $0.hasPrefix("w2") })
    else {
      Issue.record("no w2 row")
      return
    }
    #expect(buffer.trimmedLines[row].contains("4ac5f75d-7 4ac5f75d-3"))
    let styles = Set((0..<buffer.width).map { buffer[row, $0].style })
    #expect(styles.contains(.accent), "\(buffer.trimmedLines[row])")
  }

  @Test func theQueuePathShowsAt120x40AndNotAt80x24() {
    var board = demo()
    #expect(text(&board).contains("queue ready 5"))
    #expect(text(&board).contains("unacked 2"))
    #expect(!text(&board, width: 80, height: 24).contains("queue ready"))
  }

  @Test(arguments: ["80x24", "120x40"])
  func inFlightPanelMatchesItsGolden(size: String) throws {
    var board = demo()
    for key in [Key.function(4), .enter] { _ = board.handle(key, now: now) }
    let (width, height) = ScreenRendering.dimensions(size)
    try GoldenFile.check(
      ScreenRendering.lines(of: &board, width: width, height: height),
      against: "demo-details-\(size).txt")
  }
}
