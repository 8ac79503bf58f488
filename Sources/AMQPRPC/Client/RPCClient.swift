import AMQPClient
import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The client side of RPC over AMQP: one callback queue, many calls in flight.
///
/// Requests go to ``RPCClientConfiguration/queue`` through the default exchange with
/// `reply_to` set to the callback queue and a unique `correlation_id`; the body is n as
/// decimal text, so any tutorial-six server answers. Replies are matched by correlation id;
/// late, unknown and duplicate replies are counted and discarded.
///
/// The client follows its connection's recovery: calls in flight when the link is lost end
/// as ``RPCError/Code/connectionLost`` (idempotent ones are sent again with the same
/// correlation id); calls made while it is down, or while the broker blocks publishers,
/// wait within their own timeout; requests after recovery name the new callback queue. If the
/// broker cancels the reply consumer (its queue was deleted) a new callback queue replaces
/// it. ``events()`` reports each of these as ``RPCClientEvent/link(_:)``.
public final class RPCClient: Sendable {
  /// The connection the client uses.
  public let connection: AMQPConnection
  /// The client's settings.
  public let configuration: RPCClientConfiguration
  /// The queue replies arrive on now (`amq.rabbitmq.reply-to` in Direct Reply-to mode); a
  /// server-named queue gets a new name when it is declared again after a lost link.
  public var callbackQueue: String { state.withLockedValue { $0.replyTo } }
  let channel: AMQPChannel
  let consumerTag = NIOLockedValueBox<String?>(nil)
  let state: NIOLockedValueBox<RPCClientState>
  /// Correlation ids are this prefix, a dash and a counter (`3f9a1c2e-17`).
  let idPrefix: String
  private let idPrefixAndDash: String
  let idCounter = NIOLockedValueBox<UInt64>(0)
  let probe = NIOLockedValueBox<AMQPChannel?>(nil)
  /// When each queue called was last seen with a consumer (see ``RPCNoResponders``).
  let respondersSeen = NIOLockedValueBox<[String: NIODeadline]>([:])
  /// The client's background work (returned requests, a callback queue being replaced).
  let children = ChildTasks()
  /// The client's spans and metrics.
  let observer: RPCClientObserver

  private init(
    connection: AMQPConnection, configuration: RPCClientConfiguration, channel: AMQPChannel,
    callbackQueue: String
  ) {
    self.connection = connection
    self.configuration = configuration
    self.channel = channel
    var state = RPCClientState(replyTo: callbackQueue)
    state.recentlyEndedLimit = min(
      max(0, configuration.recentlyEndedLimit), RPCClientStats.recentLimit)
    self.state = NIOLockedValueBox(state)
    self.idPrefix = Self.hex(UInt32.random(in: 0...UInt32.max))
    self.idPrefixAndDash = idPrefix + "-"
    self.observer = RPCClientObserver(configuration: configuration)
  }

  /// Opens a channel, sets up the callback queue and starts receiving replies.
  public static func start(
    connection: AMQPConnection, configuration: RPCClientConfiguration = RPCClientConfiguration()
  ) async throws -> RPCClient {
    let channel = try await connection.openChannel()
    let callbackQueue: String
    if configuration.directReplyTo {
      // Direct Reply-to: consume the pseudo-queue with no-ack, on the publishing channel,
      // before the first publish.
      callbackQueue = RPCWire.directReplyTo
    } else {
      callbackQueue = try await channel.queueDeclare(exclusive: true, autoDelete: true).name
    }
    let client = RPCClient(
      connection: connection, configuration: configuration, channel: channel,
      callbackQueue: callbackQueue)
    connection.addEventListener { [weak client] event in client?.linkChanged(event) }
    do {
      try await client.consumeReplies(from: callbackQueue)
      let returns = try await channel.returnedMessages()
      client.children.spawn { await client.receiveReturns(returns) }
    } catch {
      await client.children.close()
      throw error
    }
    configuration.logger.info("rpc client ready", metadata: ["callbackQueue": "\(callbackQueue)"])
    return client
  }

