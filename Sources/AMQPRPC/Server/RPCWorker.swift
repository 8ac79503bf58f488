import AMQPClient
import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Tracing

/// One worker: a consumer of the request queue on its own channel, with `basic.qos`
/// prefetch, answering each request and acknowledging it once the broker has confirmed the
/// reply (rejecting it without requeue when the broker refused the reply: see
/// ``ReplyPublisher``). It can pause (cancel its consumer once the requests it holds are
/// answered) and resume.
///
/// Requests are taken in where they arrive, on the connection's event loop: triage, then the
/// handler (in place when it is synchronous or future-based, in a task when it is `async`),
/// then the reply and, once confirmed, the ack.
final class RPCWorker: Sendable {
  let id: Int
  let name: String
  /// The worker's channel: a new one replaces it when the broker closed it.
  var channel: AMQPChannel { channelBox.withLockedValue { $0 } }
  private let channelBox: NIOLockedValueBox<AMQPChannel>
  let connection: AMQPConnection
  let prefetch: UInt16
  let configuration: RPCServerConfiguration
  let record = NIOLockedValueBox(WorkerRecord())
  /// Where replies go out: a connection beside this one (see ``ReplyPublisher``).
  private let replies: ReplyPublisher
  /// The server's memory of requests a lost link took from its workers (shared by them).
  let interrupted: NIOLockedValueBox<InterruptedRequests>
  /// The server's background work, where this worker's `async` handlers and consumer
  /// restoration run.
  private let children: ChildTasks
  /// The requests this worker holds: what a lost link would interrupt, and the first ids.
  let held = NIOLockedValueBox(HeldDeliveries())
  /// Counts the links (or channels) this worker lost: a request's answer is sent only on the
  /// link it came on.
  let linkEpoch = NIOLockedValueBox(0)
  /// Whether the worker's connection has a link now (false from a loss to its recovery).
  let linkUp = NIOLockedValueBox(true)
  private let triage: RPCRequestTriage
  /// The procedure served.
  private let handler: RPCHandler
  private let consumption = NIOLockedValueBox(Consumption())
  private let onEvent: @Sendable (RPCServerEvent) -> Void
  private let onNotice: @Sendable (RPCServerNotice) -> Void
  /// The worker's spans and metrics.
  private let observer: RPCWorkerObserver

  /// The consumer and the requests delivered but not yet acknowledged.
  private struct Consumption: Sendable {
    var consumerTag: String?
    var outstanding = 0
    /// Drains waiting for `outstanding` to reach 0, by key; each is told whether it did.
    var drained: [Int: CheckedContinuation<Bool, Never>] = [:]
    var nextDrainKey = 0
    /// The drain's grace period ran out: what was held went back to the queue, and answers
    /// finished after that are dropped (their delivery tags are no longer ours to ack).
    var abandoned = false
    /// Paused, removed or stopping: a lost consumer is not restored.
    var stayStopped = false
    /// Drains end at once, as if their grace period had passed (see ``cutDrainShort()``).
    var drainCutShort = false
  }

  private init(
    id: Int, channel: AMQPChannel, prefetch: UInt16, configuration: RPCServerConfiguration,
    handler: RPCHandler, replies: ReplyPublisher,
    interrupted: NIOLockedValueBox<InterruptedRequests>, children: ChildTasks,
    onEvent: @escaping @Sendable (RPCServerEvent) -> Void,
    onNotice: @escaping @Sendable (RPCServerNotice) -> Void
  ) {
    self.id = id
    self.name = "\(configuration.serverName)/w\(id)"
    self.channelBox = NIOLockedValueBox(channel)
    self.connection = channel.connection
    self.prefetch = prefetch
    self.configuration = configuration
    self.replies = replies
    self.interrupted = interrupted
    self.children = children
    self.handler = handler
    self.triage = RPCRequestTriage(maximumBodyBytes: configuration.maximumBodyBytes, worker: name)
    self.onEvent = onEvent
    self.onNotice = onNotice
    self.observer = RPCWorkerObserver(
      configuration: configuration, worker: "\(configuration.serverName)/w\(id)")
  }

  /// Opens the worker's channel, sets its prefetch and starts consuming.
  static func start(
    id: Int, prefetch: UInt16, connection: AMQPConnection, configuration: RPCServerConfiguration,
    handler: RPCHandler, replies: ReplyPublisher,
    interrupted: NIOLockedValueBox<InterruptedRequests>, children: ChildTasks,
    onEvent: @escaping @Sendable (RPCServerEvent) -> Void,
    onNotice: @escaping @Sendable (RPCServerNotice) -> Void
  ) async throws -> RPCWorker {
    let channel = try await connection.openChannel()
    try await channel.basicQos(prefetchCount: prefetch)
    let worker = RPCWorker(
      id: id, channel: channel, prefetch: prefetch, configuration: configuration,
      handler: handler, replies: replies, interrupted: interrupted, children: children,
      onEvent: onEvent, onNotice: onNotice)
    try await worker.startConsuming()
    return worker
  }

