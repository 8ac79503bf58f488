import AMQPClient
import NIOConcurrencyHelpers
import NIOCore

/// Takes one client's unanswered requests out of the request queue, so that none outlives
/// the client and is answered later into a `reply_to` that no longer exists. Requests of
/// other clients are put back.
struct RequestSweep: Sendable {
  let connection: AMQPConnection
  /// The request queue.
  let queue: String
  /// The client's callback queue: requests naming it in `reply_to` are the client's.
  let replyTo: String

  /// Consumes the ready requests on a channel of its own with no prefetch limit (the broker
  /// streams them, thousands a second, where `basic.get` would take a round trip each),
  /// acknowledges — removes — the client's own as they come and keeps the others
  /// unacknowledged, then cancels the consumer and returns those to the queue in one
  /// `basic.nack` (they count one more delivery). It stops once it has seen as many requests
  /// as were ready at its start, when none has come for ``idleLimit`` (servers took the
  /// rest), or at `deadline`. Returns the correlation ids removed; `removed` gets them as
  /// they go, in batches whose acknowledgements the broker has taken.
  func removeOwnRequests(
    deadline: ContinuousClock.Instant = .now + .seconds(30),
    removed: @escaping @Sendable ([String]) -> Void = { _ in }
  ) async throws -> [String] {
    let channel = try await connection.openChannel()
    do {
      let all = try await sweep(channel, deadline: deadline, removed: removed)
      try await channel.close()
      return all
    } catch {
      try? await channel.close()  // closing returns whatever it still holds to the queue
      throw error
    }
  }

  /// How long the sweep waits for a next request before it takes the queue as swept.
  static let idleLimit = Duration.milliseconds(300)

  /// What the consumer has seen, shared with its callback on the event loop.
  private struct Progress: Sendable {
    var seen = 0
    var lastSeen = ContinuousClock.now
    /// Own requests acknowledged, not yet reported: (correlation id, the ack's future).
    var acked: [(id: String, ack: EventLoopFuture<Void>)] = []
    /// The newest delivery tag of another client's request (kept unacknowledged).
    var lastKept: UInt64?
  }

  private func sweep(
    _ channel: AMQPChannel, deadline: ContinuousClock.Instant,
    removed report: @escaping @Sendable ([String]) -> Void
  ) async throws -> [String] {
    let ready = try await channel.queueDeclare(queue, passive: true).messageCount
    guard ready > 0 else { return [] }
    try await channel.basicQos(prefetchCount: 0)
    let progress = NIOLockedValueBox(Progress())
    let replyTo = self.replyTo
    let tag = try await channel.consume(
      queue: queue,
      onDelivery: { message in
        let own = message.properties.replyTo == replyTo
        let ack = own ? channel.ackWithFuture(deliveryTag: message.deliveryTag) : nil
        progress.withLockedValue { progress in
          progress.seen += 1
          progress.lastSeen = .now
          if let ack {
            progress.acked.append((message.properties.correlationID ?? "", ack))
          } else {
            progress.lastKept = message.deliveryTag
          }
        }
      }, onEnd: { _ in })
    var all: [String] = []
    func flush() async throws {
      let batch = progress.withLockedValue { progress in
        defer { progress.acked.removeAll() }
        return progress.acked
      }
      guard !batch.isEmpty else { return }
      try await EventLoopFuture.andAllSucceed(batch.map(\.ack), on: connection.eventLoop).get()
      let ids = batch.map(\.id)
      report(ids)
      all += ids
    }
    while true {
      try await flush()
      let (seen, lastSeen) = progress.withLockedValue { ($0.seen, $0.lastSeen) }
      let now = ContinuousClock.now
      if seen >= Int(ready) || now - lastSeen >= Self.idleLimit || now >= deadline { break }
      // Checks the consumer's progress: bounded by the idle limit and the deadline.
      try await Task.sleep(for: .milliseconds(20))
    }
    try await channel.cancel(consumerTag: tag)
    try await flush()  // own requests delivered before the cancel took effect
    if let lastKept = progress.withLockedValue({ $0.lastKept }) {
      try await channel.nack(deliveryTag: lastKept, multiple: true, requeue: true)
    }
    return all
  }
}
