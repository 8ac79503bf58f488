#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Short-string properties that arrived with bytes that are not valid UTF-8, kept by their
/// property-flag bit so that they can be sent back exactly.
///
/// A short string is bytes on the wire (AMQP 0-9-1 §4.2.5.3), not necessarily UTF-8, and a
/// server must echo a request's `correlation-id` byte for byte. The `String` a property
/// shows holds the bytes decoded with U+FFFD for invalid sequences; the original bytes live
/// here until the property is set again. Empty, and allocation-free, for UTF-8 properties.
package struct AMQPNonUTF8ShortStrings: Sendable, Hashable {
  private var bytesByFlag: [UInt16: [UInt8]] = [:]

  package init() {}

  /// Whether every short-string property is valid UTF-8.
  package var isEmpty: Bool { bytesByFlag.isEmpty }

  /// The original bytes of the property with this flag bit, when they are not UTF-8.
  package subscript(flag flag: UInt16) -> [UInt8]? {
    get { bytesByFlag[flag] }
    set { bytesByFlag[flag] = newValue }
  }

  /// The encoded size of the property with this flag bit holding `value`.
  package func size(flag: UInt16, value: String) -> Int {
    guard let bytes = bytesByFlag[flag] else { return AMQPWriter.size(ofShortString: value) }
    return 1 + min(bytes.count, 255)
  }

  /// Writes the property with this flag bit holding `value`: its original bytes, if kept.
  package func write(flag: UInt16, value: String, into writer: inout AMQPWriter) {
    guard let bytes = bytesByFlag[flag] else { return writer.writeAMQPShortString(value) }
    // Only a caller's setter can store more than 255 bytes; publishing refuses those first.
    writer.writeInteger(UInt8(min(bytes.count, 255)))
    writer.writeBytes(bytes.prefix(255))
  }
}

extension AMQPReader {
  /// A short-string property: its text, with the original bytes kept in `nonUTF8` under
  /// `flag` when they are not valid UTF-8.
  package mutating func readAMQPShortString(
    flag: UInt16, nonUTF8: inout AMQPNonUTF8ShortStrings
  ) throws(AMQPProtocolError) -> String {
    let start = offset &+ 1  // after the length octet
    let value = try readAMQPShortString()
    let read = bytesRead(since: start)
    // Decoding repaired something exactly when the text's UTF-8 differs from the bytes read.
    let same =
      value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
        guard utf8.count == read.count else { return false }
        guard let text = utf8.baseAddress, let wire = read.baseAddress else { return true }
        return memcmp(text, wire, read.count) == 0
      } ?? value.utf8.elementsEqual(read)
    if !same { nonUTF8[flag: flag] = Array(read) }
    return value
  }
}