  /// Whether the worker is consuming (not paused or stopped).
  var isConsuming: Bool { consumption.withLockedValue { $0.consumerTag != nil } }

  /// Starts a consumer; no-op when already consuming.
  func startConsuming() async throws {
    guard !isConsuming else { return }
    consumption.withLockedValue { $0.stayStopped = false }
    let tag = try await channel.consume(
      queue: configuration.queue, consumerTag: name,
      onDelivery: { [self] message in handle(message) },
      onEnd: { [self] error in
        guard let error else { return }  // our own cancel
        consumerEnded(error)
      })
    consumption.withLockedValue { $0.consumerTag = tag }
    record.withLockedValue { $0.activity = .consuming }
  }

  /// The broker ended the consumer: it cancelled it (the queue was deleted; consumer
  /// timeout) or closed its channel. Unless the worker is being stopped, it declares the
  /// queue again and consumes once more, visibly: never left consuming nothing.
  private func consumerEnded(_ error: AMQPError) {
    let restore = consumption.withLockedValue { consumption in
      consumption.consumerTag = nil
      return !consumption.stayStopped
    }
    let restorable: Bool =
      switch error.code {
      case .consumerCancelled, .channelClosedByServer: restore
      default: false  // the connection closed for good
      }
    if error.code != .consumerCancelled { linkLost() }
    guard restorable else {
      configuration.logger.warning("worker \(name) stopped: \(error)")
      record.withLockedValue { $0.activity = .stopped }
      return
    }
    let reason =
      error.code == .consumerCancelled
      ? "consumer cancelled by the broker (queue deleted?)" : error.message
    configuration.logger.warning("worker \(name) lost its consumer, restoring: \(error)")
    record.withLockedValue { $0.activity = .restoring(reason: reason) }
    onNotice(.consumerLost(worker: name, reason: reason))
    children.spawn { [self] in await restoreConsumer() }
  }

