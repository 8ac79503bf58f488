/// Handlers of `Codable` values.
extension RPCHandler {
  /// A handler of `Request` values answering `Response` values, both as `coder` writes them
  /// (JSON by default; the reply's `content_type` says which). A body that does not decode
  /// gets an ``RPCServerErrorKind/invalidInput`` error reply naming the type.
  ///
  /// ```swift
  /// let handler = RPCHandler.codable { (sum: Sum) in Total(value: sum.a + sum.b) }
  /// ```
  public static func codable<Request: Decodable & Sendable, Response: Encodable & Sendable>(
    coder: some RPCCoder = JSONRPCCoder(),
    _ handle: @escaping @Sendable (Request) async throws -> Response
  ) -> RPCHandler {
    codable(coder: coder) { (value: Request, _: RPCServerRequest) in try await handle(value) }
  }

  /// As ``codable(coder:_:)-(_,(Request)->Response)``, with the request as it came too: its
  /// headers, `redelivered` flag, deadline (``RPCServerRequest/timeRemaining``) and the rest.
  ///
  /// ```swift
  /// let handler = RPCHandler.codable { (sum: Sum, request: RPCServerRequest) in
  ///   Total(value: sum.a + sum.b, tenant: request.headers["x-tenant"]?.stringValue)
  /// }
  /// ```
  public static func codable<Request: Decodable & Sendable, Response: Encodable & Sendable>(
    coder: some RPCCoder = JSONRPCCoder(),
    _ handle: @escaping @Sendable (Request, RPCServerRequest) async throws -> Response
  ) -> RPCHandler {
    RPCHandler { request in
      let value: Request
      do {
        value = try coder.decode(Request.self, from: request.body)
      } catch {
        throw RPCHandlerError(
          .invalidInput, "the request is not a \(Request.self) in \(coder.contentType): \(error)")
      }
      return RPCServerResponse(
        body: try coder.encode(try await handle(value, request)),
        contentType: coder.contentType)
    }
  }
}
