import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPRPC

/// Every header the project reads accepts every field type and the extremes of each.
@Suite struct HeaderValuesTests {
  let times: [Int64] = [.min, -1, 0, 1_700_000_000_000_000, .max]

  @Test func theTimingSplitNeverTrapsOnAnyPairOfTimestampValues() {
    for received in FieldValueExtremes.all {
      for replied in FieldValueExtremes.all {
        let headers: AMQPFieldTable = [
          RPCWire.receivedHeader: received, RPCWire.repliedHeader: replied,
        ]
        for sent in times {
          for arrived in times {
            _ = RPCClient.timing(headers, sent: sent, received: arrived)
          }
        }
      }
    }
  }

  @Test func integersAndTimestampsAreMicrosecondsAndTheRestIsIgnored() {
    #expect(RPCHeaderValues.microseconds(.int64(.min)) == .min)
    #expect(RPCHeaderValues.microseconds(.uint32(.max)) == Int64(UInt32.max))
    #expect(RPCHeaderValues.microseconds(.timestamp(2)) == 2_000_000)
    #expect(RPCHeaderValues.microseconds(.timestamp(.max)) == .max)
    #expect(RPCHeaderValues.microseconds(.double(12.9)) == 12)
    // Far below the range is long past, far above is never: clamped, not ignored.
    #expect(RPCHeaderValues.microseconds(.double(-1e19)) == .min)
    #expect(RPCHeaderValues.microseconds(.float(-.infinity)) == .min)
    #expect(RPCHeaderValues.microseconds(.double(9.3e18)) == .max)
    #expect(RPCHeaderValues.microseconds(.double(.infinity)) == .max)
    for ignored: AMQPFieldValue in [
      .double(.nan), .float(.nan), .string("5"),
      .bytes([1]), .void, .bool(true), .array([.int64(1)]),
    ] {
      #expect(RPCHeaderValues.microseconds(ignored) == nil, "\(ignored)")
    }
  }

  @Test func aHugeSplitSaturatesInsteadOfTrapping() throws {
    let headers: AMQPFieldTable = [
      RPCWire.receivedHeader: .int64(.min), RPCWire.repliedHeader: .int64(.max),
    ]
    let timing = try #require(RPCClient.timing(headers, sent: .max, received: .min))
    // Differences of µs clamped to Int64; a Duration holds each exactly.
    #expect(timing.queueWait == .microseconds(Int64.min))
    #expect(timing.service == .microseconds(Int64.max))
    #expect(timing.returnTrip == .microseconds(Int64.min))
  }

  @Test func textHeadersTakeStringsAndByteArraysOnly() {
    #expect(RPCHeaderValues.text(.string("boom")) == "boom")
    #expect(RPCHeaderValues.text(.bytes(Array("w1".utf8))) == "w1")
    #expect(RPCHeaderValues.text(.bytes([0xff])) == "\u{FFFD}")
    for value in FieldValueExtremes.all {
      switch value {
      case .string, .bytes: #expect(RPCHeaderValues.text(value) != nil)
      default: #expect(RPCHeaderValues.text(value) == nil, "\(value)")
      }
    }
  }
}
