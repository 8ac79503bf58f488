import AMQPProtocol
import Logging
import NIOCore

/// Recovery of a lost link: drop the socket, keep channels and consumers, reconnect with
/// backoff, then restore channels (open, qos, confirm mode), the recorded topology and the
/// consumers, in that order, as RabbitMQ's Java client does. The connection state machine
/// decides when (``ConnectionStateMachine/Action/disconnect(write:error:attempt:)`` and
/// ``ConnectionStateMachine/Action/reopened(serverProperties:_:)``); this performs it.
extension AMQPConnectionHandler {
  /// The link is lost and attempt `attempt` of this outage is to be made.
  func linkLost(write frames: [AMQPFrame], error: AMQPError, attempt: Int) {
    detachLink(write: frames)
    hub.updateLink { $0.isOpen = false }
    recoveryChannelID = nil  // its slot goes with the link
    suspendChannels(error)
    if attempt == 1 {
      disconnectedAt = eventLoop.now
      logger.warning("connection lost, recovering", metadata: ["reason": "\(error)"])
      notify(.disconnected(error))
    }
    if linkBlocked {
      // The block was the lost link's: a new link starts unblocked, and the broker will not
      // say so. Told after `disconnected`, so that what waited for it stays held by the
      // outage rather than being sent to a link that is gone.
      notify(.unblocked)
    }
    // Tried in turn: with several endpoints each attempt goes to the next one.
    endpointIndex = (endpointIndex + 1) % configurations.count
    let delay = connection.recovery.delay(beforeAttempt: attempt, random: .random(in: 0..<1))
    let endpoint = configurations[endpointIndex].endpoint
    notify(.reconnecting(attempt: attempt, delay: delay, endpoint: endpoint))
    reconnectTask?.cancel()
    reconnectTask = eventLoop.assumeIsolated().scheduleTask(in: delay.timeAmount) {
      self.reconnect()
    }
  }

  /// Starts a reconnection attempt to the current endpoint.
  private func reconnect() {
    reconnectTask = nil
    let configuration = configurations[endpointIndex]
    guard connection.reconnectAttemptStarted(configuration: configuration) else { return }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    connector(configuration, eventLoop) { channel in
      try channel.pipeline.syncOperations.addHandler(bound.value)
    }.whenFailure { error in
      let handler = bound.value
      handler.perform(
        handler.connection.connectFailed(AMQPConnection.connectError(error, configuration)))
    }
  }

  /// Fails what waited on the lost link and readies every channel to be opened again: its
  /// consumers, returns subscription, qos and confirm mode stay. A channel being opened or
  /// closed by the application is closed now.
  func suspendChannels(_ error: AMQPError) {
    for id in channels.ids {
      guard let slot = channels[id] else { continue }
      let isOpen: Bool
      if case .open = slot.machine.state { isOpen = true } else { isOpen = false }
      // Kept: open channels, and channels still waiting to be opened again (a recovery that
      // was under way). Closed now: the recovery channel, and channels the application was
      // opening or closing.
      guard !slot.isRecoveryChannel, isOpen || slot.recovering else {
        if let action = channels.update(id, { $0.machine.connectionClosed(error) }) {
          perform(action, channelID: id)
        }
        if channels[id] != nil {
          channels[id] = nil
          channelIDs.release(id)
        }
        continue
      }
      var failing: [ChannelWaiter] = []
      var confirmWaiters: [EventLoopPromise<Bool>] = []
      channels.update(id) { slot in
        failing = slot.machine.pending.map(\.waiter)
        if let waiter = slot.machine.content?.waiter { failing.append(waiter) }
        slot.machine = ChannelStateMachine(id: id)
        if slot.confirms != nil {
          confirmWaiters = slot.confirms?.removeAll() ?? []
          slot.confirms = ConfirmTracker()
        }
        slot.flowActive = true
        slot.recovering = true
        slot.deliveryTagOffset = slot.highestDeliveryTag
      }
      for waiter in failing { waiter.fail(error) }
      for waiter in confirmWaiters { waiter.fail(error) }
    }
    resumeReadsIfPaused()
  }

  // MARK: - Restoring

