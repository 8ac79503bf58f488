import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

@Suite struct ServerDashboardTests {
  let t0 = NIODeadline.uptimeNanoseconds(80_000_000_000)

  func dashboard() -> ServerDashboard {
    var dashboard = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: 1, work: .recursive, maximumN: 45)
    dashboard.status = .connected
    dashboard.queueStatus = (ready: 4, consumers: 5)
    return dashboard
  }

  func worker(
    _ id: Int, _ state: RPCWorkerStats.State, processed: Int, errors: Int = 0,
    utilisation: Double = 0.5
  )
    -> RPCWorkerStats
  {
    RPCWorkerStats(
      id: id, name: "host-1/w\(id)", state: state, prefetch: 1, processed: processed,
      errors: errors,
      expired: 0, rejected: 0, rate: 2,
      service: LatencySummary(
        count: 3, p50: 900, p90: 1_500, p99: 2_000, p999: 2_000, max: 2_000, mean: 1_000),
      utilisation: utilisation)
  }

  func render(_ dashboard: inout ServerDashboard, width: Int = 100, height: Int = 20) -> [String] {
    var buffer = ScreenBuffer(width: width, height: height)
    dashboard.render(into: &buffer, now: t0)
    return buffer.trimmedLines
  }

  @Test func screenShowsEveryWorkerTheTotalsAndRecentRequests() {
    var board = dashboard()
    board.apply(
      RPCServerEvent(
        worker: "host-1/w2", correlationID: "c-9", n: 30, outcome: .answered(value: "832040"),
        service: .milliseconds(12)))
    board.apply(
      RPCServerEvent(
        worker: "host-1/w1", correlationID: "c-10", n: nil,
        outcome: .refused(.invalidInput, message: "\"abc\" is not a whole number"),
        service: .microseconds(80)))
    // 5 s before, nothing handled: the rates are the counts over the 5 s window.
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .idle, processed: 0), worker(2, .idle, processed: 0),
        worker(3, .idle, processed: 0),
      ]), now: t0 - .seconds(5))
    board.update(
      stats: RPCServerStats(workers: [
        worker(
          1, .busy(n: 35, correlationID: "c-11", since: .milliseconds(250)), processed: 10,
          errors: 1),
        worker(2, .idle, processed: 12),
        worker(3, .paused, processed: 7, utilisation: 0),
      ]), now: t0)
    let lines = render(&board)
    #expect(
      lines == [
        " rpc-server │ connected │ rpc_queue (declared classic): ready 4 · consumers 5 (all servers)",
        " this process 3 workers  handled 30  rate 6.0/s over 5 s  prefetch (new) 1  handled/s 0–30 █",
        "",
        "Workers (3) · req/s over 5 s",
        "id  state               held done errors rej/exp req/s    mean     p99 utilisation  trend",
        "w1  busy fib(35) 250 ms  0/1   10      1     0/0 2.2/s 1.00 ms 2.00 ms ████···· 50% █",
        "w2  idle                 0/1   12      0     0/0 2.4/s 1.00 ms 2.00 ms ████···· 50% █",
        "w3  PAUSED               0/1    7      0     0/0 1.4/s 1.00 ms 2.00 ms ········ 0%  █",
        "all                        0   29      1     0/0 6.0/s",
        "Recent requests",
        "w1  invalid-input: \"abc\" is not a whole number  c-10",
        "w2  fib(30) = 832040  12.0 ms  c-9",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "↑/↓ select  +/a add  -/d remove  p/Space pause/resume  ] prefetch  ? help  q quit",
      ])
  }

  /// `--metrics-port 0` picks a port: the header names it, as the line mode's line does.
  @Test func theHeaderSaysWhereTheMetricsAreServed() {
    var board = ScreenFixtures.server()
    board.metricsAddress = "127.0.0.1:39795"
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
      let header = ScreenRendering.lines(of: &board, width: width, height: height)[0]
      #expect(header.contains("metrics ") && header.contains(":39795"), "\(header)")
    }
  }

  @Test func keysActOnTheSelectedWorker() {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .idle, processed: 0), worker(4, .paused, processed: 0),
      ]), now: t0)
    #expect(board.handle(.character("p"), now: t0) == [.pauseWorker(id: 1)])
    _ = board.handle(.down, now: t0)
    #expect(board.handle(.character("p"), now: t0) == [.resumeWorker(id: 4)])
    #expect(board.handle(.character("-"), now: t0) == [.removeWorker(id: 4)])
    #expect(board.handle(.character("+"), now: t0) == [.addWorker])
    #expect(board.handle(.character("]"), now: t0) == [.setPrefetch(2)])
    #expect(board.handle(.character("["), now: t0) == [.setPrefetch(1)])
    #expect(board.handle(.character("["), now: t0) == [])  // 1 is the lowest
    #expect(board.handle(.character("q"), now: t0) == [.quit])
  }

  @Test func selectionFollowsTheWorkersThatRemain() {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .idle, processed: 0), worker(2, .idle, processed: 0),
      ]), now: t0)
    _ = board.handle(.down, now: t0)
    #expect(board.selected == 1)
    board.update(
      stats: RPCServerStats(workers: [worker(1, .idle, processed: 0)]), now: t0)
    #expect(board.selected == 0)
  }

  @Test func helpAndTooSmallAndDraining() {
    var board = dashboard()
    _ = board.handle(.character("?"), now: t0)
    let help = render(&board).joined(separator: "\n")
    for binding in ServerDashboard.keymap.bindings { #expect(help.contains(binding.help)) }
    _ = board.handle(.enter, now: t0)
    #expect(render(&board, width: 50, height: 10)[0] == "terminal too small: need 60×14,")
    board.draining = true
    #expect(render(&board)[2].contains("draining"))
  }

  @Test func throughputTrendSamplesEachSecond() {
    var board = dashboard()
    board.update(
      stats: RPCServerStats(workers: [worker(1, .idle, processed: 0)]), now: t0)
    board.update(
      stats: RPCServerStats(workers: [worker(1, .idle, processed: 5)]),
      now: t0 + .seconds(1))
    board.update(
      stats: RPCServerStats(workers: [worker(1, .idle, processed: 15)]),
      now: t0 + .seconds(2))
    #expect(board.throughputHistory == [5, 10])
    #expect(board.history(of: 1) == [5, 10])
  }
}
