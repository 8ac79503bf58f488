import Testing

@testable import AMQPClient

@Suite struct BookkeepingTests {
  @Test func multipleAckSettlesEveryTagUpToIt() {
    var tracker = ConfirmTracker<String>()
    for name in ["a", "b", "c", "d"] { _ = tracker.published(waiter: name) }
    #expect(tracker.settle(deliveryTag: 2, multiple: false) == ["b"])
    #expect(tracker.settle(deliveryTag: 3, multiple: true) == ["a", "c"])
    #expect(tracker.outstandingCount == 1)
    #expect(tracker.removeAll() == ["d"])
  }

  @Test func channelIDsAreReusedLowestFirstAndBounded() {
    var ids = ChannelIDAllocator(highest: 3)
    #expect([ids.allocate(), ids.allocate(), ids.allocate()] == [1, 2, 3])
    #expect(ids.allocate() == nil)
    ids.release(2)
    #expect(ids.allocate() == 2)
  }

  @Test func idsInUseSurviveRenegotiationOnANewLink() {
    // A reconnection agrees the limit again; the channels being recovered keep their ids,
    // so a channel opened by the recovery itself never takes one of them.
    var ids = ChannelIDAllocator(highest: 4)
    #expect([ids.allocate(), ids.allocate(), ids.allocate()] == [1, 2, 3])
    ids.release(2)
    ids.renegotiated(highest: 4)
    #expect([ids.allocate(), ids.allocate(), ids.allocate()] == [2, 4, nil])
  }

  @Test func channelTableModifiesInPlaceAndNeverGrowsOnLookups() {
    var table = ChannelTable<[Int]>()
    #expect(table[7] == nil)
    table[7]?.append(1)  // absent: nothing happens, nothing is added
    #expect(table.ids.isEmpty)
    #expect(table.update(7) { $0.append(1) } == nil)  // absent: not added either
    #expect(table.ids.isEmpty)
    table[3] = [1]
    table[3]?.append(2)
    #expect(
      table.update(3) { slot -> Int in
        slot.append(3)
        return slot.count
      } == 3)
    #expect(table.update(3) { $0.last } == 3)
    table[3]?.removeLast()
    table[1] = []
    #expect(table[3] == [1, 2])
    #expect(table.ids == [1, 3])
    #expect(table[3] != nil && table[2] == nil && table[65_535] == nil)
    #expect(table.removeValue(forKey: 3) == [1, 2])
    #expect(table.removeValue(forKey: 3) == nil)
    #expect(table.update(3) { $0.count } == nil)  // removed: closed to updates too
    #expect(table.values == [[]])
    table[1] = nil
    #expect(table.ids.isEmpty && table.update(1) { $0.count } == nil)
  }
}
