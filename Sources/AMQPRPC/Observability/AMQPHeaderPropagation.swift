import AMQPProtocol
import Instrumentation

/// Writes a tracer's propagation fields (W3C Trace Context's `traceparent` and `tracestate`,
/// or whatever the bootstrapped instrument uses) into a message's AMQP headers, as
/// strings (`S`).
package struct AMQPHeaderInjector: Injector {
  package init() {}

  package func inject(_ value: String, forKey key: String, into carrier: inout AMQPFieldTable) {
    carrier[key] = .string(value)
  }
}

/// Reads a tracer's propagation fields from a delivery's AMQP headers. The headers come from
/// any peer, so only a long string or a byte array of at most ``maximumValueBytes`` bytes
/// (valid UTF-8) is handed over; any other type or size reads as absent, never as a trap.
package struct AMQPHeaderExtractor: Extractor {
  /// The longest value handed to the tracer: W3C Trace Context's `tracestate` may hold 32
  /// members of at most 256 bytes each, and propagators themselves cap it at 512 bytes;
  /// 8 KiB leaves room for baggage-like fields without letting a peer feed a tracer
  /// megabytes.
  package static let maximumValueBytes = 8 * 1_024

  package init() {}

  package func extract(key: String, from carrier: AMQPFieldTable) -> String? {
    guard let value = carrier[key] else { return nil }
    switch value {
    case .string(let text):
      return text.utf8.count <= Self.maximumValueBytes ? text : nil
    case .bytes(let bytes):
      guard bytes.count <= Self.maximumValueBytes else { return nil }
      return String(validating: bytes, as: UTF8.self)
    default:
      return nil
    }
  }
}
