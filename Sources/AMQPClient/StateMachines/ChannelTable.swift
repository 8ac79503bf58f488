/// The open channels of a connection, by id. Ids are small and dense (the allocator reuses
/// the lowest free one), so the table is an array indexed by id: a lookup does not hash, and
/// ``update(_:_:)`` reaches a slot in place, without copying it (a copy retains each of the
/// slot's references and releases them after), also where it only reads. (It takes a
/// closure rather than being a `_modify` accessor: nested accessor coroutines allocate their
/// frames on the heap, several times per frame received.)
struct ChannelTable<Slot> {
  private var slots: [Slot?] = []
  /// Whether each slot holds a channel: asking `slots[index] != nil` copies the slot (a
  /// retain of each of its references, and a release after) on every frame.
  private var isOpen: [Bool] = []

  /// A copy of channel `id`'s slot, if it is open; assigning `nil` removes it. Reading or
  /// assigning an id never grows the table beyond that id (ids come off the wire).
  subscript(id: UInt16) -> Slot? {
    get {
      let index = Int(id)
      return index < slots.count ? slots[index] : nil
    }
    set {
      let index = Int(id)
      if index >= slots.count {
        guard newValue != nil else { return }
        slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
        isOpen.append(contentsOf: repeatElement(false, count: index + 1 - isOpen.count))
      }
      isOpen[index] = newValue != nil
      slots[index] = newValue
    }
  }

  /// Runs `body` on channel `id`'s slot in place; `nil` when the channel is not open.
  mutating func update<Result, Failure>(
    _ id: UInt16, _ body: (inout Slot) throws(Failure) -> Result
  ) throws(Failure) -> Result? {
    let index = Int(id)
    guard index < slots.count, isOpen[index] else { return nil }
    return try body(&slots[index]!)  // just checked: not nil
  }

  /// Removes channel `id` and returns its slot, if it was open.
  mutating func removeValue(forKey id: UInt16) -> Slot? {
    let index = Int(id)
    guard index < slots.count else { return nil }
    defer {
      slots[index] = nil
      isOpen[index] = false
    }
    return slots[index]
  }

  /// The open channel ids, ascending.
  var ids: [UInt16] {
    isOpen.indices.filter { isOpen[$0] }.map { UInt16($0) }
  }

  /// The open channels' slots.
  var values: [Slot] { slots.compactMap { $0 } }
}
