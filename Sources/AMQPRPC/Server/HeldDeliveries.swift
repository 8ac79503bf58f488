import DequeModule

/// The deliveries a worker holds (delivered, not yet acknowledged or rejected): by delivery
/// tag, what identifies each across redeliveries (see ``InterruptedRequests``), and, in
/// delivery order, the correlation ids of the first ``idLimit`` for the screens (`w2 holds
/// 3f9a-4, 3f9a-5…`). Bounded whatever the prefetch: beyond the limit only the count grows.
struct HeldDeliveries: Sendable {
  /// How many correlation ids are kept at most.
  static let idLimit = 32

  /// What a lost link would interrupt, by delivery tag.
  var keys: [UInt64: InterruptedRequests.Key] = [:]
  /// The oldest held deliveries' tags and correlation ids, in delivery order.
  private(set) var ids: Deque<(tag: UInt64, correlationID: String)> = []

  /// A delivery is held from now on.
  mutating func hold(_ tag: UInt64, correlationID: String, key: InterruptedRequests.Key?) {
    if let key { keys[tag] = key }
    if ids.count < Self.idLimit { ids.append((tag, correlationID)) }
  }

  /// The delivery is no longer held; returns its key, if it had one.
  mutating func release(_ tag: UInt64) -> InterruptedRequests.Key? {
    if let index = ids.firstIndex(where: { $0.tag == tag }) { ids.remove(at: index) }
    return keys.removeValue(forKey: tag)
  }

  /// Nothing is held any more (the link went, or the drain requeued everything); returns the
  /// keys that were.
  mutating func releaseAll() -> [InterruptedRequests.Key] {
    defer {
      keys.removeAll()
      ids.removeAll()
    }
    return Array(keys.values)
  }

  /// The drain requeued everything: the ids go (the keys stay until their answers settle).
  mutating func forgetIDs() { ids.removeAll() }

  /// The correlation ids kept, oldest delivery first.
  var correlationIDs: [String] { ids.map(\.correlationID) }
}
