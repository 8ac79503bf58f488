import NIOCore
import Testing

@testable import AMQPRPC

/// The client's counters and its lists of ended calls and discarded replies move in one
/// step, so every snapshot's lists agree with its counts; a timeout states what was asked.
@Suite struct RPCClientStateTests {
  let t0 = NIODeadline.uptimeNanoseconds(10_000_000_000)

  func entry(_ id: String, timeout: TimeAmount = .seconds(1))
    -> PendingCallTable<CallWaiter>
    .Entry
  {
    .init(
      id: id, n: 7, sentAt: t0, deadline: t0 + timeout,
      waiter: CallWaiter(completion: .callback { _ in }, sentWallMicroseconds: 0))
  }

  func reply(_ id: String) -> Result<RPCReply, RPCError> {
    .success(
      RPCReply(
        correlationID: id, n: 7, value: "13", worker: nil, roundTrip: .milliseconds(2),
        timing: nil))
  }

  @Test func aTimeoutStatesTheTimeoutAskedNotTheTimeWaited() {
    var state = RPCClientState()
    let registered = state.sending(entry("late-1", timeout: .milliseconds(1)))
    #expect(registered)
    // The timer fires 16 ms after the request was sent, 15 ms after its deadline.
    let expired = state.expire(now: t0 + .milliseconds(16))
    #expect(expired.map(\.error.message) == ["no reply within 1 ms"])
    #expect(expired.map(\.error.code) == [.timedOut])
    let snapshot = state.snapshot(now: t0 + .milliseconds(16))
    #expect(snapshot.count(.timedOut) == 1)
    #expect(snapshot.recentlyEnded.map(\.correlationID) == ["late-1"])
  }

  @Test func everyEndIsCountedAndListedInTheSameStep() {
    var state = RPCClientState()
    for index in 1...6 { _ = state.sending(entry("c-\(index)")) }
    #expect(state.table.count == 6)
    let now = t0 + .milliseconds(5)
    _ = state.replied(id: "c-1", issuedByUs: true, now: now) { reply($0.id) }
    _ = state.fail(id: "c-2", code: .unroutable, message: "no queue", now: now)
    _ = state.replied(id: "c-1", issuedByUs: true, now: now) { reply($0.id) }  // duplicate
    _ = state.replied(id: "foreign-1", issuedByUs: false, now: now) { reply($0.id) }
    _ = state.fail(id: "c-3", code: .cancelled, message: "cancelled", now: now)
    _ = state.replied(id: "c-3", issuedByUs: true, now: now) { reply($0.id) }  // late
    let snapshot = state.snapshot(now: now)
    #expect(snapshot.sent == 6)
    #expect(snapshot.inFlight == 3)
    #expect(snapshot.ended == 3)
    #expect(snapshot.unaccounted == 0)
    #expect(snapshot.recentlyEnded.map(\.correlationID) == ["c-1", "c-2", "c-3"])
    #expect(snapshot.recentlyDiscarded.map(\.kind) == [.duplicate, .unknown, .late])
    #expect(snapshot.recentlyDiscarded.map(\.correlationID) == ["c-1", "foreign-1", "c-3"])
    #expect(snapshot.discardedTotal == 3)
    let lost = state.failAll(.connectionLost, message: "link lost", now: now)
    #expect(lost.count == 3)
    let after = state.snapshot(now: now)
    #expect(after.inFlight == 0)
    #expect(after.count(.connectionLost) == 3)
    #expect(after.recentlyEnded.count == 6)
    #expect(after.unaccounted == 0)
  }

  @Test func theListsKeepTheNewestUpToTheLimitWhileTheCountsKeepEverything() {
    var state = RPCClientState()
    let total = RPCClientStats.recentLimit + 250
    for index in 1...total {
      let registered = state.sending(entry("c-\(index)"))
      #expect(registered)
      _ = state.replied(id: "c-\(index)", issuedByUs: true, now: t0) { reply($0.id) }
      _ = state.replied(id: "x-\(index)", issuedByUs: false, now: t0) { reply($0.id) }
    }
    let snapshot = state.snapshot(now: t0)
    #expect(snapshot.count(.ok) == total)
    #expect(snapshot.recentlyEnded.count == RPCClientStats.recentLimit)
    #expect(snapshot.recentlyEnded.first?.correlationID == "c-251")
    #expect(snapshot.recentlyEnded.last?.correlationID == "c-\(total)")
    #expect(snapshot.count(.unknown) == total)
    #expect(snapshot.recentlyDiscarded.count == RPCClientStats.recentLimit)
    #expect(snapshot.recentlyDiscarded.last?.correlationID == "x-\(total)")
  }

  /// `RPCClientConfiguration.recentlyEndedLimit`: a smaller list, or none, with every count.
  @Test(arguments: [0, 2])
  func aLowerEndedLimitKeepsFewerCallsAndEveryCount(limit: Int) {
    var state = RPCClientState()
    state.recentlyEndedLimit = limit
    for index in 1...5 {
      _ = state.sending(entry("c-\(index)"))
      _ = state.replied(id: "c-\(index)", issuedByUs: true, now: t0) { reply($0.id) }
    }
    _ = state.sending(entry("c-6"))
    _ = state.fail(id: "c-6", code: .unroutable, message: "no queue", now: t0)
    _ = state.replied(id: "c-6", issuedByUs: true, now: t0) { reply($0.id) }  // late
    let snapshot = state.snapshot(now: t0)
    #expect(snapshot.count(.ok) == 5 && snapshot.count(.unroutable) == 1)
    #expect(snapshot.unaccounted == 0 && snapshot.latency.count == 5)
    #expect(snapshot.recentlyEnded.map(\.correlationID) == Array(["c-5", "c-6"].suffix(limit)))
    #expect(snapshot.recentlyDiscarded.map(\.correlationID) == ["c-6"])
  }
}
