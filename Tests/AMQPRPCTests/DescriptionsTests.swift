import NIOCore
import Testing

@testable import AMQPRPC

@Suite struct DescriptionsTests {
  @Test func aServerErrorNamesItsKind() {
    let error = RPCError(
      code: .serverError, message: "no more widgets", serverErrorKind: "out-of-stock",
      correlationID: "c-1")
    #expect("\(error)" == "server error (out-of-stock): no more widgets")
    let timeout = RPCError(code: .timedOut, message: "no reply within 1 s", correlationID: "c-2")
    #expect("\(timeout)" == "timed out: no reply within 1 s")
  }

  @Test func statsDescribeTheirCountsNotTheirLists() {
    var state = RPCClientState(replyTo: "amq.gen-1")
    let now = NIODeadline.now()
    for index in 1...3 {
      _ = state.sending(
        PendingCallTable<CallWaiter>.Entry(
          id: "c-\(index)", n: nil, sentAt: now, deadline: now + .seconds(1),
          waiter: CallWaiter(completion: .callback { _ in }, sentWallMicroseconds: 0)))
    }
    _ = state.fail(id: "c-1", code: .timedOut, message: "late", now: now)
    let text = "\(state.snapshot(now: now))"
    #expect(text == "sent 3: ok 0, timed out 1, in flight 2; latency no calls")
  }

  @Test func aReplyShowsItsBodyAsTextCutAt64Bytes() {
    let reply = RPCReply(
      correlationID: "c-9", body: ByteBuffer(string: String(repeating: "x", count: 70)),
      worker: "host-1/w2", roundTrip: .milliseconds(2))
    #expect(
      "\(reply)"
        == "reply to c-9 from host-1/w2 after 0.002 seconds: \(String(repeating: "x", count: 64))…")
  }
}
