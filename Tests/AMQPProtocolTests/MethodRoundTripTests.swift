import AMQPProtocol
import NIOCore
import Testing

@Suite struct MethodRoundTripTests {
  @Test func sampleCoversEveryMethodOfTheSpec() {
    // connection 10 + 4 RabbitMQ extensions, channel 6, exchange 8, queue 10, basic 18, tx 6, confirm 2.
    #expect(everyMethodSample.count == 64)
    #expect(Set(everyMethodSample.map(\.id)).count == everyMethodSample.count)
  }

  @Test(arguments: everyMethodSample)
  func everyMethodSurvivesEncodeAndDecode(method: AMQPMethod) throws {
    let frame = AMQPFrame.method(channel: 7, method)
    #expect(try decodeAll(frame.bytes) == [frame])
  }

  @Test(arguments: everyMethodSample)
  func everyTruncatedMethodPayloadIsRejectedWithItsIDs(method: AMQPMethod) throws {
    var payload = ByteBuffer()
    method.encode(into: &payload)
    guard payload.readableBytes > 4 else { return }  // nothing to truncate after the ids
    var truncated = payload.getSlice(at: 0, length: payload.readableBytes - 1) ?? ByteBuffer()
    let error = #expect(throws: AMQPProtocolError.self) {
      _ = try AMQPMethod.decode(from: &truncated)
    }
    #expect(error?.code == .truncatedPayload)
    #expect(error?.classID == method.classID)
    #expect(error?.methodID == method.methodID)
  }

  @Test func synchronousRequestsKnowTheirReplies() {
    let declare = AMQPMethod.queueDeclare(.init(queue: "q"))
    #expect(declare.isAnswered(by: .queueDeclareOk(.init(queue: "q"))))
    #expect(!declare.isAnswered(by: .queueBindOk(.init())))
    let get = AMQPMethod.basicGet(.init(queue: "q"))
    #expect(get.isAnswered(by: .basicGetEmpty(.init())))
    #expect(get.isAnswered(by: .basicGetOk(.init())))
    #expect(AMQPMethod.basicPublish(.init()).responseIDs.isEmpty)
  }

  @Test func propertiesWithEveryFieldSurviveEncodeAndDecode() throws {
    let properties = AMQPBasicProperties(
      contentType: "text/plain", contentEncoding: "utf-8",
      headers: ["x-worker": "w1", "n": .int64(35)], deliveryMode: 2, priority: 9,
      correlationID: "abc", replyTo: "amq.gen-1", expiration: "30000", messageID: "m1",
      timestamp: 1_700_000_000, type: "rpc", userID: "guest", appID: "app", clusterID: "c")
    let frame = AMQPFrame.header(channel: 1, AMQPContentHeader(bodySize: 9, properties: properties))
    #expect(try decodeAll(frame.bytes) == [frame])
  }
}
