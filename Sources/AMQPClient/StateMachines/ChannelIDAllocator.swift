/// Hands out channel ids from 1 to the negotiated maximum, reusing the lowest freed one.
struct ChannelIDAllocator {
  private var used: Set<UInt16> = []
  private var next: UInt16 = 1
  var highest: UInt16

  init(highest: UInt16) {
    self.highest = max(highest, 1)
  }

  mutating func allocate() -> UInt16? {
    guard used.count < Int(highest) else { return nil }
    var candidate = next
    while used.contains(candidate) {
      candidate = candidate >= highest ? 1 : candidate + 1
    }
    used.insert(candidate)
    next = candidate >= highest ? 1 : candidate + 1
    return candidate
  }

  /// The limit agreed on a new link; ids in use stay taken (the channels a recovery
  /// opens again keep their ids, even above a lower new limit).
  mutating func renegotiated(highest: UInt16) {
    self.highest = max(highest, 1)
    if next > self.highest { next = 1 }
  }

  /// Takes `id` if it is free and within the limit.
  mutating func take(_ id: UInt16) -> Bool {
    guard id >= 1, id <= highest, !used.contains(id) else { return false }
    used.insert(id)
    return true
  }

  mutating func release(_ id: UInt16) {
    if used.remove(id) != nil, id < next { next = id }
  }
}
