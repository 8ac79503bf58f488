import AMQPRPC
import NIOCore

@testable import RPCDashboards
@testable import TerminalUI

/// Realistic, deterministic screen states for the size and golden tests: a burst in
/// flight with long correlation ids, completed calls, discarded replies, four workers with
/// prefetch 4 and long server names. Every time is a fixed `NIODeadline`.
enum ScreenFixtures {
  /// The moment every fixture is rendered at.
  static let now = NIODeadline.uptimeNanoseconds(500_000_000_000)
  /// The sizes terminals open at, and a large one.
  static let sizes: [(width: Int, height: Int)] = [(80, 24), (100, 30), (120, 40), (200, 50)]

  /// `4ac5f75d-100076`: a per-client prefix and a six-digit counter.
  static func id(_ counter: Int) -> String { "4ac5f75d-\(100_000 + counter)" }

  static let serverName = "build-agent-eu-west-1-0427.ci.example.internal-48213"

  /// The calls of a burst still in flight, oldest first.
  static let inFlight: [RPCInFlightCall] = (60..<76).map { counter in
    RPCInFlightCall(
      correlationID: id(counter), n: 35, age: .milliseconds(Int64(1_900 - counter * 20)),
      timeLeft: .milliseconds(Int64(28_100 + counter * 20)))
  }

