/// The open channels of a connection, by id. Ids are small and dense (the allocator reuses
/// the lowest free one), so the table is an array indexed by id: a lookup neither hashes
/// nor copies, and `table[id]?.field.mutate()` changes the slot in place.
struct ChannelTable<Slot> {
  private var slots: [Slot?] = []

  /// The slot of channel `id`, if it is open. Assigning `nil` removes it; reading or
  /// modifying an id that is not there never grows the table (ids come off the wire).
  subscript(id: UInt16) -> Slot? {
    get {
      let index = Int(id)
      return index < slots.count ? slots[index] : nil
    }
    _modify {
      let index = Int(id)
      if index < slots.count {
        yield &slots[index]
      } else {
        var added: Slot? = nil
        yield &added
        if let added {
          slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
          slots[index] = added
        }
      }
    }
  }

  /// Whether channel `id` is open.
  func contains(_ id: UInt16) -> Bool {
    let index = Int(id)
    return index < slots.count && slots[index] != nil
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
