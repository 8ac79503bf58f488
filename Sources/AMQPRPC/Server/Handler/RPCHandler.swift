import NIOCore

/// The procedure an ``RPCServer`` serves: turns each request into a response, or throws.
///
/// Three shapes, by where the work runs:
/// - ``init(_:)``: an `async` closure, run in a task of its own per request — the usual
///   choice;
/// - ``synchronous(_:)``: a cheap, non-blocking closure run in place on the connection's
///   event loop, with no task hop (the fast path);
/// - ``eventLoopFuture(_:)``: for SwiftNIO code, a future completed when the answer is
///   ready (work can move to a thread pool and back without a task).
///
/// Whatever the shape, a thrown error becomes an error reply (see ``RPCHandlerError``) —
/// never a timeout at the caller — and the request is acknowledged once the broker has
/// confirmed the reply.
public struct RPCHandler: Sendable {
  package enum Body: Sendable {
    case asynchronous(@Sendable (RPCServerRequest) async throws -> RPCServerResponse)
    case synchronous(@Sendable (RPCServerRequest) throws -> RPCServerResponse)
    case eventLoopFuture(
      @Sendable (RPCServerRequest, any EventLoop) -> EventLoopFuture<RPCServerResponse>)
    /// An answer now when it is cheap, a future when the work moves off the loop (the
    /// Fibonacci procedure's shape: no future made for the common, instant answer).
    case inlineOrLater(@Sendable (RPCServerRequest, any EventLoop) throws -> InlineOrLater)
  }

  /// What an ``Body/inlineOrLater(_:)`` handler answers.
  package enum InlineOrLater: Sendable {
    case now(RPCServerResponse)
    case later(EventLoopFuture<RPCServerResponse>)
  }

  package let body: Body
  /// The Fibonacci procedure's settings when this handler is it (for the screens).
  package private(set) var fibonacci: FibonacciProcedure?
  /// Reads n from a request body for the screens' "busy fib(n)" (the Fibonacci handler).
  package private(set) var requestNumber: (@Sendable (ByteBuffer) -> Int?)?

  private init(_ body: Body) { self.body = body }

  /// A handler run in a task of its own per request.
  public init(_ handle: @escaping @Sendable (RPCServerRequest) async throws -> RPCServerResponse) {
    self.init(.asynchronous(handle))
  }

  /// A handler run in place on the connection's event loop: it must be quick and must not
  /// block (no locks held long, no I/O), or every worker of the connection waits.
  public static func synchronous(
    _ handle: @escaping @Sendable (RPCServerRequest) throws -> RPCServerResponse
  ) -> RPCHandler {
    RPCHandler(.synchronous(handle))
  }

  /// A handler called on the connection's event loop (the one passed in) that answers with a
  /// future; a failed future is an error reply.
  public static func eventLoopFuture(
    _ handle:
      @escaping @Sendable (RPCServerRequest, any EventLoop) -> EventLoopFuture<
        RPCServerResponse
      >
  ) -> RPCHandler {
    RPCHandler(.eventLoopFuture(handle))
  }

  /// A handler answering now or with a future, on the connection's event loop.
  package static func inlineOrLater(
    _ handle: @escaping @Sendable (RPCServerRequest, any EventLoop) throws -> InlineOrLater
  ) -> RPCHandler {
    RPCHandler(.inlineOrLater(handle))
  }

  /// This handler, marked as the Fibonacci procedure for the screens.
  package func describing(
    _ fibonacci: FibonacciProcedure, requestNumber: @escaping @Sendable (ByteBuffer) -> Int?
  ) -> RPCHandler {
    var handler = self
    handler.fibonacci = fibonacci
    handler.requestNumber = requestNumber
    return handler
  }
}