  /// Calls fib(n) and waits for the reply: the body is n as decimal text (`text/plain`),
  /// what every tutorial-six server reads; ``RPCReply/value`` holds fib(n).
  ///
  /// - Throws: ``RPCError`` (timed out, server error, unroutable, connection lost), or
  ///   `CancellationError` when the task is cancelled.
  ///
  /// The timeout travels with the request (`expiration` and the deadline header) so that the
  /// broker and the server drop it once it is stale; `propagateDeadline: false` leaves both
  /// out, so a server answers even after the caller gave up (the "late reply" demo). `nil`
  /// takes ``RPCClientConfiguration/propagatesDeadlines``.
  ///
  /// An `idempotent` call (one the server may safely run twice) that is in flight when the
  /// link is lost is sent again, with the same correlation id, once the link is back; the
  /// first reply to either completes it and a second one is discarded as a duplicate.
  public func fibonacci(
    _ n: Int, timeout: Duration? = nil, idempotent: Bool = false, propagateDeadline: Bool? = nil
  ) async throws -> RPCReply {
    try await call(
      RPCRequestContent(body: RPCWire.requestBuffer(n), contentType: "text/plain", n: n),
      timeout: timeout, propagateDeadline: propagateDeadline, idempotent: idempotent)
  }

  /// Calls the procedure behind `queue` (``RPCClientConfiguration/queue`` when `nil`) with
  /// `body` and waits for the reply; ``RPCReply/body`` and ``RPCReply/properties`` hold it as
  /// it came.
  ///
  /// - Parameters:
  ///   - body: The request body, sent as it is.
  ///   - queue: The queue to call, through the default exchange (the routing key).
  ///   - contentType: The request's `content_type` (a MIME type), if any.
  ///   - headers: Headers to send; the deadline header is added when the deadline travels.
  ///   - timeout: How long to wait; ``RPCClientConfiguration/timeout`` when `nil`.
  ///   - idempotent: See ``fibonacci(_:timeout:idempotent:propagateDeadline:)``.
  ///   - propagateDeadline: See ``fibonacci(_:timeout:idempotent:propagateDeadline:)``.
  /// - Throws: ``RPCError`` — a thrown handler error arrives as
  ///   ``RPCError/Code/serverError`` — or `CancellationError` when the task is cancelled.
  public func call(
    _ body: ByteBuffer, to queue: String? = nil, contentType: String? = nil,
    headers: AMQPFieldTable = [:], timeout: Duration? = nil, idempotent: Bool = false,
    propagateDeadline: Bool? = nil
  ) async throws -> RPCReply {
    try await call(
      RPCRequestContent(body: body, queue: queue, contentType: contentType, headers: headers),
      timeout: timeout, propagateDeadline: propagateDeadline, idempotent: idempotent)
  }

  /// Calls with `text` as the body (UTF-8, `text/plain`); see
  /// ``call(_:to:contentType:headers:timeout:idempotent:propagateDeadline:)-(ByteBuffer,_,_,_,_,_,_)``.
  /// ``RPCReply/value`` is the reply as text.
  public func call(
    _ text: String, to queue: String? = nil, headers: AMQPFieldTable = [:],
    timeout: Duration? = nil, idempotent: Bool = false, propagateDeadline: Bool? = nil
  ) async throws -> RPCReply {
    try await call(
      ByteBuffer(string: text), to: queue, contentType: "text/plain", headers: headers,
      timeout: timeout, idempotent: idempotent, propagateDeadline: propagateDeadline)
  }

