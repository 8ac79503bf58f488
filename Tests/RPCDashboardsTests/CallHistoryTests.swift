import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards

#if canImport(Glibc)
  import Glibc
#endif

/// The history beyond a snapshot's 1,000 calls: each snapshot adds only the calls ended
/// since the previous one, what could not be kept is counted, the capacity holds.
@Suite struct CallHistoryTests {
  static func call(_ index: Int, body: String = "832040", worker: String = "vm-1/w1")
    -> RPCEndedCall
  {
    RPCEndedCall(
      correlationID: "c-\(index)", n: 30,
      result: .success(
        RPCReply(
          correlationID: "c-\(index)", n: 30, value: body, worker: worker,
          roundTrip: .microseconds(9_100),
          timing: RPCTiming(
            queueWait: .microseconds(100), service: .microseconds(8_700),
            returnTrip: .microseconds(300)))))
  }

  /// A snapshot after calls 1...`ended` ended, listing the newest 1,000 (as the client does).
  static func snapshot(ended: Int) -> RPCClientStats {
    let listed = max(1, ended - RPCClientStats.recentLimit + 1)...max(1, ended)
    return RPCClientStats(
      sent: ended, outcomes: ended == 0 ? [:] : [.ok: ended], discarded: [:], inFlight: 0,
      oldestInFlight: [], latency: .empty, completionsPerSecond: 0,
      recentlyEnded: .init(ended == 0 ? [] : listed.map { call($0) }))
  }

  @Test func eachSnapshotAddsOnlyTheCallsEndedSinceThePreviousOne() {
    var history = CallHistory()
    #expect(history.absorb(Self.snapshot(ended: 5), atMicroseconds: 1) == 0..<5)
    #expect(history.absorb(Self.snapshot(ended: 5), atMicroseconds: 2) == 5..<5)
    #expect(history.absorb(Self.snapshot(ended: 900), atMicroseconds: 3) == 5..<900)
    #expect(history.absorb(Self.snapshot(ended: 1_800), atMicroseconds: 4) == 900..<1_800)
    #expect(history.count == 1_800)
    #expect(history.calls.map(\.call.id) == (1...1_800).map { "c-\($0)" })
    #expect(history.notListed == 0 && history.evicted == 0 && history.lossText == nil)
    #expect(history[sequence: 899]?.endedAtMicroseconds == 3)
    #expect(history[sequence: 900]?.endedAtMicroseconds == 4)
  }

  @Test func moreThanAListEndedBetweenTwoSnapshotsIsCountedNotKept() {
    var history = CallHistory()
    history.absorb(Self.snapshot(ended: 10), atMicroseconds: 0)
    // 2,500 end before the next snapshot: it lists the newest 1,000.
    history.absorb(Self.snapshot(ended: 2_510), atMicroseconds: 0)
    #expect(history.count == 1_010)
    #expect(history.notListed == 1_500)
    #expect(history.calls.last?.call.id == "c-2510")
    #expect(Array(history.calls)[10].call.id == "c-1511")
    #expect(history.lossText == "1,500 not kept")
    #expect(history.lossDetail == "1,500 ended too fast to be listed")
  }

  @Test func theOldestGoOnceFullAndAreCounted() {
    var history = CallHistory(capacity: 2_500)
    for ended in stride(from: 500, through: 4_000, by: 500) {
      history.absorb(Self.snapshot(ended: ended), atMicroseconds: 0)
    }
    #expect(history.count == 2_500)
    #expect(history.evicted == 1_500)
    #expect(history.firstSequence == 1_500)
    #expect(history.calls.first?.call.id == "c-1501")
    #expect(history[sequence: 1_499] == nil)
    #expect(history[sequence: 1_500]?.call.id == "c-1501")
    #expect(history.lossDetail == "1,500 oldest dropped (history keeps 2,500)")
  }

  @Test func aCounterGoingBackStartsOver() {
    var history = CallHistory()
    history.absorb(Self.snapshot(ended: 40), atMicroseconds: 0)
    history.absorb(Self.snapshot(ended: 3), atMicroseconds: 0)
    #expect(history.calls.map(\.call.id) == ["c-1", "c-2", "c-3"])
  }

  @Test func aLongBodyIsKeptCutAndItsRecordSaysItsSize() throws {
    var history = CallHistory()
    let huge = String(repeating: "x", count: 1 << 20)
    history.absorb(
      RPCClientStats(
        sent: 1, outcomes: [.ok: 1], discarded: [:], inFlight: 0, oldestInFlight: [],
        latency: .empty, completionsPerSecond: 0, recentlyEnded: .init([Self.call(1, body: huge)])),
      atMicroseconds: 0)
    let kept = try #require(history.calls.first)
    guard case .success(let reply) = kept.call.result else { throw CancellationError() }
    #expect(reply.body.readableBytes == CallHistory.bodyLimit)
    #expect(reply.body.storageCapacity < 2 * CallHistory.bodyLimit)
    #expect(kept.bodyBytes == 1 << 20)
    #expect(kept.record.result?.hasSuffix("…[cut: 1048576 bytes]") == true)
  }

