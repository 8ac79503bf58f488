import AMQPClient
import AMQPProtocol
import Foundation
import NIOCore
import Testing

/// A connection with what recovery must bring back:
/// - a channel with `basic.qos` and three consumers on it: an ``AMQPConsumer`` on a durable
///   queue of the test's own, another on a server-named exclusive queue, and a callback
///   consumer on a second server-named exclusive queue (the broker loses those two with the
///   connection, so recovery declares them again under new names);
/// - a direct exchange of the test's own (not durable: a restarted broker forgets it) with
///   the callback consumer's queue bound to it, so the binding must follow the rename;
/// - a channel in confirm mode.
/// Before each fault (``prepareFault()``) one persistent message is delivered on the durable
/// queue and left unacknowledged: its delivery tag goes stale with the link and the broker
/// requeues the message.
struct RecoveryScenario {
  let connection: AMQPConnection
  let name: String
  let log: ConnectionEventLog
  let channel: AMQPChannel
  let confirms: AMQPChannel
  let durableQueue: String
  let exchange: String
  /// The server-named queues, by their current names (recovery renames them).
  private(set) var exclusiveQueue: String
  private(set) var callbackQueue: String
  let durable: Deliveries
  let exclusive: Deliveries
  let callback: Deliveries
  /// The tag of the delivery left unacknowledged before the fault.
  private(set) var staleTag: UInt64 = 0
  /// `rabbitmqctl` for the broker the connection is on.
  let rabbitmqctl: RabbitMQCtl

  static let prefetch: UInt16 = 10
  static let bindingKey = "callback"
  static let expiry: AMQPFieldTable = ["x-expires": .int32(60_000)]

  static func start(
    _ prefix: String, configuration: AMQPConnectionConfiguration? = nil, heartbeat: UInt16 = 60,
    rabbitmqctl: @escaping RabbitMQCtl = BrokerFaults.rabbitmqctl(_:)
  ) async throws -> RecoveryScenario {
    let name = Broker.uniqueName(prefix)
    var configuration = try configuration ?? Broker.configuration
    configuration.connectionName = name
    configuration.heartbeat = heartbeat
    configuration.recovery = .fast
    let connection = try await AMQPConnection.connect(to: configuration)
    let log = ConnectionEventLog(connection)
    let channel = try await connection.openChannel()
    try await channel.basicQos(prefetchCount: prefetch)
    let durableQueue = Broker.uniqueName("\(prefix)-durable")
    // Expires a minute after its last consumer: a test that fails before `finish()` leaves
    // nothing behind for long.
    try await channel.queueDeclare(durableQueue, durable: true, arguments: Self.expiry)
    let exclusiveQueue = try await channel.queueDeclare(exclusive: true).name
    let callbackQueue = try await channel.queueDeclare(exclusive: true).name
    let exchange = Broker.uniqueName("\(prefix)-exchange")
    try await channel.exchangeDeclare(exchange, type: "direct")
    try await channel.queueBind(callbackQueue, exchange: exchange, routingKey: bindingKey)
    let durable = Deliveries(try await channel.consume(queue: durableQueue))
    let exclusive = Deliveries(try await channel.consume(queue: exclusiveQueue))
    let (callback, onDelivery, onEnd) = Deliveries.callbacks()
    _ = try await channel.consume(queue: callbackQueue, onDelivery: onDelivery, onEnd: onEnd)
    let confirms = try await connection.openChannel()
    try await confirms.confirmSelect()
    return RecoveryScenario(
      connection: connection, name: name, log: log, channel: channel, confirms: confirms,
      durableQueue: durableQueue, exchange: exchange, exclusiveQueue: exclusiveQueue,
      callbackQueue: callbackQueue,
      durable: durable, exclusive: exclusive, callback: callback, rabbitmqctl: rabbitmqctl)
  }

  /// Publishes on the confirm-mode channel (to a queue through the default exchange, or
  /// with a routing key to `exchange`) and waits (at most 20 s) for the broker's verdict.
  func publishConfirmed(
    _ body: String, to queue: String, exchange: String = "", persistent: Bool = false
  ) async throws -> Bool {
    let confirms = self.confirms
    return try await withTimeout(20, "the confirm of \"\(body)\" to \(exchange)/\(queue)") {
      try await confirms.publishConfirmed(
        ByteBuffer(string: body), exchange: exchange, routingKey: queue,
        properties: persistent ? .persistent : AMQPBasicProperties())
    }
  }

