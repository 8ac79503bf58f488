import AMQPClient
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The server side of RPC over AMQP: N workers consuming the request queue, each on its own
/// channel with prefetch, answering each request with what its ``RPCHandler`` returns (or an
/// error reply for what it throws) to `reply_to`, with the request's correlation id.
/// Workers can be added and removed while it runs without losing a message.
public final class RPCServer: Sendable {
  /// The connections the workers are spread over: one, unless started with several (one
  /// per node of a cluster, see ``start(connections:configuration:handler:)``).
  public let connections: [AMQPConnection]
  /// The first of ``connections``: the one the queue was adopted or declared on and the
  /// replies' connection stands beside (the only one, unless started with several).
  public var connection: AMQPConnection { connections[0] }
  /// The server's settings.
  public let configuration: RPCServerConfiguration
  /// The request queue as found (adopted) or declared at start.
  public let queue: RPCQueueInfo
  /// The procedure served.
  public let handler: RPCHandler
  /// Where the workers' replies go out, one per entry of ``connections`` (beside it, on its
  /// event loop and to its node): a connection of its own, so that a reply the broker
  /// refuses by closing the connection does not take the workers with it.
  let replies: [ReplyPublisher]

  private let roster = NIOLockedValueBox(Roster())
  private let prefetchForNewWorkers: NIOLockedValueBox<UInt16>
  private let nextWorkerID = NIOLockedValueBox(1)
  private let eventSink = NIOLockedValueBox<AsyncStream<RPCServerEvent>.Continuation?>(nil)
  private let noticeSink = NIOLockedValueBox<AsyncStream<RPCServerNotice>.Continuation?>(nil)
  private let handledTotal = NIOLockedValueBox(0)
  /// The workers' background work: `async` handlers, consumers being restored.
  private let children = ChildTasks()
  /// Requests a lost link took from the workers, shared by them (see ``InterruptedRequests``).
  private let interrupted: NIOLockedValueBox<InterruptedRequests>

  /// The workers and what the removed ones handled, in one lock so that a worker's counts
  /// move to ``retired`` in the same step that takes it off the list.
  private struct Roster: Sendable {
    var workers: [Int: RPCWorker] = [:]
    /// Workers being removed: still listed (stopping) until they have ended.
    var leaving: [Int: Task<Int, Never>] = [:]
    /// The final counts of the workers removed.
    var retired = RPCWorkerTotals()
    /// Requests the removed workers still held after their grace period, requeued.
    var requeued = 0

    /// The running workers that are not being removed, by id.
    var staying: [Int: RPCWorker] { workers.filter { leaving[$0.key] == nil } }

    /// The listed workers whose channel is on `connection`.
    func workers(on connection: AMQPConnection) -> [RPCWorker] {
      workers.values.filter { $0.connection === connection }
    }
  }

  private init(
    connections: [AMQPConnection], configuration: RPCServerConfiguration, handler: RPCHandler,
    queue: RPCQueueInfo, replies: [ReplyPublisher]
  ) {
    self.connections = connections
    self.handler = handler
    self.configuration = configuration
    self.queue = queue
    self.replies = replies
    self.interrupted = NIOLockedValueBox(InterruptedRequests(limit: configuration.redeliveryLimit))
    self.prefetchForNewWorkers = NIOLockedValueBox(configuration.prefetch)
  }

  /// Adopts or declares the request queue, opens a connection of their own for the replies
  /// beside `connection` and starts ``RPCServerConfiguration/workers`` workers, serving
  /// `handler`.
  ///
  /// ```swift
  /// let server = try await RPCServer.start(connection: connection) { request in
  ///   RPCServerResponse(text: request.text.uppercased())
  /// }
  /// ```
  public static func start(
    connection: AMQPConnection, configuration: RPCServerConfiguration = RPCServerConfiguration(),
    handler: @escaping @Sendable (RPCServerRequest) async throws -> RPCServerResponse
  ) async throws -> RPCServer {
    try await start(
      connection: connection, configuration: configuration, handler: RPCHandler(handler))
  }

