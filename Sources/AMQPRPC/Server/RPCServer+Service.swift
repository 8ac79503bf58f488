import ServiceLifecycle

/// A server as a swift-service-lifecycle `Service`. In a `ServiceGroup`, list its connection
/// before it: graceful shutdown goes in reverse order, so the server drains before its
/// connection closes.
extension RPCServer: Service {
  /// Serves until graceful shutdown, then shuts down gracefully (``shutdown(gracePeriod:)``:
  /// what the workers hold is answered, or requeued after
  /// ``RPCServerConfiguration/drainTimeout``); when the task is cancelled instead, requeues
  /// what the workers hold at once, also when that comes during the graceful shutdown. (A
  /// `ServiceGroup` cancels on its `cancellationSignals` or once its
  /// `maximumGracefulShutdownDuration` has passed; a second graceful-shutdown signal alone
  /// does not.)
  public func run() async throws {
    do {
      try await gracefulShutdown()
    } catch {
      await shutdown(gracePeriod: .zero)
      return
    }
    _ = await withTaskCancellationHandler {
      await shutdown()
    } onCancel: {
      cutDrainsShort()
    }
  }
}