  /// After the handshake of a reconnection: channels, topology, consumers, then the event.
  func restore() {
    let generation = linkGeneration
    var steps: [RecoveryStep] = channels.ids.sorted().filter { channels[$0]?.recovering == true }
      .map { id in { self.reopenChannel(id) } }
    var renames: [String: String] = [:]
    steps += topologySteps(renames: { renames = $0 })
    steps.append { self.restoreConsumers() }
    run(steps[...], generation: generation) {
      self.closeRecoveryChannel()
      let attempts = self.connection.recoveryCompleted()
      let downtime = self.disconnectedAt.map { self.eventLoop.now - $0 } ?? .zero
      self.disconnectedAt = nil
      let recovery = AMQPRecovery(
        downtime: .nanoseconds(downtime.nanoseconds), attempts: attempts,
        endpoint: self.connection.configuration.endpoint, renamedQueues: renames)
      self.logger.info(
        "connection recovered",
        metadata: ["downtime": "\(recovery.downtime)", "attempts": "\(attempts)"])
      self.notify(.recovered(recovery))
    }
  }

  typealias RecoveryStep = () -> EventLoopFuture<Void>

  /// Runs the steps in order while the link lasts; a step fails only when the link is gone
  /// again (entity errors are reported and skipped inside the steps).
  private func run(
    _ steps: ArraySlice<RecoveryStep>, generation: Int, done: @escaping () -> Void
  ) {
    guard generation == linkGeneration, connection.isOpen else { return }
    guard let step = steps.first else { return done() }
    step().assumeIsolated().whenComplete { result in
      guard case .success = result else { return }
      self.run(steps.dropFirst(), generation: generation, done: done)
    }
  }

  /// Opens a channel again with its qos and confirm mode.
  private func reopenChannel(_ id: UInt16) -> EventLoopFuture<Void> {
    guard let slot = channels[id] else { return eventLoop.makeSucceededVoidFuture() }
    var methods: [AMQPMethod] = [.channelOpen(.init())]
    // Per-consumer qos first, then global, as an application would have set them.
    for global in [false, true] { if let qos = slot.qos[global] { methods.append(.basicQos(qos)) } }
    if slot.confirms != nil { methods.append(.confirmSelect(.init())) }
    var future = eventLoop.makeSucceededVoidFuture()
    for method in methods {
      future = future.assumeIsolated().flatMap {
        self.request(method, channelID: id, restoring: true).map { _ in }
      }.nonisolated()
    }
    return future.assumeIsolated().map {
      self.channels[id]?.recovering = false
    }.flatMapError { error in
      self.entityFailed("channel \(id)", error)
    }.nonisolated()
  }

  /// Declares the recorded exchanges, queues and bindings again on a channel of their own;
  /// server-named queues get new names, reported through `renames` and applied to the
  /// recorded bindings and consumers.
  private func topologySteps(renames report: @escaping ([String: String]) -> Void)
    -> [RecoveryStep]
  {
    let recorded = topology
    var steps: [RecoveryStep] = []
    for (name, declare) in recorded.exchanges.sorted(by: { $0.key < $1.key }) {
      steps.append { self.restoreEntity("exchange \(name)", .exchangeDeclare(declare)) }
    }
    var renames: [String: String] = [:]
    for (name, declare) in recorded.queues.sorted(by: { $0.key < $1.key }) {
      var declare = declare
      if recorded.serverNamedQueues.contains(name) { declare.queue = "" }
      steps.append {
        self.restoreEntity("queue \(name)", .queueDeclare(declare)) { reply in
          if case .queueDeclareOk(let ok) = reply, ok.queue != name { renames[name] = ok.queue }
        }
      }
    }
    steps.append {
      self.topology.renameQueues(renames)
      report(renames)
      return self.eventLoop.makeSucceededVoidFuture()
    }
    // Bindings are read after the renames are applied.
    steps.append {
      var bindings: [RecoveryStep] = []
      for bind in self.topology.exchangeBindings {
        bindings.append {
          self.restoreEntity(
            "binding \(bind.source) → \(bind.destination)", .exchangeBind(bind))
        }
      }
      for bind in self.topology.queueBindings {
        bindings.append {
          self.restoreEntity("binding \(bind.exchange) → \(bind.queue)", .queueBind(bind))
        }
      }
      let promise = self.eventLoop.makePromise(of: Void.self)
      self.run(bindings[...], generation: self.linkGeneration) { promise.succeed() }
      return promise.futureResult
    }
    return steps
  }