  static func client() -> ClientDashboard {
    var board = ClientDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", serverProduct: "RabbitMQ 4.1.4",
      callbackQueue: "amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g", queue: "rpc_queue",
      timeout: .seconds(30))
    board.status = .connected
    board.workersListening = .some(4)
    board.queueReady = 12
    var ended: [RPCEndedCall] = []
    for counter in 0..<44 {
      let call = id(counter)
      let result: Result<RPCReply, RPCError>
      if counter == 7 {
        result = .failure(
          RPCError(code: .timedOut, message: "no reply within 1.00 ms", correlationID: call))
      } else {
        result = .success(
          RPCReply(
            correlationID: call, n: 35, value: "9227465",
            worker: "\(serverName)/w\(counter % 4 + 1)",
            roundTrip: .microseconds(Int64(41_000 + counter * 750)),
            timing: RPCTiming(
              queueWait: .microseconds(Int64(counter * 700)), service: .microseconds(40_210),
              returnTrip: .microseconds(310))))
      }
      ended.append(RPCEndedCall(correlationID: call, n: 35, result: result))
      // Four replies a second over the last eleven seconds, each seen in a snapshot: the
      // sparkline and the rate have history.
      let at = now - .milliseconds(Int64((43 - counter) * 250))
      board.update(stats: snapshot(ended: ended, inFlight: [], discarded: []), now: at)
    }
    let discarded = [
      RPCDiscardedReply(kind: .late, correlationID: id(7), lateBy: .milliseconds(38)),
      RPCDiscardedReply(kind: .unknown, correlationID: "ffffffff-999999", lateBy: nil),
      RPCDiscardedReply(kind: .duplicate, correlationID: id(12), lateBy: nil),
    ]
    board.update(
      stats: snapshot(ended: ended, inFlight: inFlight, discarded: discarded), now: now)
    return board
  }

  /// The texts of raw mode's fixture: plain words, JSON, a text longer than any column,
  /// wide characters and emoji (two cells each), a tab and an escape (shown as a space and
  /// `�`).
  static let rawTexts = [
    "hello world", #"{"a": 1, "b": 2}"#, "the quick brown fox jumps over the lazy dog " + "again",
    "東京 👩‍💻 café", "tab\there\u{1B}[2J", "ping",
  ]

  /// The client screen in raw mode (`rpc-client --raw`) before a service that uppercases its
  /// texts: two calls in flight, replies as text, an error reply and a timeout.
  static func rawClient() -> ClientDashboard {
    var board = ClientDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", serverProduct: "RabbitMQ 4.1.4",
      callbackQueue: "amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g", queue: "upper",
      timeout: .seconds(30))
    board.rawMode = true
    board.status = .connected
    board.workersListening = .some(2)
    var ended: [RPCEndedCall] = []
    for (counter, text) in rawTexts.enumerated() {
      let call = id(counter)
      let result: Result<RPCReply, RPCError>
      switch counter {
      case 4:
        result = .failure(
          RPCError(
            code: .serverError, message: "escape sequences are refused",
            serverErrorKind: .invalidInput, correlationID: call))
      case 5:
        result = .failure(
          RPCError(code: .timedOut, message: "no reply within 30.00 s", correlationID: call))
      default:
        result = .success(
          RPCReply(
            correlationID: call, n: nil, value: text.uppercased(),
            worker: "\(serverName)/w\(counter % 2 + 1)",
            roundTrip: .microseconds(Int64(1_200 + counter * 150)), timing: nil))
      }
      var listed = RPCEndedCall(correlationID: call, n: nil, result: result)
      listed.label = text
      ended.append(listed)
    }
    let inFlight = ["slow: sleep 5", String(repeating: "payload ", count: 30)].enumerated().map {
      counter, text in
      var call = RPCInFlightCall(
        correlationID: id(10 + counter), n: nil, age: .milliseconds(Int64(900 - counter * 300)),
        timeLeft: .milliseconds(Int64(29_100 + counter * 300)))
      call.label = ClientDashboard.requestLabel(text)
      return call
    }
    let latency = LatencySummary(
      count: 4, p50: 1_350, p90: 1_650, p99: 1_650, p999: 1_650, max: 1_650, mean: 1_425)
    board.update(
      stats: .addingUp(
        ended: ended, inFlight: inFlight, latency: latency, completionsPerSecond: 0),
      now: now)
    return board
  }

  /// A client snapshot whose counters are those of the lists given, so that they add up.
  static func snapshot(
    ended: [RPCEndedCall], inFlight: [RPCInFlightCall], discarded: [RPCDiscardedReply]
  ) -> RPCClientStats {
    let ok = ended.filter { if case .success = $0.result { true } else { false } }.count
    return .addingUp(
      ended: ended, inFlight: inFlight, discarded: discarded,
      latency: LatencySummary(
        count: UInt64(ok), p50: 52_100, p90: 68_400, p99: 73_000, p999: 73_000, max: 73_200,
        mean: 55_000),
      completionsPerSecond: 21.5)
  }

  static func server() -> ServerDashboard {
    var board = ServerDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: 4, work: .recursive, maximumN: 40)
    board.status = .connected
    board.queueStatus = (ready: 12, consumers: 4)
    for counter in 30..<44 {
      board.apply(
        RPCServerEvent(
          worker: "\(serverName)/w\(counter % 4 + 1)", correlationID: id(counter), n: 35,
          outcome: .answered(value: "9227465"), service: .microseconds(40_210)))
    }
    let states: [RPCWorkerStats.State] = [
      .busy(n: 35, correlationID: id(60), since: .milliseconds(31)),
      .busy(n: 35, correlationID: id(61), since: .milliseconds(12)),
      .paused,
      .busy(n: 35, correlationID: id(63), since: .milliseconds(3)),
    ]
    let processed = [61, 56, 38, 55]
    let perSecond = [5, 4, 0, 6]
    let held = [4, 3, 0, 2]
    func snapshot(secondsAgo: Int) -> RPCServerStats {
      RPCServerStats(
        workers: states.enumerated().map { index, state in
          RPCWorkerStats(
            id: index + 1, name: "\(serverName)/w\(index + 1)", state: state, prefetch: 4,
            processed: processed[index] - secondsAgo * perSecond[index],
            errors: index == 1 ? 1 : 0, expired: 0, rejected: 0, rate: 5.25,
            service: LatencySummary(
              count: UInt64(processed[index]), p50: 40_100, p90: 41_000, p99: 45_500,
              p999: 45_500, max: 46_000, mean: 40_400),
            utilisation: index == 2 ? 0 : 0.92, held: held[index])
        }.map { worker in
          // The ids each holds, the one it computes first (the burst's in-flight calls).
          var worker = worker
          worker.heldCorrelationIDs = (0..<worker.held).map { id(59 + worker.id + $0 * 4) }
          return worker
        })
    }
    // Ten seconds of snapshots before the last, for the rates and throughput sparklines.
    for second in 0...10 {
      board.update(
        stats: snapshot(secondsAgo: 10 - second), now: now - .seconds(Int64(10 - second)))
    }
    return board
  }

  static func demo() -> DemoDashboard {
    DemoDashboard(client: client(), server: server())
  }
}
