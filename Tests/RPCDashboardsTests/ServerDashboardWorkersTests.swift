import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The server view model driven with snapshots and keys: totals that keep removed workers,
/// one rate over one stated window, workers that stay (stopping) until they have ended,
/// messages replaced by the outcome, held requests, draining and the server's name.
@Suite struct ServerDashboardWorkersTests {
  let t0 = NIODeadline.uptimeNanoseconds(80_000_000_000)

  func dashboard(prefetch: UInt16 = 1) -> ServerDashboard {
    var dashboard = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: prefetch, work: .recursive, maximumN: 45)
    dashboard.status = .connected
    return dashboard
  }

  func worker(
    _ id: Int, _ state: RPCWorkerStats.State = .idle, processed: Int = 0, errors: Int = 0,
    prefetch: UInt16 = 1, held: Int = 0
  ) -> RPCWorkerStats {
    RPCWorkerStats(
      id: id, name: "vm-17118/w\(id)", state: state, prefetch: prefetch, processed: processed,
      errors: errors, expired: 0, rejected: 0, rate: 0,
      service: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0),
      utilisation: 0, held: held)
  }

  /// The panels only, as rpc-demo draws them (without the screen's own render).
  func panels(_ board: ServerDashboard, width: Int = 120, height: Int = 12) -> [String] {
    var board = board
    var buffer = ScreenBuffer(width: width, height: height)
    board.renderPanels(
      into: &buffer, in: Rect(row: 0, column: 0, width: width, height: height), showLog: false)
    return buffer.trimmedLines
  }

  func row(_ lines: [String], _ first: String) -> String? {
    lines.first { $0.hasPrefix(first + " ") }
  }

  @Test func totalsKeepTheCountsOfARemovedWorker() throws {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [worker(1, processed: 144), worker(2, processed: 85)]),
      now: t0)
    board.update(
      stats: RPCServerStats(
        workers: [worker(1, processed: 144)], retired: RPCWorkerTotals(processed: 85, errors: 2)),
      now: t0 + .milliseconds(100))
    let lines = panels(board)
    #expect(lines[0].contains("handled 231"))
    let all = try #require(row(lines, "all"))
    #expect(all.split(separator: " ").prefix(4) == ["all", "0", "229", "2"])
    #expect(row(lines, "w2") == nil)
  }

  @Test func everyRateIsOneComputationOverTheStatedWindow() throws {
    var board = dashboard()
    // Three workers each finish 8 requests a second, sampled at 10 frames a second, for 5 s.
    for frame in 0...50 {
      let done = frame * 8 / 10
      board.update(
        stats: RPCServerStats(workers: (1...3).map { worker($0, processed: done) }),
        now: t0 + .milliseconds(Int64(frame) * 100))
    }
    var lines = panels(board)
    #expect(lines[0].contains("rate 24.0/s over 5 s"))
    #expect(lines[2].contains("req/s over 5 s"))
    #expect(try #require(row(lines, "w1")).contains(" 8.0/s "))
    #expect(try #require(row(lines, "all")).contains(" 24.0/s"))
    // Then all three stay busy for 3 s: the rate falls as the window slides (the 48 requests
    // of its first 2 s remain in it), not to 0 while requests finished in the window.
    let busy = RPCWorkerStats.State.busy(n: 42, correlationID: "c-1", since: .seconds(1))
    for frame in 51...80 {
      board.update(
        stats: RPCServerStats(workers: (1...3).map { worker($0, busy, processed: 40, held: 1) }),
        now: t0 + .milliseconds(Int64(frame) * 100))
    }
    lines = panels(board)
    #expect(lines[0].contains("rate 9.6/s over 5 s"))
    #expect(try #require(row(lines, "all")).contains(" 9.6/s"))
    #expect(try #require(row(lines, "w3")).contains(" 3.2/s "))
  }

  /// A worker added between two snapshots that already handled a request counts it in its
  /// own rate as the summary does: with one worker, the two agree.
  @Test func aNewWorkersFirstRequestsCountInItsRate() throws {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [], retired: RPCWorkerTotals(processed: 5)), now: t0)
    board.update(
      stats: RPCServerStats(
        workers: [worker(4, processed: 1)], retired: RPCWorkerTotals(processed: 5)),
      now: t0 + .milliseconds(100))
    let lines = panels(board)
    #expect(lines[0].contains("rate 0.2/s over 5 s"), "\(lines)")
    #expect(try #require(row(lines, "w4")).contains(" 0.2/s "), "\(lines)")
  }

  /// The columns stay put while workers go busy and idle again (at 80 columns, where the
  /// state column is the one that varies), and settle once no busy state was seen for 10 s.
  @Test func columnsDoNotJumpWhenAWorkerGoesBusyAndBack() throws {
    var board = dashboard()
    let busy = RPCWorkerStats.State.busy(n: 30, correlationID: "0a7ec0d9-106", since: .zero)
    board.update(stats: RPCServerStats(workers: [worker(1), worker(2)]), now: t0)
    let idleHeading = try #require(panels(board, width: 80).first { $0.hasPrefix("id") })
    board.update(
      stats: RPCServerStats(workers: [worker(1, busy, held: 1), worker(2)]),
      now: t0 + .milliseconds(100))
    let busyHeading = try #require(panels(board, width: 80).first { $0.hasPrefix("id") })
    board.update(
      stats: RPCServerStats(workers: [worker(1), worker(2)]), now: t0 + .milliseconds(200))
    let afterHeading = try #require(panels(board, width: 80).first { $0.hasPrefix("id") })
    #expect(busyHeading != idleHeading, "the busy state widens the column")
    #expect(afterHeading == busyHeading)
    board.update(stats: RPCServerStats(workers: [worker(1), worker(2)]), now: t0 + .seconds(11))
    let settled = try #require(panels(board, width: 80).first { $0.hasPrefix("id") })
    #expect(settled == idleHeading)
  }

  @Test func aRemovedWorkerIsStoppingUntilItHasEndedThenItsRowGoes() throws {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [
        worker(1), worker(2, .busy(n: 40, correlationID: "c-7", since: .seconds(1)), held: 1),
      ]), now: t0)
    _ = board.handle(.down, now: t0)
    #expect(board.handle(.character("-"), now: t0) == [.removeWorker(id: 2)])
    #expect(board.handle(.character("-"), now: t0) == [], "asked once")
    #expect(panels(board)[1].hasPrefix(" removing w2: it finishes what it holds"))
    board.update(
      stats: RPCServerStats(workers: [worker(1), worker(2, .stopping, held: 1)]),
      now: t0 + .milliseconds(100))
    #expect(board.handle(.character("p"), now: t0) == [], "nothing to pause")
    #expect(panels(board)[1].hasPrefix(" w2 is stopping"))
    // Still answering fib(40): listed as stopping, holding it, past the message's 5 s.
    board.update(
      stats: RPCServerStats(workers: [worker(1), worker(2, .stopping, held: 1)]),
      now: t0 + .seconds(6))
    var lines = panels(board)
    let stopping = try #require(row(lines, "w2"))
    #expect(stopping.contains("stopping") && stopping.contains(" 1/1 "))
    #expect(board.isAnimating(now: t0 + .seconds(6)))
    // Answered and acknowledged: the row goes, its count stays in the totals.
    board.update(
      stats: RPCServerStats(workers: [worker(1)], retired: RPCWorkerTotals(processed: 1)),
      now: t0 + .seconds(7))
    lines = panels(board)
    #expect(row(lines, "w2") == nil)
    #expect(lines[1] == " w2 removed: it ended after what it held")
    #expect(try #require(row(lines, "all")).split(separator: " ").prefix(3) == ["all", "0", "1"])
  }

  @Test func addingSaysSoUntilTheWorkerIsListedThenTheMessageExpires() {
    var board = dashboard(prefetch: 4)
    board.update(stats: RPCServerStats(workers: [worker(1)]), now: t0)
    #expect(board.handle(.character("+"), now: t0) == [.addWorker])
    #expect(panels(board)[1] == " adding a worker…")
    board.update(
      stats: RPCServerStats(workers: [worker(1), worker(2, prefetch: 4)]),
      now: t0 + .milliseconds(300))
    #expect(panels(board)[1] == " w2 added: consuming rpc_queue, prefetch 4")
    // No render in between (rpc-demo draws the panels only): the snapshot expires it.
    board.update(
      stats: RPCServerStats(workers: [worker(1), worker(2, prefetch: 4)]), now: t0 + .seconds(6))
    #expect(panels(board)[1] == "")
    #expect(!board.isAnimating(now: t0 + .seconds(6)))
  }

  @Test func anAddThatNeverCompletesIsNotAwaitedForEver() {
    var board = dashboard()
    board.update(stats: RPCServerStats(workers: [worker(1)]), now: t0)
    _ = board.handle(.character("+"), now: t0)
    board.say("could not add a worker: channel closed", style: .error, now: t0)
    #expect(board.isAnimating(now: t0 + .seconds(1)))
    board.update(stats: RPCServerStats(workers: [worker(1)]), now: t0 + .seconds(11))
    #expect(!board.isAnimating(now: t0 + .seconds(11)))
    // A worker added later (by another press) is announced; the old ask is not counted.
    board.update(stats: RPCServerStats(workers: [worker(1), worker(2)]), now: t0 + .seconds(12))
    #expect(panels(board)[1] == "")
  }

  @Test func aWorkerShowsEveryRequestItHoldsUpToItsPrefetch() throws {
    var board = dashboard(prefetch: 4)
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .busy(n: 42, correlationID: "c-1", since: .seconds(2)), prefetch: 4, held: 4),
        worker(2, prefetch: 4),
        worker(3, .busy(n: 30, correlationID: "c-9", since: .zero), prefetch: 0, held: 7),
      ]), now: t0)
    let lines = panels(board)
    #expect(lines[3].contains(" held "))
    let busy = try #require(row(lines, "w1"))
    #expect(busy.contains("busy fib(42) c-1") && busy.contains(" 4/4 "))
    #expect(try #require(row(lines, "w2")).contains(" 0/4 "))
    #expect(try #require(row(lines, "w3")).contains(" 7 "))
    #expect(try #require(row(lines, "all")).split(separator: " ").prefix(2) == ["all", "11"])
  }

  @Test func drainingSaysHowManyRequestsAreStillHeld() {
    var board = dashboard()
    board.draining = true
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .stopping, prefetch: 4, held: 3), worker(2, .stopping, prefetch: 4, held: 2),
      ]), now: t0)
    var lines = panels(board)
    #expect(lines[1].hasPrefix(" draining 5 requests: "))
    #expect(board.handle(.character("+"), now: t0) == [], "no new worker while quitting")
    board.update(
      stats: RPCServerStats(workers: [], retired: RPCWorkerTotals(processed: 5)), now: t0)
    lines = panels(board)
    #expect(lines[1].hasPrefix(" draining 0 requests: "))
    #expect(lines.contains { $0.contains("every worker has ended; quitting") })
    #expect(!lines.contains { $0.contains("press + to add one") })
  }

  @Test func headerShowsTheServersOwnNameAtEveryWidth() {
    var board = dashboard()
    board.serverName = "vm-17118"
    board.queueStatus = (ready: 0, consumers: 3)
    for width in [60, 80, 120] {
      var buffer = ScreenBuffer(width: width, height: 24)
      board.render(into: &buffer, now: t0)
      #expect(buffer.trimmedLines[0].contains("vm-17118"), "at \(width) columns")
    }
  }
}
