import AMQPClient
import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Where a server's replies go out: a connection of their own, beside the workers', with one
/// channel in publisher-confirm mode. A request is acknowledged only once the broker has
/// confirmed its reply; a reply the broker refuses is found by ``ReplyJudge`` and its request
/// rejected without requeue.
///
/// Why a connection of its own: RabbitMQ refuses some replies by closing the *connection*
/// (541 INTERNAL_ERROR for a Direct Reply-to name it cannot resolve), which on a shared
/// connection takes every worker's channel, consumer and held requests with it — and, since
/// the ack behind the reply never arrives, the request comes back and does it again, for
/// ever. Here a refusal costs the reply link a reconnection; the workers keep consuming and
/// keep their deliveries, so the refused request is settled where it is held, without a
/// redelivery. Why confirms: replies published after the refused one on the same link are
/// discarded by the broker with it, and a fire-and-forget publish cannot tell them from the
/// delivered ones (acknowledging them would lose those calls; requeueing everything would
/// loop). The confirm is the broker's word that a reply was taken, as RabbitMQ's
/// publisher-confirm guide, amqp091-go's `NotifyPublish` and Spring AMQP's correlated
/// confirms treat it; the cost is one broker round trip between a reply and its ack.
///
/// Runs on the workers' event loop (the connection is opened there), so that a verdict
/// acknowledges its request without a hop. Replies wait, in order, while the link recovers.
final class ReplyPublisher: Sendable {
  /// What became of one reply.
  enum Verdict: Sendable {
    /// The broker confirmed it: acknowledge the request.
    case accepted
    /// The broker refused it: reject the request without requeue.
    case refused(AMQPError)
    /// The publisher closed before a verdict: leave the request unacknowledged (it goes back
    /// to the queue with the worker's channel).
    case dropped
  }

  /// One reply and what to do with its verdict (called on the event loop, once).
  struct Reply: Sendable {
    var body: ByteBuffer
    /// The request's `reply_to`.
    var routingKey: String
    var properties: AMQPBasicProperties
    var settle: @Sendable (Verdict) -> Void
  }

  /// The replies' own connection.
  let connection: AMQPConnection
  private let channel: AMQPChannel
  private let judge: NIOLoopBoundBox<ReplyJudge<Reply>>
  private let isClosed = NIOLockedValueBox(false)
  private let logger: Logger
  /// Repairs of the reply channel under way.
  private let children = ChildTasks()

  private init(connection: AMQPConnection, channel: AMQPChannel, logger: Logger) {
    self.connection = connection
    self.channel = channel
    self.judge = .makeBoxSendingValue(ReplyJudge(), eventLoop: connection.eventLoop)
    self.logger = logger
  }

  /// Opens the replies' connection beside `workers` (same endpoints and event loop; named
  /// `<name> replies`) and its confirm-mode channel. It always recovers, even when the
  /// workers' connection does not: a refused reply is not a lost link.
  static func open(beside workers: AMQPConnection, logger: Logger) async throws -> ReplyPublisher {
    let configurations = workers.configurations.map { configuration in
      var configuration = configuration
      configuration.connectionName = "\(configuration.connectionName ?? "rpc-server") replies"
      configuration.recovery.isEnabled = true
      return configuration
    }
    let connection = try await AMQPConnection.connect(
      to: configurations, eventLoopGroup: workers.eventLoop)
    do {
      let channel = try await connection.openChannel()
      try await channel.confirmSelect()
      let publisher = ReplyPublisher(connection: connection, channel: channel, logger: logger)
      connection.addEventListener { [weak publisher] event in publisher?.linkChanged(event) }
      return publisher
    } catch {
      try? await connection.close()
      throw error
    }
  }

  /// Publishes `reply` (now, or once the link is back and judged); its `settle` gets the
  /// verdict. Call on the event loop.
  func send(_ reply: Reply) {
    guard !isClosed.withLockedValue({ $0 }) else { return reply.settle(.dropped) }
    perform(judge.value.replyReady(reply))
  }

  /// Closes the connection; replies without a verdict are dropped (their requests stay
  /// unacknowledged).
  func close() async {
    isClosed.withLockedValue { $0 = true }
    let waiting = try? await connection.eventLoop.submit { [judge] in judge.value.drain() }.get()
    for reply in waiting ?? [] { reply.settle(.dropped) }
    try? await connection.close()
    await children.close()
  }

  private func perform(_ actions: [ReplyJudge<Reply>.Action]) {
    for action in actions {
      switch action {
      case .publish(let reply, let alone): publish(reply, alone: alone)
      case .accept(let reply): reply.settle(.accepted)
      case .refuse(let reply, let error):
        logger.warning(
          "reply refused by the broker",
          metadata: ["replyTo": "\(reply.routingKey)", "error": "\(error)"])
        reply.settle(.refused(error))
      }
    }
  }

  private func publish(_ reply: Reply, alone: Bool) {
    channel.publishConfirmedOnEventLoop(
      reply.body, routingKey: reply.routingKey, mandatory: false, properties: reply.properties
    ).whenComplete { [self] result in
      if isClosed.withLockedValue({ $0 }) { return reply.settle(.dropped) }
      switch result {
      case .success(true):
        perform(judge.value.replyConfirmed(reply, alone: alone))
      case .success(false):
        let error = AMQPError(.invalidArgument, "the broker could not take the reply (basic.nack)")
        perform(judge.value.replyNacked(reply, alone: alone, error: error))
      case .failure(let failure):
        let error =
          failure as? AMQPError ?? AMQPError(.connectionClosed, "reply not published: \(failure)")
        let wasUp = judge.value.isLinkUp
        perform(judge.value.replyFailed(reply, alone: alone, error: error))
        // A channel the broker closed stays closed: open it again at once. A lost link
        // comes back by itself and says so (`recovered`). Anything else is retried once a
        // second, never in a tight loop.
        if wasUp, error.code != .connectionClosedByServer, connection.isOpen {
          let channelClosed = error.code == .channelClosedByServer || error.code == .channelClosed
          children.spawn { [self] in await repair(after: channelClosed ? .zero : .seconds(1)) }
        }
      }
    }
  }

  /// The connection's events, on the event loop.
  private func linkChanged(_ event: AMQPConnectionEvent) {
    switch event {
    case .disconnected: judge.value.linkLost()
    case .recovered: children.spawn { [self] in await repair(after: .zero) }
    case .reconnecting, .recoveryFailed, .blocked, .unblocked: break
    }
  }

  /// After `pause`, makes sure the channel is open and in confirm mode (opening it again
  /// after the broker closed it), then lets the judge go on. Gives up while the link is
  /// down: its recovery calls this again.
  private func repair(after pause: Duration) async {
    if pause > .zero { try? await Task.sleep(for: pause) }
    var delay = Duration.milliseconds(50)
    var needsConfirmMode = false
    while !isClosed.withLockedValue({ $0 }), connection.isOpen {
      do {
        if await !channel.isOpen() {
          try await channel.reopen()
          needsConfirmMode = true
        }
        if needsConfirmMode {
          try await channel.confirmSelect()
          needsConfirmMode = false
        }
        connection.eventLoop.execute { [self] in perform(judge.value.linkRestored()) }
        return
      } catch {
        logger.debug("reply channel not open yet", metadata: ["error": "\(error)"])
        try? await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(2))
      }
    }
  }
}
