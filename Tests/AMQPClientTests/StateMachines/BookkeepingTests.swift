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
}
