import ServiceLifecycle

/// A connection as a swift-service-lifecycle `Service`, as postgres-nio's and valkey-swift's
/// clients are: put it first in a `ServiceGroup`, before the services that use it, so that a
/// graceful shutdown closes it last.
extension AMQPConnection: Service {
  /// Runs until the connection ends: returns once it is closed by the application, by
  /// graceful shutdown or by cancelling the task (each closes it gracefully); throws the
  /// ``AMQPError`` that ended it otherwise (recovery off or exhausted).
  public func run() async throws {
    let reason = await withGracefulShutdownHandler {
      await withTaskCancellationHandler {
        await closed()
      } onCancel: {
        Task { try? await self.close() }
      }
    } onGracefulShutdown: {
      Task { try? await self.close() }
    }
    if reason.code != .connectionClosed { throw reason }
  }
}
