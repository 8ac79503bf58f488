import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPRPC

/// What the client keeps of each call for the screens' detail panel: the request as
/// published, the reply as it came, when each happened; a discarded reply as it came.
@Suite struct CallRecordsTests {
  let t0 = NIODeadline.uptimeNanoseconds(10_000_000_000)
  let wall: Int64 = 1_764_504_184_000_000

  func request(_ id: String) -> RPCSentRequest {
    RPCSentRequest(
      properties: AMQPBasicProperties(
        contentType: "text/plain", headers: [RPCWire.deadlineHeader: .int64(wall + 1_000_000)],
        correlationID: id, replyTo: "amq.gen-abc", expiration: "1000"),
      body: ByteBuffer(string: "35"), routingKey: "rpc_queue", publishedAtMicroseconds: wall)
  }

  func entry(_ id: String) -> PendingCallTable<CallWaiter>.Entry {
    .init(
      id: id, n: 35, sentAt: t0, deadline: t0 + .seconds(1),
      waiter: CallWaiter(completion: .callback { _ in }, request: request(id)))
  }

  func message(_ id: String, redelivered: Bool = false) -> RPCReceivedMessage {
    RPCReceivedMessage(
      properties: AMQPBasicProperties(
        headers: [RPCWire.workerHeader: .string("host/w2")], correlationID: id),
      body: ByteBuffer(string: "9227465"), redelivered: redelivered,
      receivedAtMicroseconds: wall + 42_000)
  }

  func reply(_ id: String) -> Result<RPCReply, RPCError> {
    .success(
      RPCReply(
        correlationID: id, n: 35, value: "9227465", worker: "host/w2",
        roundTrip: .milliseconds(42), timing: nil))
  }

  @Test func anEndedCallCarriesItsRequestAsPublishedAndItsReply() {
    var state = RPCClientState()
    let registered = state.sending(entry("c-1"))
    #expect(registered)
    let now = t0 + .milliseconds(42)
    _ = state.replied(id: "c-1", issuedByUs: true, now: now, message: message("c-1")) {
      reply($0.id)
    }
    let ended = state.snapshot(now: now).recentlyEnded.last
    #expect(ended?.request == request("c-1"))
    #expect(ended?.request?.properties.replyTo == "amq.gen-abc")
    #expect(ended?.request?.properties.headers?[RPCWire.deadlineHeader] == .int64(wall + 1_000_000))
    #expect(ended?.request?.body == ByteBuffer(string: "35"))
    #expect(ended?.reply == message("c-1"))
    // The wall-clock start plus the monotonic time taken.
    #expect(ended?.endedAtMicroseconds == wall + 42_000)
  }

  @Test func aCallInFlightCarriesItsRequest() {
    var state = RPCClientState()
    let registered = state.sending(entry("c-1"))
    #expect(registered)
    let call = state.snapshot(now: t0).oldestInFlight.first
    #expect(call?.request?.properties.correlationID == "c-1")
    #expect(call?.request?.sendCount == 1)
  }

  @Test func aCallWithoutAReplyCarriesItsRequestAndNoReply() {
    var state = RPCClientState()
    let registered = state.sending(entry("c-1"))
    #expect(registered)
    _ = state.expire(now: t0 + .seconds(2))
    let ended = state.snapshot(now: t0 + .seconds(2)).recentlyEnded.last
    #expect(ended?.request?.properties.expiration == "1000")
    #expect(ended?.reply == nil)
    #expect(ended?.endedAtMicroseconds == wall + 2_000_000)
  }

  @Test func aDiscardedReplyCarriesItsPropertiesBodyAndRedelivered() {
    var state = RPCClientState()
    _ = state.replied(
      id: "foreign-1", issuedByUs: false, now: t0, message: message("foreign-1", redelivered: true)
    ) { reply($0.id) }
    let discarded = state.snapshot(now: t0).recentlyDiscarded.last
    #expect(discarded?.kind == .unknown)
    #expect(discarded?.message?.properties.headers?[RPCWire.workerHeader] == .string("host/w2"))
    #expect(discarded?.message?.body == ByteBuffer(string: "9227465"))
    #expect(discarded?.message?.redelivered == true)
    #expect(discarded?.message?.receivedAtMicroseconds == wall + 42_000)
  }

  @Test func publishingAHeldRequestRecordsItsReplyToAndCountsTheSend() {
    var state = RPCClientState(replyTo: "amq.gen-new")
    var held = entry("c-1")
    held.waiter.request.sendCount = 0
    held.waiter.request.properties.replyTo = nil
    let registered = state.sending(held)
    #expect(registered)
    #expect(state.publishing(id: "c-1") == "amq.gen-new")
    #expect(state.publishing(id: "c-1") == "amq.gen-new")
    let call = state.snapshot(now: t0).oldestInFlight.first
    #expect(call?.request?.properties.replyTo == "amq.gen-new")
    #expect(call?.request?.sendCount == 2)
    #expect(state.publishing(id: "gone") == nil)
  }

  @Test func aWorkerKeepsTheFirstHeldIdsInDeliveryOrderBounded() {
    var held = HeldDeliveries()
    for tag in 1...40 { held.hold(UInt64(tag), correlationID: "c-\(tag)", key: nil) }
    #expect(held.correlationIDs.count == HeldDeliveries.idLimit)
    #expect(held.correlationIDs.prefix(2) == ["c-1", "c-2"])
    _ = held.release(1)
    #expect(held.correlationIDs.first == "c-2")
    _ = held.releaseAll()
    #expect(held.correlationIDs.isEmpty)
  }
}