  /// Delivers a persistent message on the durable queue and leaves it unacknowledged, and
  /// checks that the other two consumers deliver.
  mutating func prepareFault() async throws {
    // Confirmed: on disk before the fault, so even a killed broker still has it.
    #expect(try await publishConfirmed("before", to: durableQueue, persistent: true))
    let before = try await durable.next("the delivery before the fault")
    #expect(String(buffer: before.body) == "before")
    staleTag = before.deliveryTag
    for (queue, deliveries) in [(exclusiveQueue, exclusive), (callbackQueue, callback)] {
      #expect(try await publishConfirmed("x", to: queue))
      let message = try await deliveries.next("a delivery on \(queue) before the fault")
      try await channel.ack(deliveryTag: message.deliveryTag)
    }
  }

  /// Checks that everything works after the recovery `recovered` reported: the renamed
  /// queues, a stale acknowledgement that does not cost the channel, publishing (confirm
  /// mode restored), the three consumers delivering, the message that was unacknowledged
  /// at the fault delivered again, and qos and confirm mode as the broker sees them.
  mutating func checkAfterRecovery(_ recovery: AMQPRecovery) async throws {
    #expect(connection.isOpen)
    let renamedExclusive = try #require(
      recovery.renamedQueues[exclusiveQueue], "no new name for \(exclusiveQueue)")
    let renamedCallback = try #require(
      recovery.renamedQueues[callbackQueue], "no new name for \(callbackQueue)")
    #expect(recovery.renamedQueues.count == 2, "\(recovery.renamedQueues)")
    for (old, new) in recovery.renamedQueues {
      #expect(new != old && new.hasPrefix("amq.gen-"), "\(old) → \(new)")
    }
    exclusiveQueue = renamedExclusive
    callbackQueue = renamedCallback
    let topology = try await connection.recordedTopology()
    #expect(Set(topology.queues.keys) == [durableQueue, exclusiveQueue, callbackQueue])
    #expect(topology.serverNamedQueues == [exclusiveQueue, callbackQueue])
    #expect(
      Set(topology.consumers.values.map(\.consume.queue))
        == [durableQueue, exclusiveQueue, callbackQueue])

    // The delivery from before the fault is gone with its link: acknowledging it now is
    // dropped, and must not make the broker close the channel (406 unknown delivery tag).
    try await channel.ack(deliveryTag: staleTag)
    // A synchronous method after it: the broker has handled the ack when this answers.
    try await channel.basicQos(prefetchCount: Self.prefetch)
    #expect(await channel.isOpen())

    #expect(try await publishConfirmed("after", to: durableQueue, persistent: true))
    for (queue, deliveries) in [(exclusiveQueue, exclusive), (callbackQueue, callback)] {
      #expect(try await publishConfirmed("after", to: queue))
      let message = try await deliveries.next("a delivery on renamed queue \(queue)")
      #expect(String(buffer: message.body) == "after")
      try await channel.ack(deliveryTag: message.deliveryTag)
    }
    // The exchange and the binding came back, the binding to the queue's new name.
    #expect(
      topology.queueBindings.map(\.queue) == [callbackQueue], "\(topology.queueBindings)")
    #expect(try await publishConfirmed("routed", to: Self.bindingKey, exchange: exchange))
    let routed = try await callback.next("a delivery through the restored binding")
    #expect(String(buffer: routed.body) == "routed" && routed.exchange == exchange)
    try await channel.ack(deliveryTag: routed.deliveryTag)
    // The durable queue: "after", and "before" again, redelivered.
    var bodies: [String] = []
    for _ in 0..<2 {
      let message = try await durable.next("deliveries on the durable queue after recovery")
      let body = String(buffer: message.body)
      bodies.append(body)
      if body == "before" { #expect(message.redelivered) }
      #expect(message.deliveryTag > staleTag, "a new link's tag must not look like an old one")
      try await channel.ack(deliveryTag: message.deliveryTag)
    }
    #expect(bodies.sorted() == ["after", "before"])
    try await channel.basicQos(prefetchCount: Self.prefetch)
    #expect(await channel.isOpen())
    try await checkBrokerView()
  }

  /// What the broker says about the recovered connection: one connection by our name, with
  /// the prefetch on the consumers' channel and confirm mode on the other, and our one
  /// consumer on the durable queue.
  func checkBrokerView() async throws {
    let name = self.name
    let rabbitmqctl = self.rabbitmqctl
    // Until the broker notices that the old link is dead, it lists two connections.
    var pids: [String] = []
    try await withTimeout(20, "the broker to list one connection named \(name)") {
      while try await BrokerFaults.connectionPIDs(named: name, rabbitmqctl: rabbitmqctl).count != 1
      {
        try await Task.sleep(for: .milliseconds(100))
      }
    }
    pids = try await BrokerFaults.connectionPIDs(named: name, rabbitmqctl: rabbitmqctl)
    let listing = try await rabbitmqctl([
      "list_channels", "--no-table-headers", "-q", "connection", "number", "prefetch_count",
      "confirm",
    ])
    var channels: [String: (prefetch: String, confirm: String)] = [:]
    for line in listing.split(separator: "\n") {
      let fields = line.split(separator: "\t").map(String.init)
      guard fields.count == 4, fields[0] == pids.first else { continue }
      channels[fields[1]] = (fields[2], fields[3])
    }
    #expect(channels["\(channel.id)"]?.prefetch == "\(Self.prefetch)", "\(channels)")
    #expect(channels["\(confirms.id)"]?.confirm == "true", "\(channels)")
    #expect(channels.count == 2, "channels of the recovered connection: \(channels)")
    let queue = try await channel.queueDeclare(durableQueue, passive: true)
    #expect(queue.consumerCount == 1)
  }

  /// Closes the connection and deletes the durable queue.
  func finish() async throws {
    durable.stop()
    exclusive.stop()
    if connection.isOpen {
      try await channel.queueDelete(durableQueue)
      try await channel.exchangeDelete(exchange)
      try await connection.close()
    } else {
      try await connection.close()
      let cleanup = try await Broker.connect(name: "recovery-cleanup", recovery: .disabled)
      let channel = try await cleanup.openChannel()
      try await channel.queueDelete(durableQueue)
      try await channel.exchangeDelete(exchange)
      try await cleanup.close()
    }
  }
}

