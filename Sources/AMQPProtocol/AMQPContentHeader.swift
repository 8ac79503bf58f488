import NIOCore

/// The payload of a content header frame: which class the content belongs to, the total
/// body size that the following body frames add up to, and the message properties.
public struct AMQPContentHeader: Sendable, Hashable {
  /// The class of the method the content belongs to (60 for `basic`).
  public var classID: UInt16
  /// The total size of the body, summed over all body frames.
  public var bodySize: UInt64
  /// The message properties.
  public var properties: AMQPBasicProperties

  public init(classID: UInt16 = 60, bodySize: UInt64, properties: AMQPBasicProperties) {
    self.classID = classID
    self.bodySize = bodySize
    self.properties = properties
  }

  /// Decodes a content header payload.
  public init(from buffer: inout ByteBuffer) throws(AMQPProtocolError) {
    self = try buffer.readAMQP { (reader) throws(AMQPProtocolError) in try Self(from: &reader) }
  }

  package init(from reader: inout AMQPReader) throws(AMQPProtocolError) {
    classID = try reader.readAMQPShort()
    guard classID == 60 else {
      throw AMQPProtocolError(
        code: .invalidContentHeader, message: "content header for class \(classID), expected 60")
    }
    _ = try reader.readAMQPShort()  // weight, always 0
    bodySize = try reader.readAMQPLongLong()
    properties = try AMQPBasicProperties(from: &reader)
  }

  /// The encoded size of the payload, in bytes.
  public var encodedSize: Int { 12 + properties.encodedSize }

  /// Encodes the content header payload.
  public func encode(into buffer: inout ByteBuffer) {
    buffer.writeAMQP(size: encodedSize) { encode(into: &$0) }
  }

  package func encode(into writer: inout AMQPWriter) {
    writer.writeInteger(classID)
    writer.writeInteger(UInt16(0))  // weight
    writer.writeInteger(bodySize)
    properties.encode(into: &writer)
  }
}
