import AMQPClient
import AMQPProtocol
import AMQPRPC
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The connection, server and client as swift-service-lifecycle services in one group.
@Suite struct ServiceLifecycleTests {
  @Test func gracefulShutdownDrainsTheServerThenClosesTheClientAndTheConnection() async throws {
    let connection = try await Broker.connect(name: Broker.uniqueName("service-group"))
    let queue = Broker.uniqueName("service-rpc")
    // The handler says when it has the request, then takes its time.
    let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
    let server = try await RPCServer.start(
      connection: connection, configuration: RPCServerConfiguration(queue: queue),
      handler: RPCHandler { request in
        startedContinuation.yield()
        try await Task.sleep(for: .milliseconds(300))
        return RPCServerResponse(text: "done " + request.text)
      })
    let client = try await RPCClient.start(
      connection: connection, configuration: RPCClientConfiguration(queue: queue))
    // Graceful shutdown goes in reverse order: server (drains), client, connection.
    let group = ServiceGroup(
      services: [connection, client, server], logger: Logger(label: "service-group-test"))
    let running = Task { try await group.run() }

    let call = Task { try await client.call("late") }
    _ = try await withTimeout(10, "the handler to start") {
      for await _ in started { return true }
      return false
    }
    await group.triggerGracefulShutdown()
    // The request the worker held was answered before anything closed.
    #expect(try await call.value.value == "done late")
    try await withTimeout(30, "the group to end") { try await running.value }
    #expect(!connection.isOpen)
    #expect(server.workerIDs.isEmpty)
    await #expect(throws: RPCError.self) { _ = try await client.call("after") }
    let cleanup = try await Broker.connect(name: Broker.uniqueName("service-cleanup"))
    try await cleanup.openChannel().queueDelete(queue)
    try await cleanup.close()
  }

  @Test func cancellingTheGroupEndsEveryService() async throws {
    let connection = try await Broker.connect(name: Broker.uniqueName("service-cancel"))
    let queue = Broker.uniqueName("service-cancel-rpc")
    let server = try await RPCServer.start(
      connection: connection, configuration: RPCServerConfiguration(queue: queue),
      handler: .fibonacci())
    let group = ServiceGroup(
      services: [connection, server], logger: Logger(label: "service-group-test"))
    let running = Task { try await group.run() }
    running.cancel()
    try await withTimeout(30, "the group to end") { try await running.value }
    #expect(!connection.isOpen)
    let cleanup = try await Broker.connect(name: Broker.uniqueName("service-cleanup"))
    try await cleanup.openChannel().queueDelete(queue)
    try await cleanup.close()
  }

  /// A second Ctrl-C: cancelled during its drain, the server requeues what it holds at once
  /// instead of waiting out the drain timeout.
  @Test func cancellingTheGroupDuringTheDrainRequeuesTheHeldRequestAtOnce() async throws {
    let connection = try await Broker.connect(name: Broker.uniqueName("service-cut"))
    let queue = Broker.uniqueName("service-cut-rpc")
    let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
    let server = try await RPCServer.start(
      connection: connection,
      configuration: RPCServerConfiguration(queue: queue, drainTimeout: .seconds(3600)),
      handler: RPCHandler { _ in
        startedContinuation.yield()
        try? await Task.sleep(for: .seconds(20))
        return RPCServerResponse(text: "too late")
      })
    let group = ServiceGroup(
      services: [connection, server], logger: Logger(label: "service-group-test"))
    let running = Task { try await group.run() }
    let other = try await Broker.connect(name: Broker.uniqueName("service-cut-peer"))
    let channel = try await other.openChannel()
    let replies = try await channel.queueDeclare(exclusive: true).name
    try await channel.publish(
      ByteBuffer(string: "held"), routingKey: queue,
      properties: AMQPBasicProperties(correlationID: "held", replyTo: replies))
    _ = try await withTimeout(10, "the handler to start") {
      for await _ in started { return true }
      return false
    }
    await group.triggerGracefulShutdown()
    try await withTimeout(10, "the drain to start") {
      while server.stats().workers.allSatisfy({ $0.state != .stopping }) {
        try await Task.sleep(for: .milliseconds(5))
      }
    }
    running.cancel()
    try await withTimeout(10, "the group to end") { try await running.value }
    #expect(server.requeuedCount == 1)
    try await Broker.waitForQueue(queue, "the request to be back") { $0.ready == 1 }
    try await channel.queueDelete(queue)
    try await other.close()
  }
}
