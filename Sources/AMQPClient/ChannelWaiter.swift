import AMQPProtocol
import NIOCore

/// What completes a synchronous channel request in the handler.
enum ChannelWaiter {
  case method(EventLoopPromise<AMQPMethod>)
  case get(EventLoopPromise<AMQPMessage?>)

  func fail(_ error: AMQPError) {
    switch self {
    case .method(let promise): promise.fail(error)
    case .get(let promise): promise.fail(error)
    }
  }

  func succeed(_ method: AMQPMethod) {
    switch self {
    case .method(let promise): promise.succeed(method)
    case .get(let promise):
      promise.fail(AMQPError(.protocolViolation, "basic.get answered with \(method.name)"))
    }
  }

  func succeedGet(_ message: AMQPMessage?) {
    switch self {
    case .get(let promise): promise.succeed(message)
    case .method(let promise):
      promise.fail(AMQPError(.protocolViolation, "a request was answered with a message"))
    }
  }
}