  /// Calls with `request` encoded by `coder` (JSON by default, with its `content_type`) and
  /// decodes the reply as `Response`.
  ///
  /// ```swift
  /// let total = try await client.call(Sum(a: 1, b: 2), returning: Total.self, to: "adder")
  /// ```
  ///
  /// - Throws: ``RPCError``, or `CancellationError`; a reply that does not decode as
  ///   `Response` throws the coder's error (a `DecodingError` for JSON) — the call itself
  ///   succeeded, and the client's stats count it as ok.
  public func call<Request: Encodable, Response: Decodable>(
    _ request: Request, returning: Response.Type, to queue: String? = nil,
    coder: some RPCCoder = JSONRPCCoder(), headers: AMQPFieldTable = [:],
    timeout: Duration? = nil, idempotent: Bool = false, propagateDeadline: Bool? = nil
  ) async throws -> Response {
    let reply = try await call(
      try coder.encode(request), to: queue, contentType: coder.contentType, headers: headers,
      timeout: timeout, idempotent: idempotent, propagateDeadline: propagateDeadline)
    return try coder.decode(Response.self, from: reply.body)
  }

  /// Sends `body` as it is, counted as a call for `n` (the screens' bad-input hook).
  package func call(
    body: String, n: Int? = nil, timeout: Duration? = nil, propagateDeadline: Bool? = nil
  ) async throws -> RPCReply {
    try await call(
      RPCRequestContent(body: ByteBuffer(string: body), n: n), timeout: timeout,
      propagateDeadline: propagateDeadline)
  }

  /// Calls with `text` as the body (UTF-8, `text/plain`), listed in the stats with `label`
  /// (the screens' raw mode: what they show for the request).
  package func call(
    _ text: String, label: String, timeout: Duration? = nil, propagateDeadline: Bool? = nil
  ) async throws -> RPCReply {
    try await call(
      RPCRequestContent(body: ByteBuffer(string: text), contentType: "text/plain", label: label),
      timeout: timeout, propagateDeadline: propagateDeadline)
  }

  private func call(
    _ request: RPCRequestContent, timeout: Duration?, propagateDeadline: Bool?,
    idempotent: Bool = false
  ) async throws -> RPCReply {
    let noResponders =
      configuration.noResponders == .fail
      ? await missingResponders(on: request.queue ?? configuration.queue) : nil
    let id = nextCorrelationID()
    let timeout = (timeout ?? configuration.timeout).timeAmount
    let propagateDeadline = propagateDeadline ?? configuration.propagatesDeadlines
    do {
      return try await withTaskCancellationHandler {
        try await withUnsafeThrowingContinuation { continuation in
          start(
            id: id, request, timeout: timeout, propagateDeadline: propagateDeadline,
            idempotent: idempotent, publishes: noResponders == nil,
            completion: .continuation(continuation))
          // Counted and reported like any call, and ended at once.
          if let noResponders { fail(id: id, code: .noResponders, message: noResponders) }
        }
      } onCancel: {
        fail(id: id, code: .cancelled, message: "the call was cancelled")
      }
    } catch let error as RPCError where error.code == .cancelled && Task.isCancelled {
      // Counted as cancelled in the stats; thrown as Swift concurrency's own error.
      throw CancellationError()
    }
  }

  /// Calls fib(n) and hands the outcome to `completion` instead of suspending: where replies
  /// arrive, on the connection's event loop (a timeout or failure may call it elsewhere). For
  /// load generators and event-driven code: no task, no hop per call. `completion` must not
  /// block; it may start the next call.
  ///
  /// `idempotent`: see ``fibonacci(_:timeout:idempotent:propagateDeadline:)``.
  public func fibonacci(
    _ n: Int, timeout: Duration? = nil, idempotent: Bool = false,
    completion: @escaping @Sendable (Result<RPCReply, RPCError>) -> Void
  ) {
    start(
      id: nextCorrelationID(),
      RPCRequestContent(body: RPCWire.requestBuffer(n), contentType: "text/plain", n: n),
      timeout: (timeout ?? configuration.timeout).timeAmount,
      propagateDeadline: configuration.propagatesDeadlines, idempotent: idempotent,
      completion: .callback(completion))
  }

