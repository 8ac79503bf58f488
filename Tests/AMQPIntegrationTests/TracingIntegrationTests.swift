import AMQPClient
import AMQPProtocol
import AMQPRPC
import Foundation
import InMemoryTracing
import NIOCore
import Synchronization
import Testing
import Tracing

extension BrokerTests {
  /// Spans through the real broker: one call from an RPCClient to an RPCServer, each with
  /// the same in-memory tracer (the global system is never bootstrapped).
  @Suite struct Tracing {
    /// The three handler shapes, each making a span of its own inside the request's.
    static func handler(_ shape: String, tracer: InMemoryTracer) -> RPCHandler {
      @Sendable func answer(_ request: RPCServerRequest) throws -> RPCServerResponse {
        try tracer.withSpan("handler work") { _ in
          if String(buffer: request.body) == "fail" {
            throw RPCHandlerError(.invalidInput, "asked to fail")
          }
          return RPCServerResponse(text: "ok")
        }
      }
      switch shape {
      case "synchronous": return .synchronous { try answer($0) }
      case "eventLoopFuture":
        return .eventLoopFuture { request, loop in
          loop.makeCompletedFuture { try answer(request) }
        }
      default:
        return RPCHandler { request in
          await Task.yield()
          return try answer(request)
        }
      }
    }

    /// Waits until the tracer has finished `count` spans named `name`.
    static func finished(_ tracer: InMemoryTracer, named name: String, count: Int = 1)
      async throws -> [FinishedInMemorySpan]
    {
      try await withTimeout(10, "\(count) finished span(s) \(name)") {
        while true {
          let spans = tracer.finishedSpans.filter { $0.operationName == name }
          if spans.count >= count { return spans }
          try await Task.sleep(for: .milliseconds(5))
        }
      }
    }

    static func text(_ span: FinishedInMemorySpan, _ key: String) -> String? {
      if case .string(let value) = span.attributes.get(key) { return value }
      return nil
    }

    static func number(_ span: FinishedInMemorySpan, _ key: String) -> Int64? {
      if case .int64(let value) = span.attributes.get(key) { return value }
      return nil
    }

