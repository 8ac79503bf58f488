import AMQPClient

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
  /// correlation ids removed.
  func removeOwnRequests(limit: Int = 1_000_000) async throws -> [String] {
    let channel = try await connection.openChannel()
    do {
      let removed = try await sweep(channel, limit: limit)
      try await channel.close()
      return removed
    } catch {
      try? await channel.close()  // closing returns whatever it still holds to the queue
      throw error
    }
  }

  private func sweep(_ channel: AMQPChannel, limit: Int) async throws -> [String] {
    var removed: [String] = []
    var lastKept: UInt64?
    var fetched = 0
    while fetched < limit, let message = try await channel.get(queue: queue) {
      fetched += 1
      if message.properties.replyTo == replyTo {
        try await channel.ack(deliveryTag: message.deliveryTag)
        removed.append(message.properties.correlationID ?? "")
      } else {
        lastKept = message.deliveryTag  // held, so that the next get does not return it
      }
    }
    if let lastKept {
      try await channel.nack(deliveryTag: lastKept, multiple: true, requeue: true)
    }
    return removed
  }
}
