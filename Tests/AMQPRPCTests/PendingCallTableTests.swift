import NIOCore
import Testing

@testable import AMQPRPC

@Suite struct PendingCallTableTests {
  let t0 = NIODeadline.uptimeNanoseconds(10_000_000_000)

  func entry(_ id: String, timeout: Int64 = 1_000) -> PendingCallTable<String>.Entry {
    .init(id: id, n: 1, sentAt: t0, deadline: t0 + .milliseconds(timeout), waiter: "w-\(id)")
  }

  @Test func replyMatchesItsCallOnceThenCountsAsDuplicate() {
    var table = PendingCallTable<String>()
    let first = table.register(entry("a"))
    let second = table.register(entry("a"))
    #expect(first && !second)
    guard
      case .matched(let matched) = table.resolve(
        id: "a", issuedByUs: true, now: t0 + .milliseconds(5))
    else {
      Issue.record("expected a match")
      return
    }
    #expect(matched.waiter == "w-a")
    #expect(table.count == 0)
    guard
      case .duplicate("a") = table.resolve(id: "a", issuedByUs: true, now: t0 + .milliseconds(6))
    else {
      Issue.record("expected a duplicate")
      return
    }
  }

  @Test func replyAfterTimeoutIsLateByTheTimeSinceTheDeadline() {
    var table = PendingCallTable<String>()
    _ = table.register(entry("a", timeout: 100))
    _ = table.register(entry("b", timeout: 300))
    let expired = table.expire(now: t0 + .milliseconds(150))
    #expect(expired.map(\.id) == ["a"])
    guard
      case .late("a", let by) = table.resolve(
        id: "a", issuedByUs: true, now: t0 + .milliseconds(160))
    else {
      Issue.record("expected late")
      return
    }
    #expect(by == .milliseconds(60))
    #expect(table.count == 1)
  }

  @Test func neverOursIsUnknown() {
    var table = PendingCallTable<String>()
    guard case .unknown("x") = table.resolve(id: "x", issuedByUs: false, now: t0) else {
      Issue.record("expected unknown")
      return
    }
  }

  @Test func expiryFollowsDeadlinesNotRegistrationOrder() {
    var table = PendingCallTable<String>()
    _ = table.register(entry("slow", timeout: 500))
    _ = table.register(entry("fast", timeout: 100))
    _ = table.register(entry("mid", timeout: 300))
    #expect(table.nextDeadline == t0 + .milliseconds(100))
    let expired = table.expire(now: t0 + .milliseconds(300))
    #expect(expired.map(\.id) == ["fast", "mid"])
    #expect(table.nextDeadline == t0 + .milliseconds(500))
  }

  @Test func answeredCallsLeaveNoStaleDeadline() {
    var table = PendingCallTable<String>()
    _ = table.register(entry("a", timeout: 100))
    _ = table.register(entry("b", timeout: 200))
    _ = table.resolve(id: "a", issuedByUs: true, now: t0)
    #expect(table.nextDeadline == t0 + .milliseconds(200))
    let expired = table.expire(now: t0 + .milliseconds(150))
    #expect(expired.isEmpty)
  }

  @Test func removedAndFailedCallsFreeTheirEntriesAndRepliesAreLate() {
    var table = PendingCallTable<String>()
    _ = table.register(entry("a"))
    _ = table.register(entry("b"))
    _ = table.register(entry("c"))
    let removed = table.remove(id: "a", now: t0)
    let again = table.remove(id: "a", now: t0)
    #expect(removed?.id == "a" && again == nil)
    let rest = table.removeAll(now: t0)
    #expect(Set(rest.map(\.id)) == ["b", "c"])
    #expect(table.count == 0)
    guard case .late = table.resolve(id: "b", issuedByUs: true, now: t0 + .seconds(1)) else {
      Issue.record("a reply to a failed call is late")
      return
    }
  }

  @Test func memoryOfGivenUpCallsIsBoundedInCountAndTime() {
    var table = PendingCallTable<String>(memoryLimit: 2, memoryDuration: .seconds(10))
    for id in ["a", "b", "c"] {
      _ = table.register(entry(id))
      _ = table.remove(id: id, now: t0)
    }
    #expect(table.rememberedCount == 2)
    // The oldest was forgotten: a reply to it is then a duplicate of ours, not late.
    guard case .duplicate = table.resolve(id: "a", issuedByUs: true, now: t0) else {
      Issue.record("the oldest given-up id was forgotten")
      return
    }
    guard case .late = table.resolve(id: "c", issuedByUs: true, now: t0 + .seconds(1)) else {
      Issue.record("a remembered id is late")
      return
    }
    guard case .duplicate = table.resolve(id: "c", issuedByUs: true, now: t0 + .seconds(11)) else {
      Issue.record("ids are forgotten after the memory duration")
      return
    }
    #expect(table.rememberedCount == 0)
  }

  @Test func answeredCallsLeaveABoundedNumberOfStaleDeadlines() {
    var table = PendingCallTable<String>()
    for index in 0..<100_000 {
      _ = table.register(entry("id-\(index)", timeout: 30_000))
      _ = table.resolve(id: "id-\(index)", issuedByUs: true, now: t0)
    }
    #expect(table.scheduledDeadlineCount <= 1_026)
    #expect(table.count == 0)
  }

  @Test func answeredCallsNeedNoMemory() {
    var table = PendingCallTable<String>()
    for index in 0..<1_000 {
      _ = table.register(entry("id-\(index)"))
      _ = table.resolve(id: "id-\(index)", issuedByUs: true, now: t0)
    }
    #expect(table.rememberedCount == 0)
  }

}

@Suite struct OutcomeCountTests {
  @Test func outcomeIndicesFollowAllCases() {
    // The client counts outcomes in an array indexed this way.
    #expect(RPCOutcome.allCases.map(\.index) == Array(RPCOutcome.allCases.indices))
  }
}
