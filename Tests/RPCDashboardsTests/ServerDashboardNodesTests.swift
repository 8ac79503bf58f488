import AMQPClient
import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// A server spread over the nodes of a cluster (`rpc-server --spread`) shows each worker's
/// node; on one node the column is not there at all.
@Suite struct ServerDashboardNodesTests {
  let t0 = NIODeadline.uptimeNanoseconds(80_000_000_000)

  func worker(_ id: Int, on endpoint: String, connected: Bool = true) -> RPCWorkerStats {
    RPCWorkerStats(
      id: id, name: "vm-17118/w\(id)", state: .idle, prefetch: 1, processed: id, errors: 0,
      expired: 0, rejected: 0, rate: 0,
      service: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0),
      utilisation: 0, held: 1, endpoint: endpoint, connected: connected)
  }

  func panels(
    _ workers: [RPCWorkerStats], width: Int, spread: Bool = false,
    status: ConnectionStatus = .connected
  ) -> [String] {
    var board = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5681/%2F", queue: "rpc_queue",
      queueOrigin: "declared quorum", prefetch: 1, work: .recursive, maximumN: 45)
    board.status = status
    board.spreadOverNodes = spread
    board.update(stats: RPCServerStats(workers: workers), now: t0)
    var buffer = ScreenBuffer(width: width, height: 10)
    board.renderPanels(
      into: &buffer, in: Rect(row: 0, column: 0, width: width, height: 10), showLog: false)
    #expect(buffer.trimmedLines.allSatisfy { $0.count <= width })
    // Padding between columns varies with the width: words alone are compared.
    return buffer.trimmedLines.map { $0.split(separator: " ").joined(separator: " ") }
  }

  @Test(arguments: [80, 120])
  func workersOnSeveralNodesShowTheirNode(width: Int) {
    let lines = panels(
      [
        worker(1, on: "127.0.0.1:5681"), worker(2, on: "127.0.0.1:5682"),
        worker(3, on: "127.0.0.1:5683"),
      ], width: width)
    let table = lines.drop { !$0.hasPrefix("id") }
    #expect(table.first?.hasPrefix("id node state ") == true, "\(lines)")
    for (id, port) in [(1, 5681), (2, 5682), (3, 5683)] {
      #expect(lines.contains { $0.hasPrefix("w\(id) 127.0.0.1:\(port) idle ") }, "\(lines)")
    }
    #expect(lines.contains { $0.hasPrefix("all 3 nodes") }, "\(lines)")
  }

  @Test func workersOnOneNodeHaveNoNodeColumn() {
    let lines = panels(
      [worker(1, on: "127.0.0.1:5672"), worker(2, on: "127.0.0.1:5672")], width: 120)
    #expect(lines.contains { $0.hasPrefix("id state") }, "\(lines)")
    #expect(!lines.joined().contains("5672"), "\(lines)")
  }

  /// `rpc-server --spread` when the first connection's node stops: only the workers on
  /// that node have no link; the others keep their state and what they hold.
  @Test func aSpreadServerShowsNoLinkOnlyForTheWorkersOnTheNodeThatWent() {
    let down = ConnectionStatus.connected.applying(
      .disconnected(AMQPError(.connectionClosedByServer, "CONNECTION_FORCED")),
      now: .uptimeNanoseconds(1))
    let lines = panels(
      [
        worker(1, on: "127.0.0.1:5681", connected: false), worker(2, on: "127.0.0.1:5683"),
        worker(3, on: "127.0.0.1:5682"),
      ], width: 120, spread: true, status: down)
    #expect(lines.contains { $0.hasPrefix("w1 127.0.0.1:5681 NO LINK 0/1") }, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("w2 127.0.0.1:5683 idle 1/1") }, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("w3 127.0.0.1:5682 idle 1/1") }, "\(lines)")
  }

  /// After failovers put every spread worker on one node, the column stays.
  @Test func aSpreadServerKeepsTheNodeColumnWithEveryWorkerOnOneNode() {
    let lines = panels(
      [worker(1, on: "127.0.0.1:5683"), worker(2, on: "127.0.0.1:5683")], width: 120,
      spread: true)
    #expect(lines.contains { $0.hasPrefix("id node state") }, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("all 1 node ") }, "\(lines)")
  }
}
