import AMQPProtocol
import AMQPRPC
import NIOCore

@testable import RPCDashboards

/// Calls with everything the detail panel shows: the request as published, the reply with
/// the server's timestamps, a discarded reply; fixed wall-clock times (12:03:04 UTC).
enum CallDetailFixtures {
  /// 2025-11-30 12:03:04 UTC, in µs since the epoch.
  static let published: Int64 = 1_764_504_184_000_000
  static let callbackQueue = "amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g"

  static func request(_ id: String, n: Int = 35) -> RPCSentRequest {
    RPCSentRequest(
      properties: AMQPBasicProperties(
        contentType: "text/plain",
        headers: [RPCWire.deadlineHeader: .int64(published + 30_000_000)], correlationID: id,
        replyTo: callbackQueue, expiration: "30000"),
      body: ByteBuffer(string: String(n)), routingKey: "rpc_queue",
      publishedAtMicroseconds: published)
  }

  static func replyMessage(_ id: String, worker: String = "vm-17118/w2") -> RPCReceivedMessage {
    RPCReceivedMessage(
      properties: AMQPBasicProperties(
        contentType: "text/plain",
        headers: [
          RPCWire.workerHeader: .string(worker),
          RPCWire.receivedHeader: .int64(published + 1_200),
          RPCWire.repliedHeader: .int64(published + 41_410),
        ], correlationID: id),
      body: ByteBuffer(string: "9227465"), redelivered: false,
      receivedAtMicroseconds: published + 41_720)
  }

  static func completed(_ id: String, worker: String = "vm-17118/w2") -> RPCEndedCall {
    var call = RPCEndedCall(
      correlationID: id, n: 35,
      result: .success(
        RPCReply(
          correlationID: id, n: 35, value: "9227465", worker: worker,
          roundTrip: .microseconds(41_720),
          timing: RPCTiming(
            queueWait: .microseconds(1_200), service: .microseconds(40_210),
            returnTrip: .microseconds(310)))))
    call.request = request(id)
    call.reply = replyMessage(id, worker: worker)
    call.endedAtMicroseconds = published + 41_720
    return call
  }

  static func inFlight(_ id: String, age: Int64 = 120) -> RPCInFlightCall {
    var call = RPCInFlightCall(
      correlationID: id, n: 35, age: .milliseconds(age), timeLeft: .milliseconds(30_000 - age))
    call.request = request(id)
    return call
  }

  /// A client screen with one call in flight (`4ac5f75d-3`), two completed (`-1`, `-2`) and
  /// an unknown reply discarded.
  static func client() -> ClientDashboard {
    var board = ClientDashboard.forTests(workersListening: 4)
    board.callbackQueue = callbackQueue
    board.update(
      stats: stats(inFlight: ["4ac5f75d-3"], completed: ["4ac5f75d-1", "4ac5f75d-2"]),
      now: ScreenFixtures.now)
    return board
  }

  static func stats(
    inFlight: [String], completed: [String], discarded: [RPCDiscardedReply] = [unknownReply]
  ) -> RPCClientStats {
    .addingUp(
      ended: completed.map { self.completed($0) }, inFlight: inFlight.map { self.inFlight($0) },
      discarded: discarded,
      latency: LatencySummary(
        count: UInt64(completed.count), p50: 41_720, p90: 41_720, p99: 41_720, p999: 41_720,
        max: 41_720, mean: 41_720),
      completionsPerSecond: 0)
  }

  static let unknownReply = RPCDiscardedReply(
    kind: .unknown, correlationID: "foreign-1a2b3c4d", lateBy: nil,
    message: RPCReceivedMessage(
      properties: AMQPBasicProperties(correlationID: "foreign-1a2b3c4d"),
      body: ByteBuffer(string: "0"), redelivered: true,
      receivedAtMicroseconds: published + 90_000))
}
