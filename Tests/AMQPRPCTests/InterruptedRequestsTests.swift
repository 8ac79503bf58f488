import AMQPProtocol
import Testing

@testable import AMQPRPC

/// ``InterruptedRequests``: a request that keeps coming back after interrupted handling is
/// rejected; a new one, or one that comes back less often, is handled.
@Suite struct InterruptedRequestsTests {
  static func request(_ correlationID: String?, messageID: String? = nil, replyTo: String = "q")
    -> AMQPBasicProperties
  {
    AMQPBasicProperties(correlationID: correlationID, replyTo: replyTo, messageID: messageID)
  }

  @Test func aRequestInterruptedUpToTheLimitIsRejectedWhenItComesBack() throws {
    var memory = InterruptedRequests(limit: 2)
    let poison = Self.request("c1")
    let key = try #require(InterruptedRequests.Key(poison))
    memory.interrupted(key)
    #expect(memory.rejection(redelivered: true, properties: poison) == nil)
    memory.interrupted(key)
    let reason = try #require(memory.rejection(redelivered: true, properties: poison))
    #expect(reason.contains("request c1 "), "\(reason)")
    #expect(reason.contains("2 times"), "\(reason)")
    // Not redelivered: a new request that happens to reuse the id.
    #expect(memory.rejection(redelivered: false, properties: poison) == nil)
  }

  @Test func theSameCorrelationIDFromAnotherCallerIsAnotherRequest() throws {
    var memory = InterruptedRequests(limit: 1)
    memory.interrupted(try #require(InterruptedRequests.Key(Self.request("1", replyTo: "a"))))
    #expect(memory.rejection(redelivered: true, properties: Self.request("1", replyTo: "a")) != nil)
    #expect(memory.rejection(redelivered: true, properties: Self.request("1", replyTo: "b")) == nil)
  }

  @Test func aSettledRequestIsForgotten() throws {
    var memory = InterruptedRequests(limit: 1)
    let key = try #require(InterruptedRequests.Key(Self.request("c1")))
    memory.interrupted(key)
    memory.settled(key)
    #expect(memory.interruptions(of: key) == 0)
  }

  @Test func theOldestIsForgottenBeyondTheCapacity() throws {
    var memory = InterruptedRequests(limit: 1, capacity: 2)
    let keys = try ["a", "b", "c"].map { try #require(InterruptedRequests.Key(Self.request($0))) }
    for key in keys { memory.interrupted(key) }
    #expect(keys.map { memory.interruptions(of: $0) } == [0, 1, 1])
  }

  @Test func aRequestWithoutAnyIdCannotBeTracked() {
    #expect(InterruptedRequests.Key(Self.request(nil)) == nil)
    #expect(InterruptedRequests.Key(Self.request(nil, messageID: "m")) != nil)
  }

  /// A quorum queue counts returns itself: another process's interruptions count too.
  @Test(arguments: [
    (AMQPFieldValue.int64(3), true), (.int64(2), false), (.int32(5), true), (.string("3"), false),
  ])
  func aQuorumQueuesDeliveryCountAtTheLimitIsRejected(_ count: AMQPFieldValue, rejected: Bool) {
    let memory = InterruptedRequests(limit: 3)
    var properties = Self.request("q1")
    properties.headers = ["x-delivery-count": count]
    let reason = memory.rejection(redelivered: true, properties: properties)
    #expect((reason != nil) == rejected, "\(count)")
    if let reason { #expect(reason.contains("x-delivery-count"), "\(reason)") }
  }
}
