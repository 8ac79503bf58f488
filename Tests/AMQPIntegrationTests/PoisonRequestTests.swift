import AMQPClient
import AMQPProtocol
import AMQPRPC
import Foundation
import NIOCore
import Testing

/// Requests built to break a server: each gets an answer, and the server keeps serving.
extension BrokerTests {
  @Suite struct PoisonRequests {
    /// A raw requester: publishes what a test builds, reads replies on its own queue.
    struct Requester {
      let channel: AMQPChannel
      let replyTo: String
      let replies: AMQPConsumer

      static func start(_ rpc: RPCFixture) async throws -> Requester {
        let channel = try await rpc.connection.openChannel()
        let queue = try await channel.queueDeclare(exclusive: true).name
        let replies = try await channel.consume(queue: queue, noAck: true)
        return Requester(channel: channel, replyTo: queue, replies: replies)
      }

      func send(_ body: String, to rpc: RPCFixture, _ properties: AMQPBasicProperties) async throws
      {
        var properties = properties
        properties.replyTo = replyTo
        try await channel.publish(
          ByteBuffer(string: body), routingKey: rpc.queue, properties: properties)
      }

      /// The next `count` replies, in arrival order.
      func next(_ count: Int) async throws -> [AMQPMessage] {
        let replies = self.replies
        return try await withTimeout(20, "\(count) replies") {
          var collected: [AMQPMessage] = []
          for try await reply in replies {
            collected.append(reply)
            if collected.count == count { break }
          }
          return collected
        }
      }
    }

    /// The smallest 64-bit deadline once killed every server in turn; now every type and
    /// extreme value of the deadline header gets a reply (answered or expired).
    @Test func deadlineHeaderOfEveryTypeAndExtremeIsAnsweredNeverACrash() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let requester = try await Requester.start(rpc)
      let deadlines = DeadlineSamples.all
      for (index, deadline) in deadlines.enumerated() {
        try await requester.send(
          "5", to: rpc,
          AMQPBasicProperties(
            headers: [RPCWire.deadlineHeader: deadline], correlationID: "d\(index)"))
      }
      let replies = try await requester.next(deadlines.count)
      for (index, reply) in replies.enumerated() {
        #expect(reply.properties.correlationID == "d\(index)")
        let kind = reply.properties.headers?[RPCWire.errorKindHeader]
        #expect(
          String(buffer: reply.body) == "5" || kind == "expired",
          "deadline \(deadlines[index]) got \(String(buffer: reply.body)) / \(String(describing: kind))"
        )
      }
      // Int64.min is long past: expired, not worked on.
      let smallest = try #require(deadlines.firstIndex(of: .int64(.min)))
      #expect(replies[smallest].properties.headers?[RPCWire.errorKindHeader] == "expired")
      #expect(try await rpc.client.fibonacci(7).value == "13")
      try await rpc.stop()
    }

    /// Tutorial peers match replies on exactly what they sent: absent, empty (PHP clients
    /// send this) or bytes that are not UTF-8 all come back as they were.
    @Test func correlationIDComesBackByteForByte() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let requester = try await Requester.start(rpc)
      let ids: [[UInt8]?] = [nil, [], [0xff, 0x41], Array("plain-1".utf8), [0xc3]]
      for id in ids {
        var properties = AMQPBasicProperties()
        properties.correlationIDBytes = id
        try await requester.send("4", to: rpc, properties)
      }
      let replies = try await requester.next(ids.count)
      #expect(replies.map(\.properties.correlationIDBytes) == ids)
      #expect(replies.allSatisfy { String(buffer: $0.body) == "3" })
      try await rpc.stop()
    }
  }
}

/// The deadline header in every field type, at the extremes of each. Not NaN or infinities:
/// RabbitMQ (Erlang floats) cannot hold them and closes a publisher's connection with 541;
/// the unit tests cover them.
enum DeadlineSamples {
  static let all: [AMQPFieldValue] =
    [.bool(true), .int8(.min), .int8(.max), .uint8(.max), .int16(.min), .uint16(.max)]
    + [.int32(.min), .int32(.max), .uint32(.max), .int64(.min), .int64(-1), .int64(.max)]
    + [.float(-.greatestFiniteMagnitude), .double(-.greatestFiniteMagnitude), .double(1e300)]
    + [.double(9.3e18), .decimal(scale: .max, value: .max), .string("soon"), .bytes([0xff])]
    + [.array([.int64(.min)]), .table(["us": .int64(.min)]), .timestamp(0), .timestamp(.max)]
    + [.void]
}

extension BrokerTests {
  @Suite struct Draining {
    /// A request still being worked on when the drain's grace period ends goes back to the
    /// queue, and another server answers it: a stop never loses or wedges a request.
    @Test func requestStillHeldAfterTheGracePeriodIsRequeuedAndAnsweredElsewhere() async throws {
      let rpc = try await RPCFixture.start(workers: 1, work: .recursive, maximumN: 45)
      let server = try #require(rpc.server)
      let client = rpc.client
      // fib(38), recursive in a debug build: far longer than the 10 ms grace period below.
      let call = Task { try await client.fibonacci(38, timeout: .seconds(50)) }
      try await withTimeout(20, "the worker to start fib(38)") {
        while !server.stats().workers.contains(where: {
          if case .busy(38, _, _) = $0.state { true } else { false }
        }) {
          try await Task.sleep(for: .milliseconds(5))
        }
      }
      #expect(await server.shutdown(gracePeriod: .milliseconds(10)) == 1)
      // Back in the queue, and answered by the next server to come.
      let next = try await RPCServer.start(
        connection: rpc.connection,
        configuration: RPCServerConfiguration(queue: rpc.queue),
        handler: .fibonacci(maximumN: 92, work: .iterative))
      #expect(try await call.value.value == "39088169")
      await next.shutdown()
      try await rpc.stop()
    }
  }
}

extension BrokerTests.Draining {
  /// Drain timeout aside, a second SIGTERM stops rpc-server at once; the request it held
  /// goes back to the queue, ready for the next server.
  @Test func aSecondSignalStopsTheServerAtOnceAndTheHeldRequestIsRequeued() async throws {
    let queue = Broker.uniqueName("cli-drain")
    let server = try ChildProcess.product(
      "rpc-server", ["--no-tui", "--queue", queue, "--drain-timeout", "3600"])
    defer { server.stop() }
    _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let connection = try await Broker.connect()
    let channel = try await connection.openChannel()
    let replies = try await channel.queueDeclare(exclusive: true).name
    // fib(45), recursive: seconds at least, far longer than this test waits.
    try await channel.publish(
      ByteBuffer(string: "45"), routingKey: queue,
      properties: AMQPBasicProperties(correlationID: "held", replyTo: replies))
    try await Broker.waitForQueue(queue, "the request to be held") { $0.unacknowledged == 1 }
    server.signal(SIGTERM)
    _ = try await server.waitForOutput(containing: "a second signal stops at once")
    server.signal(SIGTERM)
    let (status, output) = try await server.finish()
    #expect(status == 128 + SIGTERM, "\(output)")
    #expect(output.contains("stopping now"))
    try await Broker.waitForQueue(queue, "the request to be back") { $0.ready == 1 }
    try await channel.queueDelete(queue)
    try await connection.close()
  }
}
