/// The open channels of a connection, by id. Ids are small and dense (the allocator reuses
/// the lowest free one), so the table is an array indexed by id: a lookup does not hash, and
/// ``update(_:_:)`` and ``read(_:_:)`` reach a slot in place, without copying it. (They take
/// closures rather than being `_modify`/`_read` accessors: nested accessor coroutines
/// allocate their frames on the heap, several times per frame received.)
struct ChannelTable<Slot> {
  private var slots: [Slot?] = []

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
      }
      slots[index] = newValue
    }
  }

  /// Runs `body` on channel `id`'s slot in place; `nil` when the channel is not open.
  mutating func update<Result, Failure>(
    _ id: UInt16, _ body: (inout Slot) throws(Failure) -> Result
  ) throws(Failure) -> Result? {
    let index = Int(id)
    guard index < slots.count, slots[index] != nil else { return nil }
    return try body(&slots[index]!)  // just checked: not nil
  }

  /// Runs `body` on channel `id`'s slot without copying it; `nil` when it is not open.
  func read<Result, Failure>(_ id: UInt16, _ body: (Slot) throws(Failure) -> Result)
    throws(Failure) -> Result?
  {
    let index = Int(id)
    guard index < slots.count else { return nil }
    return try slots[index].map(body)
  }

  /// Removes channel `id` and returns its slot, if it was open.
  mutating func removeValue(forKey id: UInt16) -> Slot? {
    let index = Int(id)
    guard index < slots.count else { return nil }
    defer { slots[index] = nil }
    return slots[index]
  }

  /// The open channel ids, ascending.
  var ids: [UInt16] {
    slots.indices.filter { slots[$0] != nil }.map { UInt16($0) }
  }

  /// The open channels' slots.
  var values: [Slot] { slots.compactMap { $0 } }
}
