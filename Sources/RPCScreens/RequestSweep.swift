import AMQPClient
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

  /// Fetches every ready request (`basic.get`, at most `limit`), acknowledges — removes —
  /// the client's own and keeps the others unacknowledged until the end, then returns them
  /// to the queue in one `basic.nack` (they count one more delivery). Returns the
  /// correlation ids removed; `removed` gets them as they go, in batches of
  /// ``batchSize`` whose acknowledgements the broker has taken (thousands of requests take
  /// seconds: one `basic.get` round trip each).
  func removeOwnRequests(
    limit: Int = 1_000_000, removed: @Sendable ([String]) -> Void = { _ in }
  ) async throws -> [String] {
    let channel = try await connection.openChannel()
    do {
      let all = try await sweep(channel, limit: limit, removed: removed)
      try await channel.close()
      return all
    } catch {
      try? await channel.close()  // closing returns whatever it still holds to the queue
      throw error
    }
  }

  /// Requests acknowledged between two reports.
  static let batchSize = 200

  private func sweep(
    _ channel: AMQPChannel, limit: Int, removed report: @Sendable ([String]) -> Void
  ) async throws -> [String] {
    var removed: [String] = []
    var batch: [String] = []
    var acks: [EventLoopFuture<Void>] = []
    var lastKept: UInt64?
    var fetched = 0
    // Acknowledgements go out without waiting (they are pipelined behind the gets) and are
    // awaited once per batch, before the batch is reported as removed.
    func flush() async throws {
      guard !batch.isEmpty else { return }
      try await EventLoopFuture.andAllSucceed(acks, on: connection.eventLoop).get()
      report(batch)
      removed += batch
      batch.removeAll()
      acks.removeAll()
    }
    while fetched < limit, let message = try await channel.get(queue: queue) {
      fetched += 1
      if message.properties.replyTo == replyTo {
        acks.append(channel.ackWithFuture(deliveryTag: message.deliveryTag))
        batch.append(message.properties.correlationID ?? "")
        if batch.count >= Self.batchSize { try await flush() }
      } else {
        lastKept = message.deliveryTag  // held, so that the next get does not return it
      }
    }
    try await flush()
    if let lastKept {
      try await channel.nack(deliveryTag: lastKept, multiple: true, requeue: true)
    }
    return removed
  }
}
