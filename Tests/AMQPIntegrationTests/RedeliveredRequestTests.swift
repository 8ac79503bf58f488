import AMQPClient
import AMQPProtocol
import AMQPRPC
import Foundation
import NIOCore
import Testing

/// A request that keeps coming back after its handling was interrupted is rejected without
/// requeue, whatever interrupted it: the server's own memory counts the lost links it saw,
/// and a quorum queue's `x-delivery-count` counts returns across processes.
extension BrokerTests {
  @Suite struct RedeliveredRequests {
    /// The first `.rejected` event.
    static func rejection(_ events: AsyncStream<RPCServerEvent>) async throws -> String {
      try await withTimeout(30, "the rejection") {
        for await event in events {
          if case .rejected(let reason) = event.outcome { return reason }
        }
        throw TimedOut(what: "the rejection")
      }
    }

    @Test func requestHeldAtEveryLostLinkIsRejectedOnceItReachesTheLimit() async throws {
      let name = Broker.uniqueName("interrupted-server")
      let connection = try await Broker.connect(name: name, recovery: .fast)
      let queue = Broker.uniqueName("interrupted-rpc")
      var configuration = RPCServerConfiguration(queue: queue, workers: 1)
      configuration.redeliveryLimit = 2
      let server = try await RPCServer.start(
        connection: connection, configuration: configuration, handler: .fibonacci(work: .recursive))
      let events = server.events()
      let notices = server.notices()
      let peer = try await Broker.connect(name: Broker.uniqueName("interrupted-peer"))
      let channel = try await peer.openChannel()
      let replies = try await channel.queueDeclare(exclusive: true).name
      // fib(41), recursive in a debug build: seconds, longer than a close_connection takes.
      try await channel.publish(
        ByteBuffer(string: "41"), routingKey: queue,
        properties: AMQPBasicProperties(correlationID: "held-41", replyTo: replies))
      for round in 1...2 {
        try await withTimeout(20, "fib(41) to be held (round \(round))") {
          while !server.stats().workers.contains(where: {
            if case .busy(41, _, _) = $0.state { true } else { false }
          }) {
            try await Task.sleep(for: .milliseconds(5))
          }
        }
        try await BrokerFaults.closeConnection(named: name, reason: "interrupting fib(41)")
        _ = try await withTimeout(20, "recovery (round \(round))") {
          for await notice in notices {
            if case .connection(.recovered) = notice { return }
          }
        }
      }
      let reason = try await Self.rejection(events)
      #expect(reason.contains("request held-41 "), "\(reason)")
      #expect(reason.contains("interrupted by a lost link 2 times"), "\(reason)")
      try await Broker.waitForQueue(queue, "the queue to be empty") {
        $0.ready == 0 && $0.unacknowledged == 0
      }
      // Still serving.
      let client = try await RPCClient.start(
        connection: peer, configuration: RPCClientConfiguration(queue: queue))
      #expect(try await client.fibonacci(10).value == "55")
      try await client.close()
      await server.shutdown(gracePeriod: .zero)
      try await channel.queueDelete(queue)
      try await peer.close()
      try await connection.close()
    }

    /// Another process returned the request three times (a crash, say): a quorum queue
    /// says so in `x-delivery-count`, and this server rejects it at once.
    @Test func quorumRequestReturnedUpToTheLimitIsRejectedByANewServer() async throws {
      let connection = try await Broker.connect(name: Broker.uniqueName("returned"))
      let channel = try await connection.openChannel()
      let queue = Broker.uniqueName("returned-rpc")
      _ = try await channel.queueDeclare(
        queue, durable: true, arguments: ["x-queue-type": .string("quorum")])
      let replies = try await channel.queueDeclare(exclusive: true).name
      try await channel.publish(
        ByteBuffer(string: "5"), routingKey: queue,
        properties: AMQPBasicProperties(correlationID: "returned-3", replyTo: replies))
      for returns in 0..<3 {
        let message = try await withTimeout(10, "the request (\(returns) returns)") {
          while true {
            if let message = try await channel.get(queue: queue) { return message }
            try await Task.sleep(for: .milliseconds(20))
          }
        }
        #expect(message.redelivered == (returns > 0))
        try await channel.nack(deliveryTag: message.deliveryTag, requeue: true)
      }
      // Events are watched before the worker starts: the request is waiting for it.
      let server = try await RPCServer.start(
        connection: connection,
        configuration: RPCServerConfiguration(queue: queue, workers: 0), handler: .fibonacci())
      let events = server.events()
      try await server.addWorker()
      let reason = try await Self.rejection(events)
      #expect(reason.contains("request returned-3 "), "\(reason)")
      #expect(reason.contains("returned to the queue 3 times (x-delivery-count)"), "\(reason)")
      try await Broker.waitForQueue(queue, "the queue to be empty") {
        $0.ready == 0 && $0.unacknowledged == 0
      }
      #expect(try await channel.get(queue: replies, noAck: true) == nil, "no reply was sent")
      await server.shutdown()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}