  /// Adopts or declares the request queue, opens a connection of their own for the replies
  /// beside `connection` and starts ``RPCServerConfiguration/workers`` workers, serving
  /// `handler` (``RPCHandler/fibonacci(maximumN:work:)``,
  /// ``RPCHandler/codable(coder:_:)-(_,(Request)->Response)``, ``RPCHandler/synchronous(_:)``…).
  public static func start(
    connection: AMQPConnection, configuration: RPCServerConfiguration = RPCServerConfiguration(),
    handler: RPCHandler
  ) async throws -> RPCServer {
    try await start(connections: [connection], configuration: configuration, handler: handler)
  }

  /// Like ``start(connection:configuration:handler:)-(_,_,RPCHandler)``, with the workers
  /// spread over `connections`: each new worker goes to the connection with the fewest
  /// workers, so that on a cluster, with one connection per node, every node delivers
  /// requests (a quorum queue's consumers may attach through any node) and a node that stops
  /// takes only its share of the workers with it while it is recovered elsewhere.
  ///
  /// ```swift
  /// // One connection per node, each trying the others when its own goes.
  /// let nodes = try ["amqp://n1:5672", "amqp://n2:5672", "amqp://n3:5672"].map {
  ///   try AMQPConnectionConfiguration(url: $0)
  /// }
  /// var connections: [AMQPConnection] = []
  /// for first in nodes.indices {
  ///   connections.append(
  ///     try await AMQPConnection.connect(to: Array(nodes[first...] + nodes[..<first])))
  /// }
  /// let server = try await RPCServer.start(connections: connections, handler: .fibonacci())
  /// ```
  ///
  /// The queue is adopted or declared through the first connection. The caller owns the
  /// connections and closes them after ``shutdown(gracePeriod:)``.
  /// - Throws: `AMQPError` with code `invalidArgument` when `connections` is
  ///   empty; otherwise what adopting the queue or starting a worker throws.
  public static func start(
    connections: [AMQPConnection],
    configuration: RPCServerConfiguration = RPCServerConfiguration(), handler: RPCHandler
  ) async throws -> RPCServer {
    guard let first = connections.first else {
      throw AMQPError(.invalidArgument, "an RPC server needs at least one connection")
    }
    let queue = try await RPCQueueSetup.adoptOrDeclare(
      configuration.queue, type: configuration.queueType, connection: first)
    var replies: [ReplyPublisher] = []
    do {
      for connection in connections {
        replies.append(
          try await ReplyPublisher.open(beside: connection, logger: configuration.logger))
      }
    } catch {
      for publisher in replies { await publisher.close() }
      throw error
    }
    let server = RPCServer(
      connections: connections, configuration: configuration, handler: handler, queue: queue,
      replies: replies)
    for connection in connections { server.follow(connection) }
    let notices = server.noticeSink
    // The broker blocks connections that publish: now the replies' ones (their losses are
    // their own business: replies wait, and a refusal has its own notice).
    for publisher in replies {
      publisher.connection.addEventListener { event in
        switch event {
        case .blocked, .unblocked: _ = notices.withLockedValue { $0 }?.yield(.connection(event))
        case .disconnected, .reconnecting, .recovered, .recoveryFailed: break
        }
      }
    }
    do {
      for _ in 0..<max(0, configuration.workers) { try await server.addWorker() }
    } catch {
      await server.shutdown(gracePeriod: .zero)
      throw error
    }
    return server
  }

  /// Follows one of the workers' connections: a lost link interrupts the requests of the
  /// workers on it (the others carry on); every event becomes a notice.
  private func follow(_ connection: AMQPConnection) {
    let (notices, roster, logger) = (noticeSink, roster, configuration.logger)
    connection.addEventListener { event in
      switch event {
      case .disconnected(let error):
        logger.warning(
          "rpc server lost its link; held requests go back to the queue",
          metadata: ["reason": "\(error.message)", "endpoint": "\(connection.endpoint)"])
        for worker in roster.withLockedValue({ $0.workers(on: connection) }) { worker.linkLost() }
      case .recovered(let recovery):
        logger.info(
          "rpc server recovered; workers consume again",
          metadata: ["downtime": "\(recovery.downtime)", "endpoint": "\(recovery.endpoint)"])
        for worker in roster.withLockedValue({ $0.workers(on: connection) }) {
          worker.linkRestored()
        }
      case .reconnecting, .recoveryFailed, .blocked, .unblocked: break
      }
      _ = notices.withLockedValue { $0 }?.yield(.connection(event))
    }
  }

