import NIOCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// How `Codable` requests and replies become bodies and back, with the `content_type` they
/// travel under. ``JSONRPCCoder`` is the default; bring your own for another format.
public protocol RPCCoder: Sendable {
  /// The MIME type set as `content_type` (`application/json`).
  var contentType: String { get }
  /// `value` as a message body.
  func encode<Value: Encodable>(_ value: Value) throws -> ByteBuffer
  /// A value of `type` from a message body.
  func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer) throws -> Value
}

/// JSON through Foundation's `JSONEncoder` and `JSONDecoder` (`application/json`).
public struct JSONRPCCoder: RPCCoder {
  public var contentType: String { "application/json" }

  public init() {}

  public func encode<Value: Encodable>(_ value: Value) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONEncoder().encode(value))
  }

  public func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer) throws -> Value {
    try JSONDecoder().decode(type, from: Data(body.readableBytesView))
  }
}
