import NIOCore

/// Runs tasks on a connection's event loop (Swift's `TaskExecutor`). Code that awaits
/// replies in a loop — an RPC caller — then resumes where the replies arrive and sends its next
/// request from there: no hop to the cooperative pool and back per call.
///
/// ```swift
/// await withTaskExecutorPreference(connection.taskExecutor) {
///   for n in 1...100 { _ = try await client.fibonacci(n) }
/// }
/// ```
///
/// Whatever such a task runs between suspensions holds up the connection's I/O, so it suits
/// short steps, not blocking work. The event loop must outlive the tasks (the default group,
/// `MultiThreadedEventLoopGroup.singleton`, always does): jobs sent to a loop that has shut
/// down never run.
@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
public final class EventLoopTaskExecutor: TaskExecutor {
  /// The loop the jobs run on.
  public let eventLoop: any EventLoop

  init(eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}

@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
extension AMQPConnection {
  /// An executor that runs tasks on this connection's event loop (see
  /// ``EventLoopTaskExecutor``).
  public var taskExecutor: EventLoopTaskExecutor {
    EventLoopTaskExecutor(eventLoop: eventLoop)
  }
}
