import DequeModule

/// Publisher-confirm bookkeeping for one channel in confirm mode: publish sequence numbers
/// and the waiters for their acks/nacks. Tags grow by one per publish, so the outstanding
/// ones stay sorted and a `multiple` ack settles a prefix.
struct ConfirmTracker<Waiter> {
  private(set) var nextDeliveryTag: UInt64 = 1
  private var outstanding: Deque<(tag: UInt64, waiter: Waiter?)> = []

  /// The number of publishes not yet confirmed.
  var outstandingCount: Int { outstanding.count }

  /// Assigns the next delivery tag to a publish.
  mutating func published(waiter: Waiter?) -> UInt64 {
    let tag = nextDeliveryTag
    nextDeliveryTag += 1
    outstanding.append((tag, waiter))
    return tag
  }

  /// Settles the tags an ack or nack covers and returns their waiters.
  mutating func settle(deliveryTag: UInt64, multiple: Bool) -> [Waiter] {
    var settled: [Waiter] = []
    if multiple {
      while let first = outstanding.first, first.tag <= deliveryTag {
        outstanding.removeFirst()
        if let waiter = first.waiter { settled.append(waiter) }
      }
    } else if let index = outstanding.firstIndex(where: { $0.tag == deliveryTag }) {
      if let waiter = outstanding.remove(at: index).waiter { settled.append(waiter) }
    }
    return settled
  }

  /// Removes every outstanding waiter (the channel closed).
  mutating func removeAll() -> [Waiter] {
    defer { outstanding.removeAll() }
    return outstanding.compactMap(\.waiter)
  }
}