  /// Connection events and workers' consumers lost and restored, from now on. One
  /// subscriber at a time (a new call replaces the previous stream); keeps the newest 1,000.
  public func notices() -> AsyncStream<RPCServerNotice> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: RPCServerNotice.self, bufferingPolicy: .bufferingNewest(1_000))
    noticeSink.withLockedValue {
      $0?.finish()
      $0 = continuation
    }
    return stream
  }

  /// Requests handled from now on, one event each. One subscriber at a time; the newest
  /// 10,000 unread events are kept.
  public func events() -> AsyncStream<RPCServerEvent> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: RPCServerEvent.self, bufferingPolicy: .bufferingNewest(10_000))
    eventSink.withLockedValue {
      $0?.finish()
      $0 = continuation
    }
    return stream
  }

  /// Starts one more worker; returns its id.
  @discardableResult
  public func addWorker() async throws -> Int {
    let prefetch = self.prefetch
    let id = nextWorkerID.withLockedValue { next in
      defer { next += 1 }
      return next
    }
    let sink = eventSink
    let notices = noticeSink
    let handled = handledTotal
    let index = leastLoadedConnection()
    let worker = try await RPCWorker.start(
      id: id, prefetch: prefetch, connection: connections[index], configuration: configuration,
      handler: handler, replies: replies[index], interrupted: interrupted, children: children,
      onEvent: { event in
        if event.outcome != .interrupted { handled.withLockedValue { $0 += 1 } }
        _ = sink.withLockedValue { $0 }?.yield(event)
      },
      onNotice: { notice in _ = notices.withLockedValue { $0 }?.yield(notice) })
    roster.withLockedValue { $0.workers[id] = worker }
    configuration.logger.info("worker \(worker.name) started")
    return id
  }

  /// The index in ``connections`` of the one with the fewest workers staying (the first
  /// of those, on a tie).
  private func leastLoadedConnection() -> Int {
    let staying = roster.withLockedValue { Array($0.staying.values) }
    let load = connections.map { connection in staying.count { $0.connection === connection } }
    return load.indices.min { load[$0] < load[$1] } ?? 0
  }

  /// Removes a worker (the newest when `id` is nil) after it finishes the requests already
  /// delivered to it, waiting at most ``RPCServerConfiguration/drainTimeout`` (then those are
  /// requeued); returns the id removed, or nil when there was none. Until it has ended the
  /// worker stays in ``stats()`` as stopping, with the requests it still holds; then its
  /// counts move to ``RPCServerStats/retired``. Removing a worker already being removed
  /// waits for that removal.
  @discardableResult
  public func removeWorker(_ id: Int? = nil) async -> Int? {
    let gracePeriod = configuration.drainTimeout
    let removal = roster.withLockedValue { roster -> (id: Int, task: Task<Int, Never>)? in
      guard let key = id ?? roster.staying.keys.max() else { return nil }
      return leave(key, roster: &roster, gracePeriod: gracePeriod).map { (key, $0) }
    }
    guard let removal else { return nil }
    _ = await removal.task.value
    return removal.id
  }

  /// Starts removing worker `id` (or returns its removal already under way); nil when there
  /// is no such worker. Called in the roster's lock, so a worker is stopped once.
  private func leave(_ id: Int, roster: inout Roster, gracePeriod: Duration) -> Task<Int, Never>? {
    if let removal = roster.leaving[id] { return removal }
    guard let worker = roster.workers[id] else { return nil }
    // A task of its own, not a child: its handle is what every caller removing this worker
    // (removeWorker, shutdown) awaits, and it ends with the removal.
    let removal = Task { await self.stop(worker, gracePeriod: gracePeriod) }
    roster.leaving[id] = removal
    return removal
  }

  /// Stops and closes one worker, then takes it off the list; returns how many requests it
  /// requeued.
  private func stop(_ worker: RPCWorker, gracePeriod: Duration) async -> Int {
    let requeued = await worker.stopConsuming(then: .stopped, gracePeriod: gracePeriod)
    await worker.close()
    roster.withLockedValue { roster in
      roster.retired = roster.retired + worker.snapshot(now: .now()).totals
      roster.requeued += requeued
      roster.workers[worker.id] = nil
      roster.leaving[worker.id] = nil
    }
    configuration.logger.info("worker \(worker.name) removed")
    return requeued
  }

  /// Pauses a worker: it cancels its consumer after the requests it holds, so the broker
  /// sends the load to the other consumers. Returns false when there is no such worker (or
  /// it is being removed).
  @discardableResult
  public func pauseWorker(_ id: Int) async -> Bool {
    guard let worker = roster.withLockedValue({ $0.staying[id] }) else { return false }
    await worker.stopConsuming(then: .paused)
    configuration.logger.info("worker \(worker.name) paused")
    return true
  }

  /// Resumes a paused worker (a new consumer on its channel).
  @discardableResult
  public func resumeWorker(_ id: Int) async throws -> Bool {
    guard let worker = roster.withLockedValue({ $0.staying[id] }) else { return false }
    try await worker.startConsuming()
    configuration.logger.info("worker \(worker.name) resumed")
    return true
  }

  /// The prefetch that workers added from now on get; 0 means unlimited.
  public var prefetch: UInt16 {
    get { prefetchForNewWorkers.withLockedValue { $0 } }
    set { prefetchForNewWorkers.withLockedValue { $0 = newValue } }
  }

  /// Requests handled since start by every worker, removed ones included.
  public var handledCount: Int { handledTotal.withLockedValue { $0 } }

  /// Requests that stopping workers still held after their grace period and requeued, since
  /// start: what a graceful shutdown run as a `Service` could not answer.
  package var requeuedCount: Int { roster.withLockedValue { $0.requeued } }

  /// Cuts every drain short, those under way and those to come, as if the grace period had
  /// passed: what the workers hold is requeued at once.
  func cutDrainsShort() {
    for worker in roster.withLockedValue({ Array($0.workers.values) }) { worker.cutDrainShort() }
  }

  /// The ids of the running workers not being removed, ascending.
  public var workerIDs: [Int] { roster.withLockedValue { $0.staying.keys.sorted() } }

  /// Snapshots of every listed worker (those being removed too, as stopping) and the counts
  /// of the removed ones, taken together.
  public func stats() -> RPCServerStats {
    let now = NIODeadline.now()
    return roster.withLockedValue { roster in
      RPCServerStats(
        workers: roster.workers.values.map { $0.snapshot(now: now) }.sorted { $0.id < $1.id },
        retired: roster.retired)
    }
  }

  /// The request queue's ready messages and consumers now, across every server process.
  public func queueStatus() async throws -> AMQPQueueInfo {
    let channel = try await connection.openChannel()
    let info = try await channel.queueDeclare(configuration.queue, passive: true)
    try? await channel.close()
    return info
  }

  /// Graceful shutdown: every worker stops consuming, answers and acknowledges what it
  /// already received, and closes its channel; each stays in ``stats()`` (stopping, with
  /// what it holds) until it has ended. Requests still held after `gracePeriod` (default
  /// ``RPCServerConfiguration/drainTimeout``) are rejected with requeue, so another server
  /// answers them: nothing is lost. Returns how many were requeued.
  @discardableResult
  public func shutdown(gracePeriod: Duration? = nil) async -> Int {
    let gracePeriod = gracePeriod ?? configuration.drainTimeout
    var requeued = 0
    // All at once, so the grace period is the whole shutdown's, not each worker's; again
    // while workers remain (one added meanwhile).
    while true {
      let removals = roster.withLockedValue { roster in
        for id in roster.workers.keys { _ = leave(id, roster: &roster, gracePeriod: gracePeriod) }
        return Array(roster.leaving.values)
      }
      if removals.isEmpty { break }
      for removal in removals { requeued += await removal.value }
    }
    for publisher in replies { await publisher.close() }
    await children.close()
    eventSink.withLockedValue { $0?.finish() }
    return requeued
  }
}
