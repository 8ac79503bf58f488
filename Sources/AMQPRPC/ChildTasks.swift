/// The background work of one owner (a client, a server, its replies' publisher) as child
/// tasks of one discarding task group, so that none outlives it: event-loop callbacks that
/// need to `await` (restore a consumer, replace a callback queue, run an `async` handler)
/// spawn here rather than as detached `Task {}`s, and ``close()`` cancels and awaits every
/// one of them.
final class ChildTasks: Sendable {
  private typealias Job = @Sendable () async -> Void
  private let jobs: AsyncStream<Job>.Continuation
  private let group: Task<Void, Never>

  init() {
    let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
    self.jobs = jobs
    // The one unstructured task: the group's own, owned by this object and awaited by close().
    group = Task {
      await withDiscardingTaskGroup { group in
        for await job in stream { group.addTask { await job() } }
      }
    }
  }

  deinit { jobs.finish() }

  /// Runs `job` as a child task; `false` (and `job` never runs) once closed.
  @discardableResult
  func spawn(_ job: @escaping @Sendable () async -> Void) -> Bool {
    if case .terminated = jobs.yield(job) { return false }
    return true
  }

  /// Takes no more jobs, cancels the running ones and waits until every one has ended.
  func close() async {
    jobs.finish()
    group.cancel()
    await group.value
  }
}