extension BrokerTests {
  /// Recovery of the client core against the real broker, one fault at a time. The faults
  /// that touch the whole broker run inside ``BrokerFaults/withBrokerRestored(_:)``, which
  /// leaves it running and healthy for the tests that follow. Each prints its figures.
  @Suite struct Recovery {
    @Test func recoversFromStopAppAndStartApp() async throws {
      var scenario = try await RecoveryScenario.start("stop-app")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      let (recovered, back) = try await BrokerFaults.withBrokerRestored {
        try await BrokerFaults.stopApp()
        let lost = try await scenario.log.first("disconnected", after: mark) {
          if case .disconnected = $0 { return true }
          return false
        }
        guard case .disconnected(let error) = lost.entry.event else { throw TimedOut(what: "") }
        #expect(error.code == .connectionClosedByServer)
        #expect(error.replyCode == 320)
        // Attempts fail while the broker is down (its listener is closed).
        try await scenario.log.first("a second attempt", after: mark) {
          if case .reconnecting(let attempt, _, _) = $0 { return attempt >= 2 }
          return false
        }
        // Meanwhile the application's calls fail at once, saying why.
        #expect(!scenario.connection.isOpen)
        let refusals = [
          await #expect(throws: AMQPError.self) {
            try await scenario.channel.publish(ByteBuffer(string: "x"), routingKey: "q")
          },
          await #expect(throws: AMQPError.self) {
            try await scenario.channel.basicQos(prefetchCount: 1)
          },
          await #expect(throws: AMQPError.self) { try await scenario.connection.openChannel() },
        ]
        #expect(refusals.map { $0?.code } == [.reconnecting, .reconnecting, .reconnecting])
        try await BrokerFaults.rabbitmqctl("start_app")
        let back = ContinuousClock.now
        return (try await scenario.log.recovery(after: mark), back)
      }
      print(
        "FIGURES stop_app/start_app: recovered \((recovered.recoveredAt - back).seconds) after"
          + " start_app returned; downtime \(recovered.recovery.downtime.seconds),"
          + " \(recovered.attempts.count) attempts")
      #expect(recovered.failures.isEmpty, "\(recovered.failures)")
      try await scenario.checkAfterRecovery(recovered.recovery)
      try await scenario.finish()
    }

    @Test func recoveryEndsForGoodAfterItsLastAttemptOrWhenTheApplicationCloses() async throws {
      var limited = try Broker.configuration
      limited.connectionName = Broker.uniqueName("gives-up")
      limited.recovery = .fast
      limited.recovery.maximumAttempts = 3
      let givesUp = try await AMQPConnection.connect(to: limited)
      let givesUpLog = ConnectionEventLog(givesUp)
      let givesUpDeliveries = Deliveries(
        try await givesUp.openChannel().consume(
          queue: try await givesUp.openChannel().queueDeclare(exclusive: true).name))
      let closing = try await Broker.connect(name: Broker.uniqueName("closed"), recovery: .fast)
      let closingLog = ConnectionEventLog(closing)
      let closingDeliveries = Deliveries(
        try await closing.openChannel().consume(
          queue: try await closing.openChannel().queueDeclare(exclusive: true).name))
      try await BrokerFaults.withBrokerRestored {
        try await BrokerFaults.stopApp()
        // Three attempts, refused, then closed for good with the last attempt's error.
        let closed = try await withTimeout(10, "recovery to give up") { await givesUp.closed() }
        #expect(closed.code == .connectFailed, "\(closed)")
        let attempts = givesUpLog.events.compactMap {
          if case .reconnecting(let attempt, _, _) = $0 { return attempt }
          return nil
        }
        #expect(attempts == [1, 2, 3])
        #expect(!givesUp.isOpen)
        let ended = try await givesUpDeliveries.end()
        #expect(ended != nil, "the consumer must end with the connection's error")
        let refused = await #expect(throws: AMQPError.self) { try await givesUp.openChannel() }
        #expect(refused?.code != .reconnecting, "\(String(describing: refused))")

        // Closed by the application while it recovers: at once, and nothing recovers.
        try await closingLog.first("disconnected") {
          if case .disconnected = $0 { return true }
          return false
        }
        try await withTimeout(5, "close() while recovering") { try await closing.close() }
        let reason = try await withTimeout(5, "closed()") { await closing.closed() }
        #expect(reason.code == .connectionClosed, "\(reason)")
        #expect(try await closingDeliveries.end() != nil)
        #expect(!closing.isOpen)
        try await BrokerFaults.startApp()
      }
      let after = closingLog.events.filter {
        if case .recovered = $0 { return true }
        return false
      }
      #expect(after.isEmpty, "\(closingLog.events)")
    }

    @Test func recoversFromTheBrokerKilledAndStartedAgain() async throws {
      var scenario = try await RecoveryScenario.start("sigkill")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      let (recovered, back) = try await BrokerFaults.withBrokerRestored {
        let pid = try await BrokerFaults.killBroker()
        let lost = try await scenario.log.first("disconnected", after: mark) {
          if case .disconnected = $0 { return true }
          return false
        }
        guard case .disconnected(let error) = lost.entry.event else { throw TimedOut(what: "") }
        // No connection.close: the kernel closed or reset the socket.
        #expect(error.code == .connectionClosed, "\(error)")
        #expect(!BrokerFaults.isAlive(pid))
        try await BrokerFaults.startBroker()
        let back = ContinuousClock.now
        return (try await scenario.log.recovery(after: mark), back)
      }
      print(
        "FIGURES SIGKILL + Scripts/broker: downtime \(recovered.recovery.downtime.seconds)"
          + " (mostly the broker's start), recovered \((recovered.recoveredAt - back).seconds)"
          + " after Scripts/broker saw it answer (negative: before),"
          + " \(recovered.attempts.count) attempts")
      #expect(recovered.failures.isEmpty, "\(recovered.failures)")
      try await scenario.checkAfterRecovery(recovered.recovery)
      try await scenario.finish()
    }

    @Test func recoversFromTheBrokerClosingTheConnection() async throws {
      var scenario = try await RecoveryScenario.start("close-connection")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      try await BrokerFaults.closeConnection(named: scenario.name, reason: "recovery test")
      let recovered = try await scenario.log.recovery(after: mark)
      #expect(recovered.error.code == .connectionClosedByServer)
      #expect(recovered.error.replyCode == 320)
      #expect(recovered.error.replyText?.contains("recovery test") == true)
      #expect(recovered.attempts == [1], "\(scenario.log.events)")
      #expect(recovered.failures.isEmpty, "\(recovered.failures)")
      print(
        "FIGURES close_connection: downtime \(recovered.recovery.downtime.seconds),"
          + " \(recovered.attempts.count) attempt")
      try await scenario.checkAfterRecovery(recovered.recovery)
      try await scenario.finish()
    }

    @Test func deletedQueueCancelsItsConsumerAndTheConnectionStaysOpen() async throws {
      var scenario = try await RecoveryScenario.start("queue-deleted")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      try await BrokerFaults.deleteQueue(scenario.durableQueue)
      let ended = try await scenario.durable.end()
      #expect(ended?.code == .consumerCancelled, "\(String(describing: ended))")
      // Nothing else is lost: the channel, the other consumers, publishing.
      #expect(scenario.connection.isOpen)
      #expect(await scenario.channel.isOpen())
      let topology = try await scenario.connection.recordedTopology()
      #expect(
        Set(topology.consumers.values.map(\.consume.queue))
          == [scenario.exclusiveQueue, scenario.callbackQueue])
      for (queue, deliveries) in [
        (scenario.exclusiveQueue, scenario.exclusive), (scenario.callbackQueue, scenario.callback),
      ] {
        #expect(try await scenario.publishConfirmed("still here", to: queue))
        let message = try await deliveries.next("a delivery on another consumer")
        #expect(String(buffer: message.body) == "still here")
        try await scenario.channel.ack(deliveryTag: message.deliveryTag)
      }
      // The queue can be declared and consumed again on the same channel.
      try await scenario.channel.queueDeclare(
        scenario.durableQueue, durable: true, arguments: RecoveryScenario.expiry)
      let again = Deliveries(try await scenario.channel.consume(queue: scenario.durableQueue))
      #expect(try await scenario.publishConfirmed("again", to: scenario.durableQueue))
      let message = try await again.next("a delivery on the new consumer")
      #expect(String(buffer: message.body) == "again")
      again.stop()
      #expect(scenario.log.events.count == mark, "events: \(scenario.log.events)")
      try await scenario.finish()
    }

    @Test func memoryAlarmBlocksThenUnblocksAndLosesNothing() async throws {
      var scenario = try await RecoveryScenario.start("memory-alarm")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      let count = 20
      let (confirmed, blockedFor) = try await BrokerFaults.withBrokerRestored {
        try await BrokerFaults.raiseMemoryAlarm()
        // The broker blocks a connection once it publishes while the alarm is on; these
        // wait for their confirms until it reads again.
        let confirms = scenario.confirms
        let queue = scenario.durableQueue
        let publishing = Task {
          try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
              group.addTask {
                try await confirms.publishConfirmed(
                  ByteBuffer(string: "during-\(index)"), routingKey: queue,
                  properties: .persistent)
              }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
          }
        }
        let blocked = try await scenario.log.first("connection.blocked", after: mark) {
          if case .blocked = $0 { return true }
          return false
        }
        guard case .blocked(let reason) = blocked.entry.event else { throw TimedOut(what: "") }
        #expect(reason.contains("memory"), "\(reason)")
        try await BrokerFaults.clearMemoryAlarm()
        let unblocked = try await scenario.log.first("connection.unblocked", after: mark) {
          $0 == .unblocked
        }
        let confirmed = try await withTimeout(20, "the confirms") { try await publishing.value }
        return (confirmed, unblocked.entry.at - blocked.entry.at)
      }
      print("FIGURES memory alarm: blocked for \(blockedFor.seconds), \(count) publishes held")
      #expect(confirmed.count == count && confirmed.allSatisfy { $0 })
      // Blocked and unblocked, and nothing else: no link was lost.
      let events = scenario.log.events[mark...]
      #expect(events.count == 2, "\(events)")
      if case .blocked = events.first {} else { Issue.record("not blocked first: \(events)") }
      #expect(events.last == .unblocked)
      // Every message published while blocked arrives (the one left unacknowledged is
      // still with us).
      var bodies: Set<String> = []
      while bodies.count < count {
        let message = try await scenario.durable.next("the messages published while blocked")
        bodies.insert(String(buffer: message.body))
        try await scenario.channel.ack(deliveryTag: message.deliveryTag)
      }
      #expect(bodies == Set((0..<count).map { "during-\($0)" }))
      #expect(scenario.connection.isOpen)
      try await scenario.finish()
    }

    @Test func linkLostWhileBlockedRecoversUnblocked() async throws {
      var scenario = try await RecoveryScenario.start("blocked-lost")
      try await scenario.prepareFault()
      let mark = scenario.log.count
      let recovered = try await BrokerFaults.withBrokerRestored {
        try await BrokerFaults.raiseMemoryAlarm()
        let confirms = scenario.confirms
        let queue = scenario.durableQueue
        // Held by the blocked broker, then failed with the link.
        let held = Task {
          try await confirms.publishConfirmed(ByteBuffer(string: "held"), routingKey: queue)
        }
        let blocked = try await scenario.log.first("connection.blocked", after: mark) {
          if case .blocked = $0 { return true }
          return false
        }
        try await BrokerFaults.closeConnection(named: scenario.name, reason: "lost while blocked")
        let failed = await #expect(throws: AMQPError.self) { try await held.value }
        #expect(failed?.code == .connectionClosedByServer, "\(String(describing: failed))")
        let recovered = try await scenario.log.recovery(after: blocked.index + 1)
        // The alarm ends while the new link has published nothing: the broker has no
        // reason to tell it anything.
        try await BrokerFaults.clearMemoryAlarm()
        return recovered
      }
      // Whoever follows the events must not still think the connection blocked: a new link
      // starts unblocked.
      let flowEvents = scenario.log.events[mark...].filter {
        switch $0 {
        case .blocked, .unblocked: true
        default: false
        }
      }
      #expect(flowEvents.last == .unblocked, "\(scenario.log.events[mark...])")
      #expect(recovered.failures.isEmpty, "\(recovered.failures)")
      try await scenario.checkAfterRecovery(recovered.recovery)
      try await scenario.finish()
    }

    /// Twice: the second time shows that heartbeats run on the recovered link too.
    @Test(SilentNetwork.enabled)
    func silentNetworkIsDetectedByHeartbeatsAndRecoveredWhenTheLinkReturns() async throws {
      try await SilentNetwork.up()
      let heartbeat: UInt16 = 2
      var scenario = try await RecoveryScenario.start(
        "silent", configuration: SilentNetwork.configuration(), heartbeat: heartbeat,
        rabbitmqctl: SilentNetwork.rabbitmqctl(_:))
      #expect(scenario.connection.tuning.heartbeat == heartbeat)
      for round in 1...2 {
        try await scenario.prepareFault()
        let mark = scenario.log.count
        let (recovered, detectedAfter, linkUpAt) = try await SilentNetwork.withLinkRestored {
          let down = ContinuousClock.now
          try await SilentNetwork.linkDown()
          let lost = try await scenario.log.first("the heartbeat timeout", after: mark, timeout: 15)
          {
            if case .disconnected = $0 { return true }
            return false
          }
          guard case .disconnected(let error) = lost.entry.event else { throw TimedOut(what: "") }
          #expect(error.code == .heartbeatTimeout, "\(error)")
          // Attempts fail while the link is down (the route is unreachable).
          try await scenario.log.first("a second attempt", after: mark) {
            if case .reconnecting(let attempt, _, _) = $0 { return attempt >= 2 }
            return false
          }
          #expect(!scenario.connection.isOpen)
          try await SilentNetwork.linkUp()
          let linkUpAt = ContinuousClock.now
          return (try await scenario.log.recovery(after: mark), lost.entry.at - down, linkUpAt)
        }
        print(
          "FIGURES silent network, round \(round) (heartbeat \(heartbeat) s): detected"
            + " \(detectedAfter.seconds) after link down, recovered"
            + " \((recovered.recoveredAt - linkUpAt).seconds) after link up,"
            + " \(recovered.attempts.count) attempts")
        // Dead after two intervals without traffic, checked every half interval: 2 to 2.5
        // intervals after the last frame, which came at most half an interval before the cut.
        let interval = Duration.seconds(Int(heartbeat))
        #expect(detectedAfter >= interval, "detected \(detectedAfter): too soon for silence")
        #expect(
          detectedAfter <= interval * 5 / 2 + .milliseconds(500), "detected \(detectedAfter)")
        #expect(recovered.failures.isEmpty, "\(recovered.failures)")
        try await scenario.checkAfterRecovery(recovered.recovery)
      }
      try await scenario.finish()
    }

    @Test(SilentNetwork.enabled)
    func methodTimeoutOnASilentLinkIsALostLinkAndRecovers() async throws {
      try await SilentNetwork.up()
      var configuration = try SilentNetwork.configuration()
      configuration.connectionName = Broker.uniqueName("method-timeout")
      configuration.recovery = .fast
      configuration.heartbeat = 60  // heartbeats would take minutes to notice
      configuration.methodTimeout = .seconds(1)
      let connection = try await AMQPConnection.connect(to: configuration)
      let log = ConnectionEventLog(connection)
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true).name
      let deliveries = Deliveries(try await channel.consume(queue: queue, noAck: true))
      let (recovered, timedOutAfter) = try await SilentNetwork.withLinkRestored {
        try await SilentNetwork.linkDown()
        let sent = ContinuousClock.now
        let error = await #expect(throws: AMQPError.self) {
          try await channel.queueDeclare(exclusive: true)
        }
        let timedOutAfter = ContinuousClock.now - sent
        #expect(error?.code == .connectionTimeout, "\(String(describing: error))")
        try await log.first("a second attempt") {
          if case .reconnecting(let attempt, _, _) = $0 { return attempt >= 2 }
          return false
        }
        try await SilentNetwork.linkUp()
        return (try await log.recovery(after: 0), timedOutAfter)
      }
      print(
        "FIGURES method timeout (1 s) on a silent link: the call failed after"
          + " \(timedOutAfter.seconds), downtime \(recovered.recovery.downtime.seconds)")
      #expect(recovered.error.code == .connectionTimeout)
      #expect(timedOutAfter >= .seconds(1) && timedOutAfter < .seconds(3))
      let renamed = try #require(recovered.recovery.renamedQueues[queue])
      let publisher = try await connection.openChannel()
      try await publisher.publish(ByteBuffer(string: "back"), routingKey: renamed)
      #expect(String(buffer: try await deliveries.next("a delivery after recovery").body) == "back")
      deliveries.stop()
      try await connection.close()
    }

    @Test(SilentNetwork.enabled)
    func recoveryMovesToTheNextEndpointWhenTheFirstGoesSilent() async throws {
      try await SilentNetwork.up()
      var first = try SilentNetwork.configuration()
      var second = try Broker.configuration
      let name = Broker.uniqueName("endpoints")
      for index in [0, 1] {
        var configuration = index == 0 ? first : second
        configuration.connectionName = name
        configuration.heartbeat = 2
        configuration.recovery = .fast
        if index == 0 { first = configuration } else { second = configuration }
      }
      // An endpoint that refuses comes first: connecting tries them in turn.
      var refusing = first
      refusing.host = "127.0.0.1"
      refusing.port = 1
      let connection = try await AMQPConnection.connect(to: [refusing, first, second])
      #expect(connection.endpoint == first.endpoint)
      let log = ConnectionEventLog(connection)
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true).name
      let deliveries = Deliveries(try await channel.consume(queue: queue, noAck: true))
      let recovered = try await SilentNetwork.withLinkRestored {
        try await SilentNetwork.linkDown()
        return try await log.recovery(after: 0)
      }
      #expect(recovered.error.code == .heartbeatTimeout)
      // The next endpoint after the silent one is the main broker: the first attempt works.
      #expect(recovered.attempts == [1])
      #expect(recovered.recovery.endpoint == second.endpoint)
      #expect(connection.endpoint == second.endpoint)
      let renamed = try #require(recovered.recovery.renamedQueues[queue])
      try await channel.publish(ByteBuffer(string: "moved"), routingKey: renamed)
      #expect(
        String(buffer: try await deliveries.next("a delivery after recovery").body) == "moved")
      deliveries.stop()
      try await connection.close()
    }
  }
}
