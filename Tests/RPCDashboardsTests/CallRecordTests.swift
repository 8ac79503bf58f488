import Foundation
import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards

/// The record format shared by the export and `rpc-client --record`: JSON that any parser
/// reads back whatever the peer sent, CSV per RFC 4180, every field bounded.
@Suite struct CallRecordTests {
  /// 2026-11-30T16:12:42.123456Z.
  let endedAt: Int64 = 1_796_055_162_123_456

  func reply(_ body: String, worker: String? = "vm-1/w2") -> Result<RPCReply, RPCError> {
    .success(
      RPCReply(
        correlationID: "c-1", n: 30, value: body, worker: worker,
        roundTrip: .microseconds(9_100),
        timing: RPCTiming(
          queueWait: .microseconds(100), service: .microseconds(8_700),
          returnTrip: .microseconds(300))))
  }

  func parsed(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func aReplyHasEveryFieldInOrder() throws {
    let record = CallRecord(
      correlationID: "c-1", n: 30, request: nil, result: reply("832040"),
      endedAtMicroseconds: endedAt)
    #expect(
      record.jsonLine
        == #"{"correlation_id":"c-1","n":30,"request":null,"outcome":"ok","result":"832040","#
        + #""error":null,"error_kind":null,"round_trip_us":9100,"queue_wait_us":100,"#
        + #""service_us":8700,"return_trip_us":300,"worker":"vm-1/w2","#
        + #""ended_at":"2026-11-30T16:12:42.123456Z"}"#)
    #expect(
      CallRecord.csvHeader
        == "correlation_id,n,request,outcome,result,error,error_kind,round_trip_us,"
        + "queue_wait_us,service_us,return_trip_us,worker,ended_at")
    #expect(
      record.csvRow == "c-1,30,,ok,832040,,,9100,100,8700,300,vm-1/w2,2026-11-30T16:12:42.123456Z")
  }

  @Test func aFailureHasItsOutcomeMessageAndKind() throws {
    let timedOut = CallRecord(
      correlationID: "c-2", n: nil, request: "abc",
      result: .failure(
        RPCError(code: .timedOut, message: "no reply within 1 s", correlationID: "c-2")),
      endedAtMicroseconds: endedAt)
    let fields = try parsed(timedOut.jsonLine)
    #expect(fields["outcome"] as? String == "timed out")
    #expect(fields["error"] as? String == "no reply within 1 s")
    #expect(fields["error_kind"] as? String == "timed out")
    #expect(fields["request"] as? String == "abc")
    #expect(fields["n"] is NSNull && fields["round_trip_us"] is NSNull)
    let serverError = CallRecord(
      correlationID: "c-3", n: 93, request: nil,
      result: .failure(
        RPCError(
          code: .serverError, message: "n = 93 is above 92", serverErrorKind: .tooLarge,
          correlationID: "c-3")), endedAtMicroseconds: endedAt)
    #expect(try parsed(serverError.jsonLine)["error_kind"] as? String == "too-large")
    #expect(serverError.outcome == .serverError)
    let noResponders = CallRecord(
      correlationID: "c-4", n: 1, request: nil,
      result: .failure(RPCError(code: .noResponders, message: "none", correlationID: "c-4")),
      endedAtMicroseconds: endedAt)
    #expect(noResponders.outcome == .unroutable)
    #expect(noResponders.errorKind == "no responders")
  }

  @Test func everyControlCharacterIsEscapedAndParsesBack() throws {
    let nasty =
      (0..<32).map { String(UnicodeScalar(UInt8($0))) }.joined()
      + "\u{7F}\"\\,\u{2028}\u{2029}é👩‍👩‍👧 e\u{301}"
    let record = CallRecord(
      correlationID: "id\"\n", n: nil, request: nasty, result: reply(nasty, worker: "w\r\n"),
      endedAtMicroseconds: endedAt)
    let line = record.jsonLine
    // Nothing below U+0020, no DEL, no line or paragraph separator in the line itself.
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    #expect(!line.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" })
    #expect(line.contains(#"\u0000"#) && line.contains(#"\n"#) && line.contains(#"\u001f"#))
    let fields = try parsed(line)
    #expect(fields["request"] as? String == nasty)
    #expect(fields["result"] as? String == nasty)
    #expect(fields["correlation_id"] as? String == "id\"\n")
    #expect(fields["worker"] as? String == "w\r\n")
  }

  @Test func csvQuotesWhatNeedsItAndDoublesQuotes() {
    #expect(CallRecord.csvField("plain") == "plain")
    #expect(CallRecord.csvField("a,b") == "\"a,b\"")
    #expect(CallRecord.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(CallRecord.csvField("two\nlines") == "\"two\nlines\"")
    #expect(CallRecord.csvField("cr\r\nlf") == "\"cr\r\nlf\"")
    let record = CallRecord(
      correlationID: "c,1", n: 1, request: nil, result: reply("x\"y"), endedAtMicroseconds: 0)
    #expect(record.csvRow.hasPrefix("\"c,1\",1,,ok,\"x\"\"y\",,,"))
    #expect(record.csvRow.hasSuffix(",1970-01-01T00:00:00.000000Z"))
  }

  @Test(arguments: ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
  func csvNeutralisesFormulas(text: String) {
    let field = CallRecord.csvField(text)
    #expect(field.hasPrefix("'") || field.hasPrefix("\"'"), "\(field)")
  }

  @Test func aHostileMegabyteIsCutWithAMarker() throws {
    let huge = String(repeating: "a", count: 1 << 20)
    let record = CallRecord(
      correlationID: huge, n: 1, request: huge, result: reply(huge), endedAtMicroseconds: endedAt)
    let line = record.jsonLine
    #expect(line.utf8.count < 4 * (CallRecord.fieldLimit + 100))
    let fields = try parsed(line)
    let result = try #require(fields["result"] as? String)
    #expect(result.hasPrefix(String(repeating: "a", count: CallRecord.fieldLimit)))
    #expect(result.hasSuffix("…[cut: 1048576 bytes]"))
    #expect(result.count == CallRecord.fieldLimit + "…[cut: 1048576 bytes]".count)
    #expect((fields["correlation_id"] as? String)?.hasSuffix("…[cut: 1048576 bytes]") == true)
    #expect(record.csvRow.utf8.count < 4 * (CallRecord.fieldLimit + 100))
    // Multi-byte text is cut on a scalar, never inside one.
    let emoji = String(repeating: "👩", count: CallRecord.fieldLimit + 5)
    let cut = CallRecord.cut(emoji)
    #expect(cut.hasPrefix(String(repeating: "👩", count: CallRecord.fieldLimit)))
    #expect(cut.hasSuffix("…[cut: \(emoji.utf8.count) bytes]"))
    // Exactly the limit is kept whole.
    let limit = String(repeating: "b", count: CallRecord.fieldLimit)
    #expect(CallRecord.cut(limit) == limit)
  }

  @Test func timesAreUTCWithMicroseconds() {
    #expect(CallRecord.iso8601(microseconds: 0) == "1970-01-01T00:00:00.000000Z")
    #expect(CallRecord.iso8601(microseconds: endedAt) == "2026-11-30T16:12:42.123456Z")
    // 2024-02-29 (a leap day) 23:59:59.999999.
    #expect(
      CallRecord.iso8601(microseconds: 1_709_251_199_999_999) == "2024-02-29T23:59:59.999999Z")
    #expect(CallRecord.iso8601(microseconds: -1) == "1969-12-31T23:59:59.999999Z")
    let now = CallRecord.nowMicroseconds()
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let parsed = formatter.date(from: CallRecord.iso8601(microseconds: now))
    #expect(parsed.map { abs($0.timeIntervalSince1970 - Double(now) / 1e6) < 0.01 } == true)
  }
}
