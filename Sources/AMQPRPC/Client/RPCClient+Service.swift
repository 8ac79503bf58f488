import ServiceLifecycle

/// A client as a swift-service-lifecycle `Service`. In a `ServiceGroup`, list its connection
/// before it, so that it closes before its connection.
extension RPCClient: Service {
  /// Runs until graceful shutdown or cancellation, then closes the client (``close()``:
  /// calls still waiting end as cancelled).
  public func run() async throws {
    try? await gracefulShutdown()
    try await close()
  }
}
