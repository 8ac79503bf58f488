import AMQPProtocol
import DequeModule

/// Requests whose handling a lost link interrupted, so that one that keeps coming back is
/// rejected instead of redelivered for ever: the defence for a request that takes the
/// workers' link down (or the process) by some way the reply path does not catch.
///
/// A request comes back after a lost link with `redelivered` set (AMQP 0-9-1 basic.deliver),
/// and, from a quorum queue, with `x-delivery-count` = how many times it was returned to the
/// queue (RabbitMQ's quorum queue guide). `redelivered` does not count, and a classic queue
/// gives nothing else, so this server also remembers, by request, how many times a lost link
/// took one it held: a bounded memory, the oldest forgotten first. Its limit is the same
/// idea as RabbitMQ's own `delivery-limit` for quorum queues and Spring AMQP's stateful
/// retry keyed by message id (`redelivered` tells it a message is not new); here the
/// request is rejected without requeue (dead-lettered, if the queue has a dead-letter
/// exchange), with a reason naming it. Pure: the worker feeds it.
struct InterruptedRequests: Sendable {
  /// What identifies a request across its redeliveries: its `reply_to` with its
  /// `message_id`, or else its `correlation_id` (as bytes: ids that are not UTF-8 count).
  struct Key: Hashable, Sendable {
    var replyTo: String?
    var messageID: String?
    var correlationID: [UInt8]?

    /// `nil` when the request carries neither id: it cannot be told from another.
    init?(_ properties: AMQPBasicProperties) {
      replyTo = properties.replyTo
      messageID = properties.messageID
      correlationID = messageID == nil ? properties.correlationIDBytes : nil
      guard messageID != nil || correlationID != nil else { return nil }
    }
  }

  /// Interruptions after which a request that comes back is rejected.
  let limit: Int
  /// Requests remembered at most; the oldest is forgotten first.
  let capacity: Int
  private var counts: [Key: Int] = [:]
  private var order: Deque<Key> = []

  init(limit: Int, capacity: Int = 1_000) {
    self.limit = max(1, limit)
    self.capacity = max(1, capacity)
  }

  /// How many times a lost link took this request from a worker.
  func interruptions(of key: Key) -> Int { counts[key] ?? 0 }

  /// A lost link took the request from the worker that held it.
  mutating func interrupted(_ key: Key) {
    if let count = counts[key] {
      counts[key] = count + 1
      return
    }
    if order.count >= capacity, let oldest = order.popFirst() { counts[oldest] = nil }
    counts[key] = 1
    order.append(key)
  }

  /// The request was settled (acknowledged or rejected): nothing more to remember.
  mutating func settled(_ key: Key) {
    guard counts.removeValue(forKey: key) != nil else { return }
    order.removeAll { $0 == key }
  }

  /// Why a delivery must be rejected without requeue rather than handled once more, or
  /// `nil`: it came back (`redelivered`) after `limit` interruptions this server saw, or a
  /// quorum queue says it was returned `limit` times or more (`x-delivery-count`).
  func rejection(redelivered: Bool, properties: AMQPBasicProperties) -> String? {
    guard redelivered else { return nil }
    let id = Self.describe(properties)
    if let key = Key(properties), interruptions(of: key) >= limit {
      return "request \(id) rejected without requeue: its handling was interrupted by a lost "
        + "link \(interruptions(of: key)) times"
    }
    if let count = properties.headers?["x-delivery-count"]?.intValue, count >= Int64(limit) {
      return "request \(id) rejected without requeue: returned to the queue \(count) times "
        + "(x-delivery-count)"
    }
    return nil
  }

  /// The request's id for a log line: its correlation id (peer text, escaped when printed),
  /// else its message id, else `-`.
  static func describe(_ properties: AMQPBasicProperties) -> String {
    let id = properties.correlationID ?? properties.messageID ?? ""
    return id.isEmpty ? "-" : id
  }
}
