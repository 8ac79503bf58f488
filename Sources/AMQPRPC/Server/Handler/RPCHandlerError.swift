/// An error a handler throws to answer with an error reply of its choosing: the reply has an
/// empty body and the headers `x-rpc-error` (``message``) and `x-rpc-error-kind`
/// (``kind``); the caller's ``RPCClient`` throws ``RPCError`` with code
/// ``RPCError/Code/serverError`` carrying both. Any other error a handler throws is answered
/// the same way with kind ``RPCServerErrorKind/handlerFailed`` and the error's description.
///
/// The format, for servers written in other languages: reply to `reply_to` with the
/// request's `correlation_id`, an empty body and two long-string headers, `x-rpc-error` (a
/// message for people) and `x-rpc-error-kind` (a short token such as `invalid-input`). A
/// reply with `x-rpc-error` set, of any type, is an error reply.
public struct RPCHandlerError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The failure's kind: one of ``RPCServerErrorKind``'s or your own.
  public var kind: RPCServerErrorKind
  /// Why, for the caller.
  public var message: String

  public init(_ kind: RPCServerErrorKind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { "\(kind): \(message)" }
}

/// The kind of a server's error reply (the `x-rpc-error-kind` header): a token, extensible
/// by handlers (`RPCServerErrorKind(rawValue: "out-of-stock")`).
public struct RPCServerErrorKind: RawRepresentable, Sendable, Hashable, CustomStringConvertible,
  ExpressibleByStringLiteral
{
  public var rawValue: String

  public init(rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { self.rawValue = value }

  public var description: String { rawValue }

  /// The body cannot be read as a request (not a number, not valid JSON, too long).
  public static let invalidInput: Self = "invalid-input"
  /// Fibonacci: n is negative.
  public static let negative: Self = "negative"
  /// Fibonacci: n is above the server's bound.
  public static let tooLarge: Self = "too-large"
  /// The caller's deadline passed before the work started.
  public static let expired: Self = "expired"
  /// The handler threw an error other than ``RPCHandlerError``.
  public static let handlerFailed: Self = "handler-error"
  /// The kinds this library sends.
  public static let known: [Self] = [.invalidInput, .negative, .tooLarge, .expired, .handlerFailed]
}