  /// A peer's reply may fill a frame with headers and a body: the history keeps the
  /// request and reply of a call for its detail panel only within bounds.
  @Test func aCallsRequestAndReplyAreKeptBounded() throws {
    var call = Self.call(1)
    let request = RPCSentRequest(
      properties: AMQPBasicProperties(correlationID: "c-1", replyTo: "amq.gen-x"),
      body: ByteBuffer(string: String(repeating: "r", count: 1 << 20)), routingKey: "rpc_queue",
      publishedAtMicroseconds: 1)
    call.request = request
    let headers: AMQPFieldTable = ["x-big": .string(String(repeating: "h", count: 100_000))]
    call.reply = RPCReceivedMessage(
      properties: AMQPBasicProperties(headers: headers, correlationID: "c-1"),
      body: ByteBuffer(string: "832040"), redelivered: false, receivedAtMicroseconds: 2)
    var small = Self.call(2)
    small.reply = RPCReceivedMessage(
      properties: AMQPBasicProperties(correlationID: "c-2"), body: ByteBuffer(string: "832040"),
      redelivered: true, receivedAtMicroseconds: 3)
    var history = CallHistory()
    history.absorb(
      RPCClientStats(
        sent: 2, outcomes: [.ok: 2], discarded: [:], inFlight: 0, oldestInFlight: [],
        latency: .empty, completionsPerSecond: 0, recentlyEnded: .init([call, small])),
      atMicroseconds: 0)
    let first = try #require(history.calls.first?.call)
    #expect(first.request?.body.readableBytes == CallHistory.bodyLimit)
    #expect(first.request?.properties.replyTo == "amq.gen-x")
    #expect(first.reply == nil, "100 KB of headers are not kept")
    let second = try #require(history.calls.last?.call)
    #expect(second.reply?.redelivered == true)
    #expect(second.reply?.body.readableBytes == 6)
  }

  /// What a full history costs: 100,000 typical fib calls, measured as the process's
  /// resident memory grows (the figure CallHistory's documentation gives).
  @Test func memoryOfAFullHistory() {
    func residentBytes() -> Int {
      // statm: total and resident sizes in pages.
      let descriptor = open("/proc/self/statm", O_RDONLY)
      guard descriptor >= 0 else { return 0 }
      defer { close(descriptor) }
      var bytes = [UInt8](repeating: 0, count: 256)
      let count = read(descriptor, &bytes, bytes.count)
      let statm = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
      let fields = statm.split(separator: " ").compactMap { Int($0) }
      return fields.count > 1 ? fields[1] * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
    let before = residentBytes()
    var history = CallHistory()
    let uuid = "5f0c8f2e-1b7a-4c61-9d0e-"
    for batch in 0..<100 {
      let calls = (0..<1_000).map { index in
        let id = uuid + String(batch * 1_000 + index)
        return RPCEndedCall(
          correlationID: id, n: 30,
          result: .success(
            RPCReply(
              correlationID: id, n: 30, value: "832040", worker: "vm-17118/w\(index % 8)",
              roundTrip: .microseconds(9_100),
              timing: RPCTiming(
                queueWait: .microseconds(100), service: .microseconds(8_700),
                returnTrip: .microseconds(300)))))
      }
      history.absorb(
        RPCClientStats(
          sent: (batch + 1) * 1_000, outcomes: [.ok: (batch + 1) * 1_000], discarded: [:],
          inFlight: 0, oldestInFlight: [], latency: .empty, completionsPerSecond: 0,
          recentlyEnded: .init(calls)), atMicroseconds: 0)
    }
    let grown = residentBytes() - before
    #expect(history.count == CallHistory.defaultCapacity)
    print("CallHistory: \(history.count) calls, resident memory grew \(grown / 1_000_000) MB")
    // The documented figure: about 1 KB a call.
    #expect(grown < 200_000_000)
  }

  /// A filter over a full history, as each key typed after `/` applies it: timed, for the
  /// figure in the report (debug builds are several times slower than release).
  @Test func filteringAFullHistory() throws {
    var lists = CallLists()
    for batch in 1...100 {
      _ = lists.absorb(
        CallHistoryTests.snapshot(ended: batch * 1_000), atMicroseconds: 0)
    }
    let clock = ContinuousClock()
    let filter = try CallFilter.parse("w:w1 n:30").get()
    let elapsed = clock.measure { lists.apply(filter) }
    print("CallLists: filter over \(lists.history.count) calls took \(elapsed)")
    #expect(lists.shownCount == 100_000)
    let word = try CallFilter.parse("c-9").get()
    print("CallLists: word filter took \(clock.measure { lists.apply(word) })")
  }
}
