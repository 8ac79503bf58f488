import NIOCore
import Testing

@testable import AMQPRPC

@Suite struct ServerLogicTests {
  let parser = FibonacciRequestParser(maximumN: 45, maximumBodyBytes: 64)

  /// Parses through the ByteBuffer entry (its digits-only fast path) and checks that it
  /// agrees with the general one.
  func parse(_ text: String) -> Result<Int, FibonacciRequestParser.Refusal> {
    let result = parser.parse(ByteBuffer(string: text))
    #expect(result == parser.parse(Array(text.utf8)), "\(text)")
    return result
  }

  @Test func theDigitsFastPathKeepsTheBodyLimit() {
    let strict = FibonacciRequestParser(maximumN: 92, maximumBodyBytes: 2)
    #expect(strict.parse(ByteBuffer(string: "12")) == .success(12))
    // Three plain digits: over the 2-byte limit, refused like any other long body.
    guard case .failure(let refusal) = strict.parse(ByteBuffer(string: "012")) else {
      Issue.record("a 3-byte body passed a 2-byte limit")
      return
    }
    #expect(refusal.kind == .invalidInput && refusal.message.contains("exceeds 2"))
  }

  @Test(arguments: [0, -1, Int.min])
  func aBodyLimitBelowOneRefusesEveryBodyWithoutTrapping(limit: Int) {
    let parser = FibonacciRequestParser(maximumN: 92, maximumBodyBytes: limit)
    for body in ["", "7", "35"] {
      guard case .failure(let refusal) = parser.parse(ByteBuffer(string: body)) else {
        Issue.record("\"\(body)\" passed a body limit of \(limit)")
        continue
      }
      #expect(refusal.kind == .invalidInput)
    }
  }

  @Test func decimalTextWithWhitespaceParses() throws {
    #expect(try parse("35").get() == 35)
    #expect(try parse(" 7\n").get() == 7)
    #expect(try parse("+3").get() == 3)
    #expect(try parse("-0").get() == 0)
  }

  @Test(arguments: [
    ("", RPCServerErrorKind.invalidInput), ("abc", .invalidInput), ("3.5", .invalidInput),
    ("1e3", .invalidInput), ("-", .invalidInput), ("-3", .negative), ("46", .tooLarge),
    ("99999999999999999999", .tooLarge), ("٣", .invalidInput),
  ])
  func badInputIsRefusedWithItsKind(text: String, kind: RPCServerErrorKind) {
    guard case .failure(let refusal) = parse(text) else {
      Issue.record("\"\(text)\" should be refused")
      return
    }
    #expect(refusal.kind == kind)
    #expect(!refusal.message.isEmpty)
  }

  @Test func oversizedBodyIsRefusedBeforeParsing() {
    let body = [UInt8](repeating: UInt8(ascii: "1"), count: 65)
    guard case .failure(let refusal) = parser.parse(body) else {
      Issue.record("expected refusal")
      return
    }
    #expect(refusal.kind == .invalidInput)
    #expect(refusal.message.contains("65 bytes"))
  }

  @Test func recursiveAndIterativeAgree() {
    for n in 0...25 {
      #expect(fibonacci(n, mode: .recursive) == fibonacci(n, mode: .iterative))
    }
    #expect(fibonacci(10, mode: .recursive) == 55)
  }

  @Test func iterativeIsExactUpTo92() {
    #expect(fibonacci(92, mode: .iterative) == 7_540_113_804_746_346_429)
    #expect(FibonacciProcedure(maximumN: 500, work: .iterative).maximumN == 92)
  }

  @Test func utilisationCountsBusyTimeInTheWindowIncludingTheCurrentPeriod() {
    let t0 = NIODeadline.uptimeNanoseconds(100_000_000_000)
    var window = BusyWindow(window: .seconds(10))
    window.began(t0)
    window.ended(t0 + .seconds(2))
    window.began(t0 + .seconds(8))
    let now = t0 + .seconds(10)
    #expect(abs(window.utilisation(now: now) - 0.4) < 1e-9)
    // Later, the first period slides out of the window.
    #expect(abs(window.utilisation(now: t0 + .seconds(13)) - 0.5) < 1e-9)
  }

  @Test func rateIsEventsPerSecondOverTheWindow() {
    let t0 = NIODeadline.uptimeNanoseconds(100_000_000_000)
    var meter = RateMeter(window: .seconds(2))
    for index in 0..<10 { meter.record(t0 + .milliseconds(Int64(index) * 100)) }
    let recent = meter.rate(t0 + .seconds(1))
    let later = meter.rate(t0 + .seconds(10))
    #expect(recent == 5 && later == 0)
  }
}
