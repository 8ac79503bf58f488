import AMQPClient
import AMQPRPC
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// An RPC server with 4 workers and a client, each on its own recovering connection (named so
/// a test can find them in `rabbitmqctl list_connections`), on a queue of the test's own, and
/// a steady stream of calls between them: for faults injected while calls are in flight.
struct FaultRun {
  let serverConnection: AMQPConnection
  let clientConnection: AMQPConnection
  let serverName: String
  let clientName: String
  let queue: String
  let server: RPCServer
  let client: RPCClient
  let clientEvents: AsyncStream<RPCClientEvent>
  let serverNotices: AsyncStream<RPCServerNotice>

  /// On `broker` (the main broker by default).
  static func start(heartbeat: UInt16 = 60, broker: AMQPConnectionConfiguration? = nil)
    async throws -> FaultRun
  {
    let serverName = Broker.uniqueName("fault-server")
    let clientName = Broker.uniqueName("fault-client")
    func connect(_ name: String) async throws -> AMQPConnection {
      var configuration = try broker ?? Broker.configuration
      configuration.connectionName = name
      configuration.heartbeat = heartbeat
      configuration.recovery = .fast
      return try await AMQPConnection.connect(to: configuration)
    }
    let serverConnection = try await connect(serverName)
    let clientConnection = try await connect(clientName)
    let queue = Broker.uniqueName("fault-rpc")
    let server = try await RPCServer.start(
      connection: serverConnection,
      configuration: RPCServerConfiguration(
        queue: queue, workers: 4, prefetch: 2), handler: .fibonacci(work: .recursive))
    let client = try await RPCClient.start(
      connection: clientConnection,
      configuration: RPCClientConfiguration(queue: queue, timeout: .seconds(8)))
    return FaultRun(
      serverConnection: serverConnection, clientConnection: clientConnection,
      serverName: serverName, clientName: clientName, queue: queue, server: server,
      client: client, clientEvents: client.events(), serverNotices: server.notices())
  }

  /// Calls fib(n) every `interval` until `stop()`; returns how many calls it made once every
  /// one of them has ended.
  func steadyStream(every interval: Duration = .milliseconds(20)) -> SteadyStream {
    SteadyStream(client: client, interval: interval)
  }

  /// Waits for the client's event that `match` accepts.
  func clientEvent(
    _ what: String, within seconds: Double = 30, _ match: @escaping @Sendable (RPCLinkEvent) -> Bool
  ) async throws -> RPCLinkEvent {
    let events = clientEvents
    return try await withTimeout(seconds, what) {
      for await case .link(let link) in events where match(link) { return link }
      throw TimedOut(what: what)
    }
  }

  /// Waits for the server's notice that `match` accepts.
  func serverNotice(
    _ what: String, within seconds: Double = 30,
    _ match: @escaping @Sendable (RPCServerNotice) -> Bool
  ) async throws -> RPCServerNotice {
    let notices = serverNotices
    return try await withTimeout(seconds, what) {
      for await notice in notices where match(notice) { return notice }
      throw TimedOut(what: what)
    }
  }

  /// Checks the books: every call sent (`sent` before this one) ended in exactly one class,
  /// and a new call works.
  func expectAccountedAndWorking(sent: Int, sourceLocation: SourceLocation = #_sourceLocation)
    async throws -> RPCClientStats
  {
    let reply = try await client.fibonacci(10, timeout: .seconds(10))
    #expect(reply.value == "55", sourceLocation: sourceLocation)
    let stats = client.stats()
    #expect(stats.inFlight == 0, sourceLocation: sourceLocation)
    #expect(stats.sent == sent + 1, sourceLocation: sourceLocation)
    #expect(
      stats.outcomes.values.reduce(0, +) == stats.sent,
      "classes \(stats.outcomes) must add up to \(stats.sent) sent", sourceLocation: sourceLocation)
    return stats
  }

  func stop() async throws {
    try? await client.close()
    _ = await server.shutdown(gracePeriod: .seconds(2))
    if let channel = try? await clientConnection.openChannel() {
      _ = try? await channel.queueDelete(queue)
    }
    try? await clientConnection.close()
    try? await serverConnection.close()
  }

}

/// A stream of calls at a steady pace, made by one task, each call in a child task.
final class SteadyStream: Sendable {
  private let stopped = NIOLockedValueBox(false)
  private let task: Task<Int, Never>

  init(client: RPCClient, interval: Duration) {
    let stopped = self.stopped
    task = Task {
      await withTaskGroup(of: Void.self) { group in
        var made = 0
        while !stopped.withLockedValue({ $0 }) {
          made += 1
          let n = 22 + made % 5  // a few ms each: calls are in flight at the fault
          group.addTask { _ = try? await client.fibonacci(n) }
          try? await Task.sleep(for: interval)  // pacing, not synchronisation
        }
        await group.waitForAll()
        return made
      }
    }
  }

  /// Stops making calls and returns how many were made, once all have ended.
  func stop() async -> Int {
    stopped.withLockedValue { $0 = true }
    return await task.value
  }
}
