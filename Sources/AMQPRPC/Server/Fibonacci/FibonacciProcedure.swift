import NIOCore
import NIOPosix

/// The tutorial's procedure: the body is n as decimal text, the reply fib(n) as decimal text
/// (`text/plain`). Bad bodies get error replies of kind ``RPCServerErrorKind/invalidInput``,
/// ``RPCServerErrorKind/negative`` or ``RPCServerErrorKind/tooLarge``.
public struct FibonacciProcedure: Sendable, Hashable {
  /// The largest n served; larger ones get a "too-large" error reply. At most
  /// ``RPCWorkMode/largestN`` of ``work``, whatever is set.
  public var maximumN: Int
  /// How fib is computed.
  public var work: RPCWorkMode
  /// Bodies longer than this (bytes) get an "invalid-input" error reply.
  public var maximumBodyBytes: Int

  public init(maximumN: Int = 45, work: RPCWorkMode = .recursive, maximumBodyBytes: Int = 64) {
    self.maximumN = min(maximumN, work.largestN)
    self.work = work
    self.maximumBodyBytes = maximumBodyBytes
  }

  /// Recursive fib up to this n takes microseconds; it is computed in place on the event
  /// loop. Larger n goes to NIO's thread pool, so the loop is never held for long.
  static let inlineRecursiveLimit = 20

  /// The handler serving this procedure.
  public var handler: RPCHandler {
    let parser = FibonacciRequestParser(maximumN: maximumN, maximumBodyBytes: maximumBodyBytes)
    let work = self.work
    return RPCHandler.inlineOrLater { request, eventLoop in
      let n: Int
      switch parser.parse(request.body) {
      case .success(let parsed): n = parsed
      case .failure(let refusal): throw RPCHandlerError(refusal.kind, refusal.message)
      }
      if work == .iterative || n <= Self.inlineRecursiveLimit {
        return .now(Self.response(fibonacci(n, mode: work)))
      }
      return .later(
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
          Self.response(fibonacci(n, mode: work))
        })
    }.describing(self) { body in
      guard case .success(let n) = parser.parse(body) else { return nil }
      return n
    }
  }

  /// fib(n)'s reply: its decimal text.
  package static func response(_ value: Int64) -> RPCServerResponse {
    RPCServerResponse(body: ByteBuffer(string: String(value)), contentType: "text/plain")
  }
}

extension RPCHandler {
  /// The tutorial's Fibonacci procedure (see ``FibonacciProcedure``).
  public static func fibonacci(maximumN: Int = 45, work: RPCWorkMode = .recursive) -> RPCHandler {
    FibonacciProcedure(maximumN: maximumN, work: work).handler
  }
}

extension RPCServer {
  /// The Fibonacci procedure's settings when the server serves it; the defaults otherwise
  /// (the screens, which serve nothing else, show them).
  package var fibonacci: FibonacciProcedure { handler.fibonacci ?? FibonacciProcedure() }
}