  /// Starts every recorded consumer again on its channel, under the same tag.
  private func restoreConsumers() -> EventLoopFuture<Void> {
    var steps: [RecoveryStep] = []
    for (tag, consumer) in topology.consumers.sorted(by: { $0.key < $1.key }) {
      steps.append {
        guard self.channels[consumer.channelID]?.consumers[tag] != nil else {
          return self.eventLoop.makeSucceededVoidFuture()  // ended meanwhile
        }
        return self.request(
          .basicConsume(consumer.consume), channelID: consumer.channelID, restoring: true
        ).map { _ in }.assumeIsolated().flatMapError { error in
          self.entityFailed("consumer \(tag) on queue \(consumer.consume.queue)", error)
        }.nonisolated()
      }
    }
    let promise = eventLoop.makePromise(of: Void.self)
    run(steps[...], generation: linkGeneration) { promise.succeed() }
    return promise.futureResult
  }

  /// Sends one declaration on the recovery channel (opening it when needed).
  private func restoreEntity(
    _ entity: String, _ method: AMQPMethod, reply: @escaping (AMQPMethod) -> Void = { _ in }
  ) -> EventLoopFuture<Void> {
    recoveryChannel().assumeIsolated().flatMap { id in
      self.request(method, channelID: id, restoring: true).assumeIsolated().map(reply)
        .nonisolated()
    }.flatMapError { error in
      self.entityFailed(entity, error)
    }.nonisolated()
  }

  /// While the link lasts, a failure concerns one entity (the broker refused it, or the
  /// application closed its channel meanwhile): it is reported and recovery goes on. Once
  /// the link is gone the failure stops this recovery; the next attempt starts another.
  private func entityFailed(_ entity: String, _ error: any Error) -> EventLoopFuture<Void> {
    guard connection.isOpen, context != nil else { return eventLoop.makeFailedFuture(error) }
    let error = error as? AMQPError ?? AMQPError(.channelClosed, "\(error)")
    logger.warning(
      "could not restore \(entity)", metadata: ["error": "\(error)"])
    notify(.recoveryFailed(entity: entity, error: error))
    return eventLoop.makeSucceededVoidFuture()
  }

  /// The channel topology is declared on, opened when first needed and again after the
  /// broker closed it over a refused declaration.
  private func recoveryChannel() -> EventLoopFuture<UInt16> {
    if let id = recoveryChannelID, let slot = channels[id], slot.isRecoveryChannel,
      slot.machine.isUsable
    {
      return eventLoop.makeSucceededFuture(id)
    }
    return openChannel().assumeIsolated().map { id in
      self.channels[id]?.isRecoveryChannel = true
      self.recoveryChannelID = id
      return id
    }.nonisolated()
  }

  private func closeRecoveryChannel() {
    guard let id = recoveryChannelID else { return }
    recoveryChannelID = nil
    closeChannel(id).whenComplete { _ in }
  }
}

extension AMQPMethod {
  /// An acknowledgement's delivery tag as the broker knows it on the current link, given the
  /// channel's recovery offset; `nil` for one that refers to a delivery from an earlier link
  /// (dropped: the broker requeued that message). Other methods are returned unchanged.
  func deliveryTagAfterRecovery(offset: UInt64) -> AMQPMethod? {
    func current(_ tag: UInt64, multiple: Bool) -> UInt64? {
      if tag == 0, multiple { return 0 }  // "everything outstanding"
      return tag > offset ? tag - offset : nil
    }
    switch self {
    case .basicAck(var ack):
      guard let tag = current(ack.deliveryTag, multiple: ack.multiple) else { return nil }
      ack.deliveryTag = tag
      return .basicAck(ack)
    case .basicNack(var nack):
      guard let tag = current(nack.deliveryTag, multiple: nack.multiple) else { return nil }
      nack.deliveryTag = tag
      return .basicNack(nack)
    case .basicReject(var reject):
      guard let tag = current(reject.deliveryTag, multiple: false) else { return nil }
      reject.deliveryTag = tag
      return .basicReject(reject)
    default:
      return self
    }
  }
}
