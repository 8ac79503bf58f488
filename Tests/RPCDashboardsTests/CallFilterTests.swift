import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards

/// `/` and `:filter`: each kind of term, all terms at once, refusals with their reason.
@Suite struct CallFilterTests {
  func ok(_ id: String, n: Int, worker: String?, value: String = "832040") -> CompletedCall {
    CompletedCall(
      id: id, n: n,
      result: .success(
        RPCReply(
          correlationID: id, n: n, value: value, worker: worker, roundTrip: .milliseconds(2),
          timing: nil)))
  }

  func failed(_ id: String, n: Int?, _ code: RPCError.Code, label: String? = nil)
    -> CompletedCall
  {
    CompletedCall(
      id: id, n: n, label: label,
      result: .failure(RPCError(code: code, message: "why \(code)", correlationID: id)))
  }

  var calls: [CompletedCall] {
    [
      ok("ab-1", n: 30, worker: "vm-123/w2"), ok("ab-2", n: 31, worker: "w2"),
      ok("ab-3", n: 35, worker: "vm-123/w20"), ok("cd-4", n: 10, worker: "other/w1", value: "55"),
      failed("cd-5", n: 33, .timedOut), failed("cd-6", n: 40, .connectionLost),
      failed("ef-7", n: nil, .serverError, label: "héllo wörld"), failed("ef-8", n: 2, .cancelled),
      failed("ef-9", n: 3, .unroutable),
    ]
  }

  func kept(_ text: String) throws -> [String] {
    let filter = try CallFilter.parse(text).get()
    return calls.filter(filter.matches).map(\.id)
  }

  @Test func wordsMatchAnyFieldIgnoringCase() throws {
    #expect(try kept("AB-") == ["ab-1", "ab-2", "ab-3"])
    #expect(try kept("55") == ["cd-4"])  // the result
    #expect(try kept("35") == ["ab-3"])  // n
    #expect(try kept("timeout") == ["cd-5"])
    #expect(try kept("timed out") == ["cd-5"])  // two words, both in "timed out"
    #expect(try kept("lost") == ["cd-6"])
    #expect(try kept("vm-123") == ["ab-1", "ab-3"])
    #expect(try kept("WÖRLD") == ["ef-7"])  // the request text, Unicode case folding
    #expect(try kept("why") == ["cd-5", "cd-6", "ef-7", "ef-8", "ef-9"])  // the error text
    #expect(try kept("") == calls.map(\.id))
    #expect(try kept("   ").count == calls.count)
  }

  @Test func qualifiedTerms() throws {
    #expect(try kept("id:cd") == ["cd-4", "cd-5", "cd-6"])
    #expect(try kept("n:31") == ["ab-2"])
    #expect(try kept("n:30..35") == ["ab-1", "ab-2", "ab-3", "cd-5"])
    #expect(try kept("o:ok") == ["ab-1", "ab-2", "ab-3", "cd-4"])
    #expect(try kept("outcome:timeout") == ["cd-5"])
    #expect(try kept("o:lost") == ["cd-6"])
    #expect(try kept("o:error") == ["ef-7"])
    #expect(try kept("o:canceled") == ["ef-8"])
    #expect(try kept("o:unroutable") == ["ef-9"])
    #expect(try kept("w:w2") == ["ab-1", "ab-2"])  // not w20
    #expect(try kept("worker:vm-123/w2") == ["ab-1"])
    #expect(try kept("w:VM-123") == ["ab-1", "ab-3"])  // the server
    #expect(try kept("kind:late").isEmpty)  // ended calls have no kind
  }

  @Test func everyTermMustMatch() throws {
    #expect(try kept("ab w:w2 n:31") == ["ab-2"])
    #expect(try kept("o:ok n:30..31") == ["ab-1", "ab-2"])
    #expect(try kept("o:ok o:timeout").isEmpty)
  }

  @Test(arguments: [
    ("n:abc", "n:abc is not a number"), ("n:5..2", "empty range"), ("n:1..2..3", "n:1..2..3"),
    ("o:maybe", "outcomes are ok, error"), ("kind:slow", "kinds are late"),
    ("x:1", "x: is not a filter"), ("w:", "w: needs a value"),
  ])
  func refusalsSayWhy(text: String, reason: String) {
    switch CallFilter.parse(text) {
    case .success: Issue.record("\(text) accepted")
    case .failure(let error): #expect(error.description.contains(reason), "\(error)")
    }
  }

  @Test func oddUnicodeNeverTrapsAndMatchesCanonically() throws {
    // A decomposed é matches a precomposed one; emoji, RTL and zero-width text are words.
    let call = ok("id-é", n: 1, worker: "w1", value: "👩‍👩‍👧 שלום\u{200B}")
    for text in ["e\u{301}", "👩‍👩‍👧", "שלום", "\u{200B}", "ID-É"] {
      let filter = try CallFilter.parse(text).get()
      #expect(filter.matches(call), "\(text)")
    }
    for text in ["\u{0}", "n:١٢", ":", "::::", "id::", "o:\u{301}"] {
      _ = CallFilter.parse(text)  // parses or refuses, never traps
    }
  }

  @Test func inFlightAndDiscardedMatchWhatTheyHave() throws {
    let inFlight = RPCInFlightCall(correlationID: "ab-9", n: 32, age: .zero, timeLeft: .seconds(1))
    #expect(try CallFilter.parse("n:30..35 id:ab").get().matches(inFlight))
    #expect(try !CallFilter.parse("o:ok").get().matches(inFlight))
    let late = DiscardedReply(kind: .late, id: "ab-9", lateBy: .milliseconds(3))
    #expect(try CallFilter.parse("kind:late ab").get().matches(late))
    #expect(try CallFilter.parse("late").get().matches(late))
    #expect(try !CallFilter.parse("kind:unknown").get().matches(late))
    #expect(try !CallFilter.parse("w:w2").get().matches(late))
  }
}
