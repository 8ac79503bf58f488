import AMQPProtocol
import FuzzHarness
import NIOCore
import Testing

@testable import AMQPRPC

/// The fuzzers' harnesses on a few thousand seeded inputs, in the normal suite: hostile
/// deliveries and replies, built from every field type's extremes, never trap and always end
/// in an answer or a rejection (the harnesses check the invariants).
@Suite struct PoisonInputPropertyTests {
  static let headerNames = [
    RPCWire.deadlineHeader, RPCWire.receivedHeader, RPCWire.repliedHeader, RPCWire.errorHeader,
    RPCWire.errorKindHeader, RPCWire.workerHeader,
  ]

  /// A delivery of the harnesses' shape: `numbers` bytes the harness reads first, the
  /// properties as on the wire, the body.
  static func delivery(_ random: inout SplitMix64, numbers: Int) -> [UInt8] {
    var properties = AMQPBasicProperties()
    if Bool.random(using: &random) {
      // One of the reply harness's ids (waiting, timed out, or never sent).
      properties.correlationID = "c0ffee-\(Int.random(in: 0...9, using: &random))"
    } else if Bool.random(using: &random) {
      properties.correlationIDBytes = (0..<Int.random(in: 0...12, using: &random)).map { _ in
        Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : 0x61
      }
    }
    properties.replyTo = [nil, "", "amq.gen-reply", "c0ffee-0"].randomElement(using: &random)!
    if Bool.random(using: &random) {
      var headers: AMQPFieldTable = [:]
      for name in headerNames where Bool.random(using: &random) {
        headers[name] = FieldValueExtremes.all.randomElement(using: &random)
      }
      properties.headers = headers
    }
    let bodies = ["5", "92", "93", "-1", "", " 7\n", "abc", "99999999999999999999", "٣"]
    var body = Array(bodies.randomElement(using: &random)!.utf8)
    if Int.random(in: 0..<8, using: &random) == 0 {
      body = (0..<Int.random(in: 0...300, using: &random)).map { _ in
        UInt8.random(in: 0...255, using: &random)
      }
    }
    var header = ByteBuffer()
    AMQPContentHeader(bodySize: 0, properties: properties).encode(into: &header)
    let prefix = (0..<numbers).map { _ in UInt8.random(in: 0...255, using: &random) }
    return prefix + Array(header.readableBytesView.dropFirst(12)) + body
  }

  @Test func thousandsOfHostileRequestsAreEachAnsweredOrRejected() {
    var random = SplitMix64(seed: 11)
    var verdicts: [RequestPathHarness.Verdict: Int] = [:]
    for _ in 0..<4_000 {
      // The request harness reads n's bound, the body limit and the time received.
      var input = FuzzInput(Self.delivery(&random, numbers: 1 + 1 + 8))
      verdicts[RequestPathHarness.run(&input), default: 0] += 1
    }
    #expect(verdicts[.malformed] == nil)
    #expect(verdicts[.answered, default: 0] > 0 && verdicts[.rejected, default: 0] > 0)
    #expect(verdicts[.refused(.expired), default: 0] > 0)
    #expect(verdicts[.refused(.invalidInput), default: 0] > 0)
  }

  @Test func thousandsOfHostileRepliesAreMatchedOnlyByTheirOwnID() {
    var random = SplitMix64(seed: 12)
    var verdicts: [ReplyPathHarness.Verdict: Int] = [:]
    for _ in 0..<4_000 {
      // The reply harness reads two times and two ids' counters.
      var input = FuzzInput(Self.delivery(&random, numbers: 8 + 8 + 1 + 1))
      verdicts[ReplyPathHarness.run(&input), default: 0] += 1
    }
    #expect(verdicts[.malformed] == nil)
    for verdict in [ReplyPathHarness.Verdict.matched, .late, .unknown] {
      #expect(verdicts[verdict, default: 0] > 0, "no \(verdict) reply in 4,000")
    }
  }

  @Test func randomBytesNeverTrapEitherPath() {
    var random = SplitMix64(seed: 13)
    for _ in 0..<4_000 {
      let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in
        UInt8.random(in: 0...255, using: &random)
      }
      var request = FuzzInput(bytes)
      RequestPathHarness.run(&request)
      var reply = FuzzInput(bytes)
      ReplyPathHarness.run(&reply)
    }
  }
}