  /// Declares the queue (adopting it if it is back) and consumes again, on a new channel if
  /// the old one is closed; retries with backoff (0.5 s doubling to 5 s) until it works or
  /// the worker is stopped.
  private func restoreConsumer() async {
    var delay = Duration.milliseconds(500)
    while !consumption.withLockedValue({ $0.stayStopped }) {
      do {
        if await !channel.isOpen() {
          let replacement = try await connection.openChannel()
          try await replacement.basicQos(prefetchCount: prefetch)
          channelBox.withLockedValue { $0 = replacement }
        }
        let queue = try await RPCQueueSetup.adoptOrDeclare(
          configuration.queue, type: configuration.queueType, connection: connection)
        try await startConsuming()
        configuration.logger.info("worker \(name) consuming again")
        onNotice(.consumerRestored(worker: name, queueDeclared: queue.declaredType != nil))
        return
      } catch {
        configuration.logger.warning(
          "worker \(name) cannot consume yet", metadata: ["error": "\(error)"])
        try? await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(5))
      }
    }
  }

  /// Stops taking new requests and returns once the ones already delivered are answered and
  /// acknowledged, or once `gracePeriod` has passed: then those still held are rejected with
  /// requeue (nothing is lost) and their answers, if they come, are dropped. Returns how many
  /// were requeued. The channel stays open, so ``startConsuming()`` resumes. Shows as
  /// stopping meanwhile, whether or not it was consuming (a paused worker can still hold
  /// requests while its pause drains).
  @discardableResult
  func stopConsuming(then activity: WorkerRecord.Activity, gracePeriod: Duration? = nil) async
    -> Int
  {
    let tag = consumption.withLockedValue { consumption in
      defer {
        consumption.consumerTag = nil
        consumption.stayStopped = true
      }
      return consumption.consumerTag
    }
    var requeued = 0
    record.withLockedValue { $0.activity = .stopping }
    // After cancel-ok no more deliveries come; then wait for those still being answered.
    if let tag { try? await channel.cancel(consumerTag: tag) }
    if await !waitUntilDrained(within: gracePeriod) {
      requeued = consumption.withLockedValue { consumption in
        consumption.abandoned = true
        defer { consumption.outstanding = 0 }
        return consumption.outstanding
      }
      record.withLockedValue { $0.abandonComputations(now: .now()) }
      held.withLockedValue { $0.forgetIDs() }  // requeued: no longer here
      // Tag 0 with multiple: every unacknowledged delivery on the channel (AMQP 0-9-1
      // basic.ack/nack "multiple" rule; basic.nack is RabbitMQ's extension).
      try? await channel.nack(deliveryTag: 0, multiple: true, requeue: true)
      configuration.logger.warning(
        "worker \(name): \(requeued) request(s) still held after the drain timeout requeued")
    }
    record.withLockedValue { $0.activity = activity }
    return requeued
  }

  /// Waits until no delivered request is outstanding (true), or `gracePeriod` passes (false).
  private func waitUntilDrained(within gracePeriod: Duration?) async -> Bool {
    await withCheckedContinuation { (drained: CheckedContinuation<Bool, Never>) in
      // The key of the wait registered, or, with none, whether it is drained already.
      let (key, drainedNow) = consumption.withLockedValue { consumption -> (Int?, Bool) in
        if consumption.outstanding == 0 { return (nil, true) }
        if consumption.drainCutShort { return (nil, false) }
        consumption.nextDrainKey += 1
        consumption.drained[consumption.nextDrainKey] = drained
        return (consumption.nextDrainKey, false)
      }
      guard let key else { return drained.resume(returning: drainedNow) }
      guard let gracePeriod else { return }
      connection.eventLoop.scheduleTask(in: gracePeriod.timeAmount) { [self] in
        let waiter = consumption.withLockedValue { $0.drained.removeValue(forKey: key) }
        waiter?.resume(returning: false)
      }
    }
  }

  /// Ends this worker's drain now and from now on, as if its grace period had passed: what
  /// it holds goes back to the queue.
  func cutDrainShort() {
    let waiters = consumption.withLockedValue { consumption in
      consumption.drainCutShort = true
      defer { consumption.drained = [:] }
      return Array(consumption.drained.values)
    }
    for waiter in waiters { waiter.resume(returning: false) }
  }

  /// Closes the channel; anything delivered but unacknowledged goes back to the queue.
  func close() async {
    try? await channel.close()
    record.withLockedValue { $0.activity = .stopped }
  }

  /// Requests delivered and not yet acknowledged (or rejected).
  var unacknowledged: Int { consumption.withLockedValue { $0.outstanding } }

  func snapshot(now: NIODeadline) -> RPCWorkerStats {
    let unacknowledged = self.unacknowledged
    var stats = record.withLockedValue {
      $0.snapshot(id: id, name: name, prefetch: prefetch, held: unacknowledged, now: now)
    }
    stats.heldCorrelationIDs = held.withLockedValue { $0.correlationIDs }
    stats.endpoint = connection.endpoint
    stats.connected = linkUp.withLockedValue { $0 }
    return stats
  }

  /// Handles one request on the event loop.
  private func handle(_ message: AMQPMessage) {
    consumption.withLockedValue { $0.outstanding += 1 }
    let started = NIODeadline.now()
    let receivedWall = WallClock.microsecondsSinceEpoch()
    let properties = message.properties
    let correlationID = properties.correlationID ?? ""
    observer.delivered()
    let request = Request(
      deliveryTag: message.deliveryTag, linkEpoch: linkEpoch.withLockedValue { $0 },
      properties: properties, started: started, receivedWall: receivedWall,
      span: observer.tracer.map { observer.startSpan($0, message, endpoint: connection.endpoint) })
    let decision =
      holding(message).map { .reject(reason: $0) }
      ?? triage.decide(
        properties: properties, body: message.body, redelivered: message.redelivered,
        receivedWall: receivedWall)
    switch decision {
    case .reject(let reason):
      configuration.logger.warning("\(reason)", metadata: ["correlationID": "\(correlationID)"])
      finish(started, correlationID: correlationID, n: nil, outcome: .rejected(reason: reason))
      RPCWorkerObserver.failed(request.span, errorType: "rejected", message: reason)
      request.span?.end()
      released(message.deliveryTag, settled: true)
      channel.rejectWithFuture(deliveryTag: message.deliveryTag).whenComplete { [self] _ in
        settled()
      }
    case .refuse(let kind, let message, let replyTo):
      answer(request, replyTo: replyTo, n: nil, .error(kind, message: message))
    case .handle(let served):
      let n = handler.requestNumber?(served.body)
      record.withLockedValue {
        $0.began(.init(n: n, correlationID: correlationID, since: started))
      }
      run(served, for: request, n: n)
    }
  }

  /// Runs the handler on `served` and answers `request` with what it returned (or threw, as
  /// an error reply), on the event loop. An answer ready at once goes out in place, with no
  /// closure or future made for it (the fast path).
  private func run(_ served: RPCServerRequest, for request: Request, n: Int?) {
    let replyTo = served.replyTo
    switch handler.body {
    case .synchronous(let handle):
      let content = RPCWorkerObserver.withContext(of: request.span) {
        Self.content { try handle(served) }
      }
      answer(request, replyTo: replyTo, n: n, content)
    case .inlineOrLater(let handle):
      let handled = Result {
        try RPCWorkerObserver.withContext(of: request.span) {
          try handle(served, connection.eventLoop)
        }
      }
      switch handled {
      case .success(.now(let response)):
        answer(request, replyTo: replyTo, n: n, .response(response))
      case .success(.later(let future)):
        future.whenComplete { [self] result in
          answer(request, replyTo: replyTo, n: n, Self.content { try result.get() })
        }
      case .failure(let error):
        answer(request, replyTo: replyTo, n: n, Self.errorContent(error))
      }
    case .eventLoopFuture(let handle):
      RPCWorkerObserver.withContext(of: request.span) {
        handle(served, connection.eventLoop)
      }.whenComplete { [self] result in
        answer(request, replyTo: replyTo, n: n, Self.content { try result.get() })
      }
    case .asynchronous(let handle):
      let eventLoop = connection.eventLoop
      let span = request.span
      let spawned = children.spawn { [self] in
        let content = await RPCWorkerObserver.withContext(of: span) {
          await Self.asyncContent { try await handle(served) }
        }
        eventLoop.execute { self.answer(request, replyTo: replyTo, n: n, content) }
      }
      // Only after the server's shutdown, which drains the workers first.
      if !spawned {
        answer(
          request, replyTo: replyTo, n: n,
          .error(.handlerFailed, message: "the server is shutting down"))
      }
    }
  }

  /// A handler's answer, or its error as an error reply.
  private static func content(_ body: () throws -> RPCServerResponse)
    -> RPCRequestTriage.ReplyContent
  {
    do { return .response(try body()) } catch { return errorContent(error) }
  }

  private static func asyncContent(_ body: () async throws -> RPCServerResponse) async
    -> RPCRequestTriage.ReplyContent
  {
    do { return .response(try await body()) } catch { return errorContent(error) }
  }

  /// An ``RPCHandlerError`` as it was thrown; any other error as
  /// ``RPCServerErrorKind/handlerFailed`` with its description (at most 1,024 bytes).
  static func errorContent(_ error: any Error) -> RPCRequestTriage.ReplyContent {
    if let error = error as? RPCHandlerError { return .error(error.kind, message: error.message) }
    var text = String(describing: error)
    if text.utf8.count > 1_024 { text = String(decoding: text.utf8.prefix(1_024), as: UTF8.self) }
    return .error(.handlerFailed, message: text)
  }

  private struct Request: Sendable {
    var deliveryTag: UInt64
    /// The worker's link (``linkEpoch``) the request came on.
    var linkEpoch: Int
    /// The request's properties: the reply echoes its `correlation_id` exactly.
    var properties: AMQPBasicProperties
    var started: NIODeadline
    var receivedWall: Int64
    /// The request's span, from its delivery to its reply's verdict; `nil` when tracing is
    /// off.
    var span: (any Span)?
  }

  /// Publishes the reply, and acknowledges the request once the broker has confirmed the
  /// reply; rejects it without requeue when the broker refused the reply (see
  /// ``ReplyPublisher``).
  private func answer(
    _ request: Request, replyTo: String, n: Int?, _ content: RPCRequestTriage.ReplyContent
  ) {
    // Requeued at the drain timeout: another worker answers it; this answer is dropped.
    guard consumption.withLockedValue({ !$0.abandoned }) else {
      observer.abandoned()
      RPCWorkerObserver.failed(
        request.span, errorType: "requeued", message: "requeued at the drain timeout")
      request.span?.end()
      return
    }
    // Its link is gone: the broker requeued it, so this answer is not sent (nor counted).
    guard request.linkEpoch == linkEpoch.withLockedValue({ $0 }) else {
      finish(
        request.started, correlationID: request.properties.correlationID ?? "", n: n,
        outcome: .interrupted)
      RPCWorkerObserver.failed(
        request.span, errorType: "interrupted", message: "the link that delivered it was lost")
      request.span?.end()
      released(request.deliveryTag, settled: false)
      return settled()
    }
    // Counted before the reply leaves, so whoever sees the reply also sees the count.
    finish(
      request.started, correlationID: request.properties.correlationID ?? "", n: n,
      outcome: Self.outcome(content))
    if let span = request.span, case .error(let kind, let message) = content {
      RPCWorkerObserver.failed(span, errorType: kind.errorType, message: message)
    }
    let (properties, body) = RPCRequestTriage.reply(
      content, to: request.properties, worker: name, receivedWall: request.receivedWall,
      repliedWall: WallClock.microsecondsSinceEpoch())
    replies.send(
      ReplyPublisher.Reply(
        body: body, routingKey: replyTo, properties: properties,
        settle: { [self] verdict in replySettled(verdict, request: request, replyTo: replyTo) }))
  }

  /// How a reply's content is counted.
  private static func outcome(_ content: RPCRequestTriage.ReplyContent) -> RPCServerEvent.Outcome {
    switch content {
    case .response(let response):
      let bytes = response.body.readableBytesView
      return .answered(value: String(decoding: bytes.prefix(64), as: UTF8.self))
    case .error(let kind, let message): return .refused(kind, message: message)
    }
  }

  /// The broker's verdict on a request's reply, on the event loop: ack, reject, or leave.
  private func replySettled(_ verdict: ReplyPublisher.Verdict, request: Request, replyTo: String) {
    released(request.deliveryTag, settled: verdict.settlesTheRequest)
    if let span = request.span {
      switch verdict {
      case .accepted: break
      case .refused(let error):
        RPCWorkerObserver.failed(span, errorType: "reply_refused", message: error.message)
      case .dropped:
        RPCWorkerObserver.failed(span, errorType: "reply_dropped", message: "reply not confirmed")
      }
      span.end()
    }
    // Requeued at the drain timeout meanwhile: the delivery tag is no longer ours.
    guard let drained = settle() else { return }
    switch verdict {
    case .accepted:
      do {
        try channel.ackOnEventLoop(deliveryTag: request.deliveryTag)
      } catch {
        // The channel is gone: the broker requeues the request; nothing more to do here.
        configuration.logger.debug("ack failed", metadata: ["error": "\(error)"])
      }
    case .refused(let error):
      let refusal = RefusedReply(
        worker: name, correlationID: request.properties.correlationID ?? "", replyTo: replyTo,
        reason: error.replyText.map { "\(error.replyCode.map(String.init) ?? "") \($0)" }
          ?? error.message)
      configuration.logger.warning(
        "reply refused by the broker; request rejected without requeue",
        metadata: [
          "worker": "\(name)", "correlationID": "\(refusal.correlationID)",
          "replyTo": "\(replyTo)", "reason": "\(refusal.reason)",
        ])
      onNotice(.replyRefused(refusal))
      _ = channel.rejectWithFuture(deliveryTag: request.deliveryTag, requeue: false)
    case .dropped:
      break  // unacknowledged: it goes back to the queue when the channel closes
    }
    // A drain resumed here closes the channel on this loop after the ack or reject.
    for waiter in drained { waiter.resume(returning: true) }
  }

  /// One delivered request is done with; wakes a waiting drain when none is left.
  private func settled() {
    for waiter in settle() ?? [] { waiter.resume(returning: true) }
  }

  /// Counts one delivered request as done with, in one lock: `nil` when the drain already
  /// requeued it (its answer must not go out), else the drains to wake (when none is left).
  private func settle() -> [CheckedContinuation<Bool, Never>]? {
    consumption.withLockedValue { consumption in
      guard !consumption.abandoned else { return nil }
      consumption.outstanding -= 1
      guard consumption.outstanding == 0 else { return [] }
      defer { consumption.drained = [:] }
      return Array(consumption.drained.values)
    }
  }

  private func finish(
    _ started: NIODeadline, correlationID: String, n: Int?, outcome: RPCServerEvent.Outcome
  ) {
    let now = NIODeadline.now()
    let service = now - started
    observer.finished(outcome, after: service)
    record.withLockedValue { record in
      switch outcome {
      case .answered:
        record.processed += 1
        record.service.record(microseconds: service.nanoseconds / 1_000)
      case .refused(.expired, _): record.expired += 1
      case .refused: record.errors += 1
      case .rejected: record.rejected += 1
      case .interrupted: record.interrupted += 1
      }
      record.handledRate.record(now)
      record.ended(correlationID: correlationID, since: started, now: now)
    }
    onEvent(
      RPCServerEvent(
        worker: name, correlationID: correlationID, n: n, outcome: outcome,
        service: service.duration))
  }
}
