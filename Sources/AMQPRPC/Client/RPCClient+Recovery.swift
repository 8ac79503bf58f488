import AMQPClient
import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// How a client lives through a lost link, a blocked broker and a deleted callback queue:
/// no call is lost silently, each ends in exactly one outcome.
extension RPCClient {
  /// Starts the reply consumer on `queue`; replies are matched on the event loop as they
  /// arrive, with no task hop per reply.
  func consumeReplies(from queue: String) async throws {
    let tag = try await channel.consume(
      queue: queue, noAck: true,
      onDelivery: { [self] in handleReply($0) },
      onEnd: { [self] error in repliesEnded(error, queue: queue) })
    consumerTag.withLockedValue { $0 = tag }
  }

  private func repliesEnded(_ error: AMQPError?, queue: String) {
    guard let error else {
      failAll(.cancelled, "the reply consumer was cancelled")
      return
    }
    guard error.code == .consumerCancelled, !state.withLockedValue({ $0.closed }) else {
      failAll(.connectionLost, "replies stopped: \(error.message)")
      emit(.closed(reason: error.message))
      return
    }
    // The broker cancelled it: the callback queue was deleted. Replies to it are lost, so
    // calls in flight end (idempotent ones wait to be sent again), and a new queue comes.
    let (failed, resent) = callsInFlightLost(
      "the callback queue \(queue) was deleted", holdingFor: \.replacingCallbackQueue)
    configuration.logger.warning(
      "callback queue lost", metadata: ["queue": "\(queue)", "failed": "\(failed)"])
    emit(.callbackQueueLost(queue: queue, failed: failed, resent: resent))
    children.spawn { [self] in await replaceCallbackQueue(queue) }
  }

  /// Declares a new callback queue and consumes it, retrying (0.5 s doubling to 5 s) while
  /// the client is open.
  private func replaceCallbackQueue(_ old: String) async {
    var delay = Duration.milliseconds(500)
    while !state.withLockedValue({ $0.closed }) {
      do {
        let new: String
        if configuration.directReplyTo {
          new = RPCWire.directReplyTo
        } else {
          // Forget the old queue (recovery would declare it again); deleting a queue that
          // is gone succeeds.
          _ = try? await channel.queueDelete(old)
          new = try await channel.queueDeclare(exclusive: true, autoDelete: true).name
        }
        try await consumeReplies(from: new)
        let (released, events) = state.withLockedValue { state in
          state.replyTo = new
          state.replacingCallbackQueue = false
          return (state.releasable(), state.events)
        }
        publishOnLoop(released)
        events?.yield(.link(.callbackQueueReplaced(old: old, new: new, released: released.count)))
        configuration.logger.info("callback queue replaced", metadata: ["queue": "\(new)"])
        return
      } catch {
        configuration.logger.warning(
          "cannot replace the callback queue yet", metadata: ["error": "\(error)"])
        try? await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(5))
      }
    }
  }

  /// Follows the connection (called on its event loop, in order).
  func linkChanged(_ event: AMQPConnectionEvent) {
    switch event {
    case .disconnected(let error):
      let (failed, resent) = callsInFlightLost(
        error.message, holdingFor: \.reconnecting)
      configuration.logger.warning(
        "rpc client lost its link; calls in flight ended or held",
        metadata: ["reason": "\(error.message)", "failed": "\(failed)", "resent": "\(resent)"])
      emit(.lost(reason: error.message, failed: failed, resent: resent))
    case .reconnecting(let attempt, let delay, _):
      emit(.reconnecting(attempt: attempt, delay: delay))
    case .recovered(let recovery):
      let (replyTo, released) = state.withLockedValue { state in
        if let renamed = recovery.renamedQueues[state.replyTo] { state.replyTo = renamed }
        state.reconnecting = false
        state.lastRecoveredAt = .now()
        return (state.replyTo, state.releasable())
      }
      publishOnLoop(released)
      configuration.logger.info(
        "rpc client recovered",
        metadata: ["downtime": "\(recovery.downtime)", "replyTo": "\(replyTo)"])
      emit(.recovered(downtime: recovery.downtime, replyTo: replyTo, released: released.count))
    case .blocked(let reason):
      state.withLockedValue { $0.blockedReason = reason }
      emit(.blocked(reason: reason))
    case .unblocked:
      let released = state.withLockedValue { state in
        state.blockedReason = nil
        return state.releasable()
      }
      publishOnLoop(released)
      emit(.unblocked(released: released.count))
    case .recoveryFailed:
      break  // a lost reply consumer reaches repliesEnded
    }
  }

  /// Holds requests back (`reason` set) and ends the calls on the wire: idempotent ones are
  /// held to be sent again, the others fail as connection lost. Returns (failed, resent).
  private func callsInFlightLost(
    _ message: String, holdingFor reason: WritableKeyPath<RPCClientState, Bool>
  ) -> (Int, Int) {
    let now = NIODeadline.now()
    let (failed, resent, events) = state.withLockedValue { state in
      state[keyPath: reason] = true
      let waiting = Set(state.held.map(\.id))
      var failed: [(entry: PendingCallTable<CallWaiter>.Entry, error: RPCError)] = []
      var resent = 0
      for entry in Array(state.table.entries) where !waiting.contains(entry.id) {
        if let request = entry.waiter.resend(id: entry.id) {
          state.held.append(request)
          resent += 1
        } else if let ended = state.fail(
          id: entry.id, code: .connectionLost, message: message, now: now)
        {
          failed.append(ended)
        }
      }
      return (failed, resent, state.events)
    }
    for (entry, error) in failed {
      events?.yield(.completed(correlationID: entry.id, result: .failure(error)))
      entry.waiter.complete(.failure(error))
    }
    return (failed.count, resent)
  }

  /// A publish found the link down: the request waits for it.
  func hold(_ request: HeldRequest) {
    let released = state.withLockedValue { state in
      state.held.append(request)
      if !state.isHolding { state.reconnecting = true }  // the event is on its way
      return state.releasable()
    }
    publishOnLoop(released)
  }

  /// Publishes released requests that are still waiting for their reply, with the current
  /// callback queue, on the event loop.
  private func publishOnLoop(_ released: [HeldRequest]) {
    guard !released.isEmpty else { return }
    let eventLoop = connection.eventLoop
    guard eventLoop.inEventLoop else {
      eventLoop.execute { [self] in publishOnLoop(released) }
      return
    }
    for request in released {
      let replyTo = state.withLockedValue { $0.publishing(id: request.id) }
      guard let replyTo else { continue }  // timed out or cancelled meanwhile
      var properties = request.properties
      properties.replyTo = replyTo
      publish(request.body, to: request.routingKey, properties: properties, id: request.id)
    }
  }

  private func emit(_ event: RPCLinkEvent) {
    state.withLockedValue { $0.events }?.yield(.link(event))
  }
}
