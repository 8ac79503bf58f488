import AMQPClient
import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The link to the broker on the three screens — reconnecting with its attempt and next try,
/// recovered after how long, blocked with its reason, the renamed callback queue, the calls a
/// break affected, RESTORING workers and the latest notice — at 80×24 and 120×40, with every
/// key fact whole.
@Suite struct LinkStateRenderingTests {
  let t0 = NIODeadline.uptimeNanoseconds(50_000_000_000)
  static let oldQueue = "amq.gen-JzTY20BRgKO-HjmUJj0wLg"
  static let newQueue = "amq.gen-Q7x9mB2kLp4RtY8vNc3sDw"
  static let sizes = [(80, 24), (120, 40)]

  func client() -> ClientDashboard {
    var board = ClientDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", serverProduct: "RabbitMQ 3.10.8",
      callbackQueue: Self.oldQueue, queue: "rpc_queue", timeout: .seconds(30))
    board.status = .connected
    board.workersListening = .some(3)
    board.update(
      stats: RPCClientStats(
        sent: 5, outcomes: [.ok: 2, .connectionLost: 3], discarded: [:], inFlight: 0,
        oldestInFlight: [],
        latency: LatencySummary(
          count: 2, p50: 900, p90: 900, p99: 900, p999: 900, max: 900, mean: 900),
        completionsPerSecond: 0),
      now: t0)
    return board
  }

  func server() -> ServerDashboard {
    var board = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: 1, work: .recursive, maximumN: 45)
    board.status = .connected
    board.queueStatus = (ready: 0, consumers: 2)
    board.update(
      stats: RPCServerStats(workers: [
        worker(1, .restoring(reason: "consumer cancelled by the broker (queue deleted?)")),
        worker(2, .idle),
      ]), now: t0)
    return board
  }

  func worker(_ id: Int, _ state: RPCWorkerStats.State) -> RPCWorkerStats {
    RPCWorkerStats(
      id: id, name: "vm-1/w\(id)", state: state, prefetch: 1, processed: 6, errors: 0,
      expired: 0, rejected: 0, rate: 0,
      service: LatencySummary(
        count: 6, p50: 900, p90: 900, p99: 900, p999: 900, max: 900, mean: 900),
      utilisation: 0)
  }

  func render(_ draw: (inout ScreenBuffer) -> Void, width: Int, height: Int) -> [String] {
    var buffer = ScreenBuffer(width: width, height: height)
    draw(&buffer)
    return buffer.trimmedLines
  }

  // MARK: - Connection status

  @Test func reconnectingCountsDownToTheNextAttemptThenSaysItIsUnderWay() {
    let lost = ConnectionStatus.connected.applying(
      .disconnected(AMQPError(.connectionClosedByServer, "CONNECTION_FORCED - bye")), now: t0)
    let waiting = lost.applying(
      .reconnecting(attempt: 2, delay: .milliseconds(1_500), endpoint: "h:5672"), now: t0)
    #expect(waiting.label(now: t0) == "RECONNECTING #2 in 1.5 s")
    #expect(waiting.label(now: t0 + .milliseconds(1_020)) == "RECONNECTING #2 in 0.5 s")
    #expect(waiting.label(now: t0 + .milliseconds(1_500)) == "RECONNECTING #2 now…")
    #expect(waiting.reason == "CONNECTION_FORCED - bye")
    #expect(waiting.isTrouble && waiting.isAnimating(now: t0))
    let back = waiting.applying(
      .recovered(
        AMQPRecovery(
          downtime: .milliseconds(2_310), attempts: 2, endpoint: "h:5672", renamedQueues: [:])),
      now: t0)
    #expect(back.label(now: t0) == "recovered after 2.31 s")
    // Said for a while (the screen redraws to take it away), then just connected.
    #expect(!back.isTrouble && back.isAnimating(now: t0))
    let later = t0 + ConnectionStatus.recoveredShownFor
    #expect(back.label(now: later - .milliseconds(1)) == "recovered after 2.31 s")
    #expect(back.label(now: later) == "connected")
    #expect(!back.isAnimating(now: later))
    #expect(
      ConnectionStatus.connected.applying(.blocked(reason: "low on memory"), now: t0).label(now: t0)
        == "BLOCKED: low on memory")
  }

  // MARK: - Client

  @Test(arguments: sizes)
  func clientWhileReconnectingShowsTheAttemptTheNextTryAndTheCallsLost(width: Int, height: Int) {
    var board = client()
    board.apply(
      .link(
        .lost(reason: "CONNECTION_FORCED - Closed via management plugin", failed: 3, resent: 0)),
      now: t0)
    board.status = ConnectionStatus.connected
      .applying(.disconnected(AMQPError(.connectionClosedByServer, "CONNECTION_FORCED")), now: t0)
      .applying(.reconnecting(attempt: 2, delay: .milliseconds(800), endpoint: "h:5672"), now: t0)
    let lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("RECONNECTING #2 in 0.8 s"), "\(lines[0])")
    #expect(lines[0].contains("reply_to \(Self.oldQueue)"), "\(lines[0])")
    #expect(
      lines[2].hasPrefix(" link lost: 3 calls lost · new calls wait · CONNECTION_FORCED"),
      "\(lines[2])")
    #expect(board.isAnimating(now: t0))
  }

  @Test(arguments: sizes)
  func clientAfterRecoveryShowsHowLongItTookTheNewReplyToAndTheBreaksToll(
    width: Int, height: Int
  ) {
    var board = client()
    board.apply(.link(.lost(reason: "CONNECTION_FORCED", failed: 3, resent: 0)), now: t0)
    board.apply(.link(.reconnecting(attempt: 1, delay: .milliseconds(500))), now: t0)
    board.apply(
      .link(.recovered(downtime: .milliseconds(2_310), replyTo: Self.newQueue, released: 0)),
      now: t0)
    board.status = .recovered(downtime: .milliseconds(2_310), attempts: 1, at: t0)
    #expect(board.callbackQueue == Self.newQueue)
    let lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    // The transient state takes only the room the other parts leave: it pushes none out.
    #expect(
      lines[0].contains(width > 80 ? "│ recovered 2.31 s │" : "│ recovered │ workers 3 │"),
      "\(lines[0])")
    #expect(lines[0].contains("reply_to \(Self.newQueue)"), "\(lines[0])")
    // The note says how long the outage lasted, which the header drops at 80 columns; it
    // wraps to a second row there.
    let note = width > 80 ? lines[2] : lines[2] + lines[3]
    #expect(
      note
        == " recovered after 2.31 s · reply_to now \(Self.newQueue) · 3 calls lost in the break",
      "\(lines)")
    #expect(!board.isAnimating(now: t0 + ConnectionStatus.recoveredShownFor))
    // After the header gives the state back to `connected`, the note still says it.
    let later = render(
      { board.render(into: &$0, now: t0 + ConnectionStatus.recoveredShownFor) }, width: width,
      height: height)
    #expect(later[0].contains("│ connected │"), "\(later[0])")
    #expect(later[2].hasPrefix(" recovered after 2.31 s · reply_to now "), "\(later[2])")
  }

  @Test func clientHeaderAt80ColumnsDropsTheLeastImportantPartsFirst() {
    var board = client()
    let connected = render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)[0]
    #expect(connected == " rpc-client │ connected │ workers 3 │ reply_to \(Self.oldQueue)")
    board.status = .reconnecting(attempt: 12, nextTry: t0 + .seconds(15), reason: "x")
    let reconnecting = render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)[0]
    #expect(reconnecting == " RECONNECTING #12 in 15.0 s │ reply_to \(Self.oldQueue)")
    board.status = .reconnecting(attempt: 2, nextTry: t0 + .milliseconds(800), reason: "x")
    #expect(
      render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)[0]
        == " RECONNECTING #2 in 0.8 s │ workers 3 │ reply_to \(Self.oldQueue)")
    board.status = .reconnecting(attempt: 12, nextTry: t0 + .seconds(15), reason: "x")
    let wide = render({ board.render(into: &$0, now: t0) }, width: 120, height: 40)[0]
    #expect(
      wide
        == " rpc-client │ RECONNECTING #12 in 15.0 s │ workers 3 │ timeout 30.00 s │ "
        + "reply_to \(Self.oldQueue)")
  }

  @Test(arguments: sizes)
  func clientBlockedShowsTheReasonAndThatCallsWait(width: Int, height: Int) {
    var board = client()
    board.apply(.link(.blocked(reason: "low on memory")), now: t0)
    board.status = .blocked(reason: "low on memory")
    let lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("BLOCKED: low on memory"), "\(lines[0])")
    #expect(lines[0].contains("reply_to \(Self.oldQueue)"))
    #expect(
      lines[2] == " broker blocked publishing: new calls wait, timeouts running · low on memory")
    board.apply(.link(.unblocked(released: 2)), now: t0)
    board.status = .connected
    let after = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(after[2] == " broker unblocked publishing: 2 calls that waited sent")
  }

  @Test func clientWithADeletedCallbackQueueShowsTheReplacement() {
    var board = client()
    board.apply(
      .link(.callbackQueueLost(queue: Self.oldQueue, failed: 2, resent: 0)), now: t0)
    var lines = render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)
    #expect(
      lines[2]
        == " callback queue deleted: 2 calls lost · declaring a new one")
    #expect(lines[0].hasSuffix("reply_to \(Self.oldQueue)"))
    board.apply(
      .link(.callbackQueueReplaced(old: Self.oldQueue, new: Self.newQueue, released: 0)), now: t0)
    lines = render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)
    #expect(lines[0].hasSuffix("reply_to \(Self.newQueue)"))
    #expect(lines[2] == " reply_to now \(Self.newQueue) · 2 calls lost with the old queue")
  }

  @Test func aTransientMessageShowsOverTheNoteWhichComesBackAfterIt() {
    var board = client()
    board.apply(.link(.lost(reason: "gone", failed: 1, resent: 0)), now: t0)
    board.say("sent 1 request", style: .ok, now: t0, for: 2)
    #expect(
      render({ board.render(into: &$0, now: t0) }, width: 80, height: 24)[2] == " sent 1 request")
    let later = t0 + .seconds(3)
    #expect(
      render({ board.render(into: &$0, now: later) }, width: 80, height: 24)[2]
        == " link lost: 1 call lost · new calls wait · gone")
  }

  // MARK: - Server

  @Test(arguments: sizes)
  func serverShowsRestoringWorkersAndTheLatestNotice(width: Int, height: Int) {
    var board = server()
    board.apply(
      .consumerLost(worker: "vm-1/w1", reason: "consumer cancelled by the broker (queue deleted?)"))
    let lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].hasPrefix(" rpc-server │ connected │ rpc_queue"), "\(lines[0])")
    #expect(lines[0].contains("consumers 2"), "\(lines[0])")
    #expect(
      lines[2].hasPrefix(" w1 RESTORING its consumer · consumer cancelled"), "\(lines[2])")
    // The row keeps the word whole; the reason is on the notice line above.
    let row = lines.first { $0.hasPrefix("w1 ") }
    #expect(row?.contains("RESTORING") == true, "\(lines)")
    #expect(board.isAnimating(now: t0))
    board.apply(.consumerRestored(worker: "vm-1/w1", queueDeclared: true))
    let after = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(after[2] == " w1 consumes again (queue declared anew)")
  }

  @Test(arguments: sizes)
  func serverHeaderKeepsTheStateWholeWhileReconnectingAndAfter(width: Int, height: Int) {
    var board = server()
    board.status = .reconnecting(attempt: 3, nextTry: t0 + .milliseconds(2_000), reason: "x")
    board.apply(
      .connection(.reconnecting(attempt: 3, delay: .seconds(2), endpoint: "127.0.0.1:5672")))
    var lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("RECONNECTING #3 in 2.0 s │ rpc_queue"), "\(lines[0])")
    // The counts from before the link went would be stale: not shown until it is back.
    #expect(!lines[0].contains("consumers"), "\(lines[0])")
    #expect(lines[2] == " reconnecting to 127.0.0.1:5672, attempt 3")
    board.status = .recovered(downtime: .milliseconds(4_200), attempts: 3, at: t0)
    board.apply(
      .connection(
        .recovered(
          AMQPRecovery(
            downtime: .milliseconds(4_200), attempts: 3, endpoint: "127.0.0.1:5672",
            renamedQueues: [:]))))
    lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("│ recovered"), "\(lines[0])")
    #expect(lines[0].contains("consumers 2"), "\(lines[0])")
    #expect(lines[2] == " recovered after 4.20 s on 127.0.0.1:5672: workers consume again")
    board.status = .blocked(reason: "low on disk")
    board.apply(.connection(.blocked(reason: "low on disk")))
    lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("BLOCKED: low on disk"), "\(lines[0])")
    #expect(lines[2] == " broker blocked publishing: replies wait · low on disk")
  }

  // MARK: - Demo

  func demo() -> DemoDashboard {
    DemoDashboard(client: client(), server: server())
  }

  @Test(arguments: sizes)
  func demoHeaderShowsTheWorseOfItsTwoConnectionsNamingTheSide(width: Int, height: Int) {
    var board = demo()
    board.server.status = .reconnecting(attempt: 1, nextTry: t0 + .milliseconds(400), reason: "x")
    var lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("server RECONNECTING #1 in 0.4 s"), "\(lines[0])")
    board.client.status = .reconnecting(
      attempt: 1, nextTry: t0 + .milliseconds(300), reason: "x")
    board.client.apply(.link(.lost(reason: "CONNECTION_FORCED", failed: 4, resent: 0)), now: t0)
    lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("│ RECONNECTING #1 in 0.3 s │"), "\(lines[0])")
    #expect(lines.contains(" link lost: 4 calls lost · new calls wait · CONNECTION_FORCED"))
    board.client.status = .recovered(downtime: .milliseconds(1_200), attempts: 1, at: t0)
    board.server.status = .recovered(downtime: .milliseconds(1_100), attempts: 1, at: t0)
    board.client.apply(
      .link(.recovered(downtime: .milliseconds(1_200), replyTo: Self.newQueue, released: 0)),
      now: t0)
    lines = render({ board.render(into: &$0, now: t0) }, width: width, height: height)
    #expect(lines[0].contains("│ recovered │"), "\(lines[0])")
    #expect(
      lines.joined().contains(
        " recovered after 1.20 s · reply_to now \(Self.newQueue) · 4 calls lost in the break"),
      "\(lines)")
  }

  @Test func headerPartsAreShortenedThenDroppedLeastImportantFirst() {
    let bar = HeaderBar(parts: [
      .init(text: "name", priority: 2),
      .init(text: "STATE", priority: HeaderBar.essential),
      .init(text: "amqp://guest:***@broker:5672/%2F", priority: 1, shorter: ["broker:5672"]),
      .init(text: "product", priority: 0),
    ])
    #expect(
      bar.fitted(width: 200).map(\.text) == [
        "name", "STATE", "amqp://guest:***@broker:5672/%2F", "product",
      ])
    #expect(
      bar.fitted(width: 50).map(\.text) == ["name", "STATE", "amqp://guest:***@broker:5672/%2F"])
    #expect(bar.fitted(width: 30).map(\.text) == ["name", "STATE", "broker:5672"])
    #expect(bar.fitted(width: 15).map(\.text) == ["name", "STATE"])
    #expect(bar.fitted(width: 3).map(\.text) == ["STATE"])
    #expect(hostAndPort(of: "amqp://guest:***@[::1]:5672/%2F") == "[::1]:5672")
  }
}