    @Test(arguments: ["async", "synchronous", "eventLoopFuture"])
    func oneTraceHoldsTheClientAndTheServerSpan(shape: String) async throws {
      let tracer = InMemoryTracer()
      let connection = try await Broker.connect(name: "tracing-test")
      let queue = Broker.uniqueName("trace")
      var serverConfiguration = RPCServerConfiguration(queue: queue, workers: 1)
      serverConfiguration.tracer = tracer
      let server = try await RPCServer.start(
        connection: connection, configuration: serverConfiguration,
        handler: Self.handler(shape, tracer: tracer))
      var clientConfiguration = RPCClientConfiguration(queue: queue, timeout: .seconds(10))
      clientConfiguration.tracer = tracer
      let client = try await RPCClient.start(
        connection: connection, configuration: clientConfiguration)

      let reply = try await client.call("hello")
      #expect(reply.value == "ok")
      let clientSpan = try #require(
        try await Self.finished(tracer, named: "send \(queue)").first)
      let serverSpan = try #require(
        try await Self.finished(tracer, named: "process \(queue)").first)
      let handlerSpan = try #require(
        try await Self.finished(tracer, named: "handler work").first)

      #expect(clientSpan.kind == .producer)
      #expect(serverSpan.kind == .consumer)
      #expect(serverSpan.traceID == clientSpan.traceID)
      #expect(serverSpan.parentSpanID == clientSpan.spanID)
      #expect(handlerSpan.traceID == clientSpan.traceID)
      #expect(handlerSpan.parentSpanID == serverSpan.spanID)
      for span in [clientSpan, serverSpan] {
        #expect(Self.text(span, "messaging.system") == "rabbitmq")
        #expect(Self.text(span, "messaging.destination.name") == queue)
        #expect(Self.text(span, "messaging.rabbitmq.destination.routing_key") == queue)
        #expect(Self.text(span, "messaging.message.conversation_id") == reply.correlationID)
        #expect(Self.number(span, "messaging.message.body.size") == 5)
        #expect(Self.text(span, "server.address") == "127.0.0.1")
        #expect(Self.number(span, "server.port") == 5672)
        #expect(span.status?.code != .error)
      }
      #expect(Self.text(clientSpan, "messaging.operation.type") == "send")
      #expect(Self.text(serverSpan, "messaging.operation.type") == "process")
      #expect(Self.text(serverSpan, "amqp_rpc.worker") == reply.worker)
      // The request carried the client span's context in its headers.
      let injected = try #require(tracer.performedContextInjections.first)
      #expect(injected.values[InMemoryTracer.spanIDKey] == clientSpan.spanID)

      try await client.close()
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test(arguments: ["async", "synchronous", "eventLoopFuture"])
    func anErrorReplyMarksBothSpansAsErrors(shape: String) async throws {
      let tracer = InMemoryTracer()
      let connection = try await Broker.connect(name: "tracing-test")
      let queue = Broker.uniqueName("trace-error")
      var serverConfiguration = RPCServerConfiguration(queue: queue, workers: 1)
      serverConfiguration.tracer = tracer
      let server = try await RPCServer.start(
        connection: connection, configuration: serverConfiguration,
        handler: Self.handler(shape, tracer: tracer))
      var clientConfiguration = RPCClientConfiguration(queue: queue, timeout: .seconds(10))
      clientConfiguration.tracer = tracer
      let client = try await RPCClient.start(
        connection: connection, configuration: clientConfiguration)

      await #expect(throws: RPCError.self) { try await client.call("fail") }
      let clientSpan = try #require(
        try await Self.finished(tracer, named: "send \(queue)").first)
      let serverSpan = try #require(
        try await Self.finished(tracer, named: "process \(queue)").first)
      #expect(serverSpan.parentSpanID == clientSpan.spanID)
      #expect(clientSpan.status?.code == .error)
      #expect(Self.text(clientSpan, "error.type") == "server_error")
      #expect(serverSpan.status?.code == .error)
      #expect(Self.text(serverSpan, "error.type") == RPCServerErrorKind.invalidInput.rawValue)

      try await client.close()
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func aTimedOutCallEndsItsSpanAsAnError() async throws {
      let tracer = InMemoryTracer()
      let connection = try await Broker.connect(name: "tracing-test")
      let queue = Broker.uniqueName("trace-timeout")
      let channel = try await connection.openChannel()
      _ = try await channel.queueDeclare(queue, exclusive: true)  // no server consumes it
      var clientConfiguration = RPCClientConfiguration(queue: queue, timeout: .milliseconds(50))
      clientConfiguration.tracer = tracer
      let client = try await RPCClient.start(
        connection: connection, configuration: clientConfiguration)
      await #expect(throws: RPCError.self) { try await client.call("late") }
      let span = try #require(try await Self.finished(tracer, named: "send \(queue)").first)
      #expect(span.status?.code == .error)
      #expect(Self.text(span, "error.type") == "timed_out")
      try await client.close()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func garbageTraceHeadersAreIgnoredAndTheRequestServed() async throws {
      let tracer = InMemoryTracer()
      let connection = try await Broker.connect(name: "tracing-test")
      let queue = Broker.uniqueName("trace-garbage")
      var serverConfiguration = RPCServerConfiguration(queue: queue, workers: 1)
      serverConfiguration.tracer = tracer
      let server = try await RPCServer.start(
        connection: connection, configuration: serverConfiguration,
        handler: .synchronous { _ in RPCServerResponse(text: "ok") })
      var clientConfiguration = RPCClientConfiguration(queue: queue, timeout: .seconds(10))
      clientConfiguration.tracer = NoOpTracer()  // sends the headers below as they are
      let client = try await RPCClient.start(
        connection: connection, configuration: clientConfiguration)

      let hostile: [AMQPFieldTable] = [
        [
          "traceparent": .int64(42), "tracestate": .table(["a": .bool(true)]),
          InMemoryTracer.traceIDKey: .string(String(repeating: "x", count: 100_000)),
          InMemoryTracer.spanIDKey: .bytes([0xFF, 0xFE, 0x00]),
        ],
        [
          "traceparent": .bytes(Array(repeating: 0xC3, count: 100_000)),
          InMemoryTracer.traceIDKey: .array([.string("t")]), InMemoryTracer.spanIDKey: .void,
        ],
        [InMemoryTracer.traceIDKey: .bytes(Array("t".utf8)), InMemoryTracer.spanIDKey: .int8(1)],
      ]
      for headers in hostile {
        let reply = try await client.call("hello", headers: headers)
        #expect(reply.value == "ok")
      }
      let spans = try await Self.finished(tracer, named: "process \(queue)", count: 3)
      // Nothing readable: each request's span is a root of its own trace.
      #expect(spans.allSatisfy { $0.parentSpanID == nil })
      #expect(Set(spans.map(\.traceID)).count == 3)

      // A context sent as byte arrays (valid UTF-8, short) is read.
      let reply = try await client.call(
        "hello",
        headers: [
          InMemoryTracer.traceIDKey: .bytes(Array("trace-from-bytes".utf8)),
          InMemoryTracer.spanIDKey: .bytes(Array("span-from-bytes".utf8)),
        ])
      #expect(reply.value == "ok")
      let all = try await Self.finished(tracer, named: "process \(queue)", count: 4)
      let child = try #require(all.first { $0.parentSpanID != nil })
      #expect(child.traceID == "trace-from-bytes")
      #expect(child.parentSpanID == "span-from-bytes")

      try await client.close()
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}

extension BrokerTests.Tracing {
  /// An idempotent call caught in flight by a lost link is sent again with the same headers:
  /// both deliveries' spans are children of the one call span.
  @Test func anIdempotentResendKeepsTheTraceContext() async throws {
    let tracer = InMemoryTracer()
    let serverConnection = try await Broker.connect(name: "tracing-test-server")
    let clientName = Broker.uniqueName("tracing-test-client")
    let clientConnection = try await Broker.connect(name: clientName)
    let queue = Broker.uniqueName("trace-resend")
    let (deliveries, delivered) = AsyncStream.makeStream(of: Void.self)
    let first = FirstTime()
    var serverConfiguration = RPCServerConfiguration(queue: queue, workers: 2)
    serverConfiguration.tracer = tracer
    let server = try await RPCServer.start(
      connection: serverConnection, configuration: serverConfiguration,
      handler: RPCHandler { request in
        delivered.yield()
        // The first delivery is held until its client's link is gone; the resend is not.
        if first.take() {
          try await Task.sleep(for: .milliseconds(1_500))
        }
        return RPCServerResponse(text: "ok")
      })
    var clientConfiguration = RPCClientConfiguration(queue: queue, timeout: .seconds(20))
    clientConfiguration.tracer = tracer
    let client = try await RPCClient.start(
      connection: clientConnection, configuration: clientConfiguration)

    async let reply = client.call("again", idempotent: true)
    var arrivals = deliveries.makeAsyncIterator()
    _ = await arrivals.next()
    try await BrokerFaults.closeConnection(named: clientName)
    #expect(try await reply.value == "ok")

    let clientSpans = try await Self.finished(tracer, named: "send \(queue)")
    let serverSpans = try await Self.finished(tracer, named: "process \(queue)", count: 2)
    #expect(clientSpans.count == 1)
    let clientSpan = try #require(clientSpans.first)
    #expect(serverSpans.count == 2)
    for span in serverSpans {
      #expect(span.traceID == clientSpan.traceID)
      #expect(span.parentSpanID == clientSpan.spanID)
    }

    try await client.close()
    await server.shutdown()
    try await clientConnection.close()
    let channel = try await serverConnection.openChannel()
    try await channel.queueDelete(queue)
    try await serverConnection.close()
  }
}

/// True once, then false, from any thread.
final class FirstTime: Sendable {
  private let first = Mutex(true)

  func take() -> Bool {
    first.withLock { first in
      defer { first = false }
      return first
    }
  }
}

extension BrokerTests.Tracing {
  /// With no tracer configured and none bootstrapped (the tests never bootstrap one), a
  /// request carries no header beyond the deadline: tracing is off, not merely empty.
  @Test func withoutATracerRequestsCarryNoTraceHeaders() async throws {
    let connection = try await Broker.connect(name: "tracing-test")
    let queue = Broker.uniqueName("trace-off")
    let server = try await RPCServer.start(
      connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 1),
      handler: .synchronous { request in
        RPCServerResponse(text: request.headers.entries.map(\.key).joined(separator: ","))
      })
    let client = try await RPCClient.start(
      connection: connection, configuration: RPCClientConfiguration(queue: queue))
    #expect(try await client.call("keys?").value == RPCWire.deadlineHeader)
    try await client.close()
    await server.shutdown()
    let channel = try await connection.openChannel()
    try await channel.queueDelete(queue)
    try await connection.close()
  }
}
