import AMQPRPC
import Testing

@testable import RPCDashboards

/// A peer can reply to our callback queue with any correlation id, up to 255 bytes: listed in
/// Discarded, it is cut to our own ids' width rather than widen the id column of every list
/// until our own calls' results no longer fit.
@Suite struct ForeignIDWidthTests {
  @Test(arguments: [(80, 24), (120, 40)])
  func aPeersLongIDDoesNotPushOurResultsOut(width: Int, height: Int) {
    var board = ClientDashboard.forTests()
    let ours = (1...5).map { CallDetailFixtures.completed("1328ad56-\($0)") }
    let foreign = [
      RPCDiscardedReply(
        kind: .unknown, correlationID: String(repeating: "L", count: 250), lateBy: nil),
      RPCDiscardedReply(
        kind: .unknown, correlationID: String(repeating: "漢字", count: 40), lateBy: nil),
    ]
    board.update(
      stats: .addingUp(
        ended: ours, inFlight: [], discarded: foreign, latency: .empty, completionsPerSecond: 0),
      now: ScreenFixtures.now)
    let lines = ScreenRendering.lines(of: &board, width: width, height: height)
    let row = lines.first { $0.contains("1328ad56-5 ") } ?? ""
    #expect(row.contains("9227465"), "\(lines.joined(separator: "\n"))")
    #expect(lines.contains { $0.contains("LLLLLLLLLLLL…") })
  }
}
