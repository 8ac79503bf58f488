import AMQPProtocol
import Testing

/// Short strings hold at most 255 bytes of UTF-8; longer ones are found before encoding.
@Suite struct ShortStringLimitTests {
  let limit = String(repeating: "k", count: 255)
  let over = String(repeating: "k", count: 256)

  @Test func routingKeyOf256BytesIsFoundWithItsFieldAndLength() {
    let publish = AMQPMethod.basicPublish(.init(exchange: "x", routingKey: over))
    #expect(
      publish.oversizedShortString
        == AMQPOversizedShortString(field: "routing-key of basic.publish", length: 256))
    #expect(AMQPMethod.basicPublish(.init(routingKey: limit)).oversizedShortString == nil)
  }

  @Test func lengthIsCountedInBytesNotCharacters() {
    let accents = String(repeating: "é", count: 128)  // 256 bytes, 128 characters
    let declare = AMQPMethod.queueDeclare(.init(queue: accents))
    #expect(declare.oversizedShortString?.length == 256)
    #expect(declare.oversizedShortString?.field == "queue of queue.declare")
  }

  @Test func headerKeyOf256BytesIsFoundAlsoInsideNestedTablesAndArrays() {
    let flat = AMQPBasicProperties(headers: [over: "v"])
    #expect(flat.oversizedShortString?.length == 256)
    #expect(flat.oversizedShortString?.field.hasSuffix("of headers") == true)
    let nested = AMQPBasicProperties(headers: ["outer": .array([.table([over: 1])])])
    #expect(nested.oversizedShortString?.field.hasSuffix("of headers → outer") == true)
    #expect(AMQPBasicProperties(headers: [limit: "v"]).oversizedShortString == nil)
    let arguments = AMQPMethod.queueDeclare(.init(queue: "q", arguments: [over: 1]))
    #expect(
      arguments.oversizedShortString?.field.hasSuffix("of arguments of queue.declare") == true)
  }

  @Test func shortStringPropertiesAreChecked() {
    #expect(
      AMQPBasicProperties(correlationID: over).oversizedShortString
        == AMQPOversizedShortString(field: "correlation-id", length: 256))
    #expect(AMQPBasicProperties(replyTo: over).oversizedShortString?.field == "reply-to")
    #expect(
      AMQPBasicProperties(correlationID: limit, replyTo: limit).oversizedShortString == nil)
  }

  @Test func consumerTagsAndMethodsWithoutStringsAreCovered() {
    #expect(AMQPMethod.basicCancel(.init(consumerTag: over)).oversizedShortString != nil)
    #expect(AMQPMethod.basicAck(.init(deliveryTag: 1)).oversizedShortString == nil)
  }
}
