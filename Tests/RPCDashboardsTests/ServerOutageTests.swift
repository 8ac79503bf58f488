import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// While the server's link is down the broker has taken back every request its workers
/// held: the screen shows none held and says the workers have no link, until recovery.
@Suite struct ServerOutageTests {
  let t0 = NIODeadline.uptimeNanoseconds(80_000_000_000)

  func worker(_ id: Int, _ state: RPCWorkerStats.State, held: Int) -> RPCWorkerStats {
    RPCWorkerStats(
      id: id, name: "vm-17118/w\(id)", state: state, prefetch: 1, processed: 4, errors: 0,
      expired: 0, rejected: 0, rate: 0,
      service: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0),
      utilisation: 0, held: held)
  }

  func rows(_ board: inout ServerDashboard, width: Int, height: Int) -> [String] {
    ScreenRendering.lines(of: &board, width: width, height: height, now: t0)
      .filter { $0.hasPrefix("w") || $0.hasPrefix("all ") }
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func heldRequestsAreGoneWhileTheLinkIsDown(width: Int, height: Int) {
    var board = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "existing", prefetch: 1, work: .recursive, maximumN: 45)
    board.status = .connected
    // The last snapshot before the break: both workers hold their one request.
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .busy(n: 35, correlationID: "ab-1", since: .milliseconds(20)), held: 1),
        worker(2, .idle, held: 1),
      ]), now: t0)
    let connected = rows(&board, width: width, height: height)
    let idle = connected.first { $0.hasPrefix("w2 ") } ?? ""
    #expect(idle.contains("idle") && idle.contains(" 1/1 "), "\(connected)")

    board.status = .reconnecting(attempt: 1, nextTry: t0 + .seconds(1), reason: "CONNECTION_FORCED")
    let down = rows(&board, width: width, height: height)
    for id in 1...2 {
      let row = down.first { $0.hasPrefix("w\(id) ") } ?? ""
      #expect(row.contains("NO LINK") && row.contains(" 0/1 "), "\(down)")
    }
    let totals = down.first { $0.hasPrefix("all ") } ?? ""
    #expect(totals.split(separator: " ").dropFirst().first == "0", "\(totals)")

    board.status = .recovered(downtime: .seconds(2), attempts: 1, at: t0)
    board.update(
      stats: RPCServerStats(workers: [worker(1, .idle, held: 0), worker(2, .idle, held: 0)]),
      now: t0)
    let back = rows(&board, width: width, height: height)
    #expect(!back.joined().contains("NO LINK"), "\(back)")
  }
}