  /// Calls with `body` (see the `async` form) and hands the outcome to `completion` instead
  /// of suspending, as ``fibonacci(_:timeout:idempotent:completion:)`` does for fib(n): the fast path for
  /// bulk callers of any procedure. (``RPCClientConfiguration/noResponders`` is not applied
  /// here: asking the broker would need a suspension.)
  public func call(
    _ body: ByteBuffer, to queue: String? = nil, contentType: String? = nil,
    headers: AMQPFieldTable = [:], timeout: Duration? = nil,
    completion: @escaping @Sendable (Result<RPCReply, RPCError>) -> Void
  ) {
    start(
      id: nextCorrelationID(),
      RPCRequestContent(body: body, queue: queue, contentType: contentType, headers: headers),
      timeout: (timeout ?? configuration.timeout).timeAmount,
      propagateDeadline: configuration.propagatesDeadlines, completion: .callback(completion))
  }

  /// A snapshot of the counters, the oldest calls in flight and the latency percentiles.
  public func stats() -> RPCClientStats {
    let now = NIODeadline.now()
    return state.withLockedValue { $0.snapshot(now: now) }
  }

  /// Everything that happens from now on: sends, completions, discards. One subscriber at a
  /// time (a new call replaces the previous stream); keeps the newest 10,000 unread events.
  public func events() -> AsyncStream<RPCClientEvent> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: RPCClientEvent.self, bufferingPolicy: .bufferingNewest(10_000))
    let previous = state.withLockedValue { state in
      defer { state.events = continuation }
      return state.events
    }
    previous?.finish()
    return stream
  }

  /// Publishes a reply with a correlation id that was never ours into our own callback
  /// queue, to show it being discarded as unknown. Returns that id.
  @discardableResult
  package func injectForeignReply() async throws -> String {
    guard !configuration.directReplyTo else {
      throw RPCError(
        code: .unroutable, message: "cannot publish to the Direct Reply-to pseudo-queue",
        correlationID: "")
    }
    let id = "foreign-" + Self.hex(UInt32.random(in: 0...UInt32.max))
    try await channel.publish(
      ByteBuffer(string: "0"), routingKey: callbackQueue, properties: .init(correlationID: id))
    return id
  }

  /// Stops receiving, fails every waiting call as cancelled and closes the channel.
  public func close() async throws {
    let pending = state.withLockedValue { state in
      state.closed = true
      state.timer?.cancel()
      return state.failAll(.cancelled, message: "the client closed", now: .now())
    }
    for (entry, error) in pending { entry.waiter.complete(.failure(error)) }
    if let tag = consumerTag.withLockedValue({ $0 }) { try? await channel.cancel(consumerTag: tag) }
    try? await channel.close()
    if let probe = probe.withLockedValue({ $0 }) { try? await probe.close() }
    await children.close()
    state.withLockedValue { $0.events?.finish() }
  }

  // MARK: - Calls

  private func nextCorrelationID() -> String {
    let number = idCounter.withLockedValue {
      $0 += 1
      return $0
    }
    return idPrefixAndDash + String(number)  // no interpolation machinery per call
  }

  private func start(
    id: String, _ request: RPCRequestContent, timeout: TimeAmount, propagateDeadline: Bool,
    idempotent: Bool = false, publishes: Bool = true, completion: CallWaiter.Completion
  ) {
    let now = NIODeadline.now()
    let deadline = now + timeout
    let sentWall = WallClock.microsecondsSinceEpoch()
    var properties = AMQPBasicProperties(
      contentType: request.contentType, headers: request.headers, correlationID: id)
    if propagateDeadline {
      var headers = request.headers ?? [:]
      headers[RPCWire.deadlineHeader] = .int64(sentWall + timeout.nanoseconds / 1_000)
      properties.headers = headers
      properties.expiration = String(max(1, timeout.nanoseconds / 1_000_000))
    }
    let routingKey = request.queue ?? configuration.queue
    // Tracing off: one branch. On: the span, its context in the headers (resends keep it).
    let span = observer.tracer.map {
      observer.startSpan(
        $0, id: id, routingKey: routingKey, bodySize: request.body.readableBytes,
        endpoint: connection.endpoint, properties: &properties)
    }
    var entry = PendingCallTable<CallWaiter>.Entry(
      id: id, n: request.n, label: request.label, sentAt: now, deadline: deadline,
      waiter: CallWaiter(
        completion: completion,
        request: RPCSentRequest(
          properties: properties, body: request.body, routingKey: routingKey,
          publishedAtMicroseconds: sentWall),
        idempotent: idempotent))
    if observer.isActive {
      entry.waiter.observation = RPCCallObservation(observer: observer, span: span, sentAt: now)
    }
    // Register before publishing, so even an instant reply finds its call.
    let (registered, isHeld, events) = state.withLockedValue {
      state -> (Bool, Bool, AsyncStream<RPCClientEvent>.Continuation?) in
      let holding = state.isHolding
      if holding {
        entry.waiter.request.sendCount = 0  // counted when the link takes it
      } else {
        properties.replyTo = state.replyTo
        entry.waiter.request.properties = properties  // the same box: one reference count
      }
      guard state.sending(entry) else { return (false, false, nil) }
      scheduleTimer(&state, for: deadline)
      if holding {
        // The link is down or the broker blocks publishers: it waits, its deadline running.
        state.held.append(
          HeldRequest(id: id, routingKey: routingKey, body: request.body, properties: properties))
        return (true, true, state.events)
      }
      return (true, false, state.events)
    }
    guard registered else {
      entry.waiter.completeUnsent(
        RPCError(code: .cancelled, message: "the client is closed", correlationID: id))
      return
    }
    observer.sent()
    events?.yield(.sent(correlationID: id))
    if case .continuation = completion, Task.isCancelled {
      fail(id: id, code: .cancelled, message: "the call was cancelled")
      return
    }
    if isHeld || !publishes { return }
    // On the event loop (a reply callback starting the next call) the request is published
    // in place; from elsewhere it is handed to the loop. No future either way.
    let eventLoop = connection.eventLoop
    if eventLoop.inEventLoop {
      publish(request.body, to: routingKey, properties: properties, id: id)
    } else {
      let ready = properties
      eventLoop.execute { [self] in
        publish(request.body, to: routingKey, properties: ready, id: id)
      }
    }
  }

  func publish(
    _ request: ByteBuffer, to routingKey: String, properties: AMQPBasicProperties, id: String
  ) {
    do {
      try channel.publishOnEventLoop(
        request, routingKey: routingKey, mandatory: configuration.mandatory,
        properties: properties)
    } catch let error where error.code == .reconnecting {
      // The link went down before this client heard of it: the request waits for it.
      hold(HeldRequest(id: id, routingKey: routingKey, body: request, properties: properties))
    } catch {
      fail(id: id, code: .connectionLost, message: "could not publish the request: \(error)")
    }
  }

  /// Ends a call without a reply, if it is still waiting.
  func fail(id: String, code: RPCError.Code, message: String) {
    let now = NIODeadline.now()
    let (failed, events) = state.withLockedValue { state in
      (state.fail(id: id, code: code, message: message, now: now), state.events)
    }
    guard let (entry, error) = failed else { return }
    events?.yield(.completed(correlationID: id, result: .failure(error)))
    entry.waiter.complete(.failure(error))
  }

  // MARK: - Timeouts

  /// Keeps one timer, set for the earliest deadline.
  private func scheduleTimer(_ state: inout RPCClientState, for deadline: NIODeadline) {
    if let current = state.timerDeadline, current <= deadline { return }
    state.timer?.cancel()
    state.timerDeadline = deadline
    state.timer = connection.eventLoop.scheduleTask(deadline: deadline) { [self] in
      expireCalls()
    }
  }

  private func expireCalls() {
    let now = NIODeadline.now()
    let (expired, events) = state.withLockedValue { state in
      state.timer = nil
      state.timerDeadline = nil
      let expired = state.expire(now: now)
      if let next = state.table.nextDeadline { scheduleTimer(&state, for: next) }
      return (expired, state.events)
    }
    for (entry, error) in expired {
      events?.yield(.completed(correlationID: entry.id, result: .failure(error)))
      entry.waiter.complete(.failure(error))
    }
  }
}
