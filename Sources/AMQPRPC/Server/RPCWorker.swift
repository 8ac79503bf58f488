import AMQPClient
import AMQPProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One worker: a consumer of the request queue on its own channel, with `basic.qos`
/// prefetch, answering each request and acknowledging it after the reply is published. It
/// can pause (cancel its consumer after the requests it holds) and resume (consume again).
final class RPCWorker: Sendable {
  let id: Int
  let name: String
  let channel: AMQPChannel
  let prefetch: UInt16
  let configuration: RPCServerConfiguration
  let record = NIOLockedValueBox(WorkerRecord())
  private let serving = NIOLockedValueBox<(consumer: AMQPConsumer, task: Task<Void, Never>)?>(nil)
  private let onEvent: @Sendable (RPCServerEvent) -> Void

  private init(
    id: Int, channel: AMQPChannel, prefetch: UInt16, configuration: RPCServerConfiguration,
    onEvent: @escaping @Sendable (RPCServerEvent) -> Void
  ) {
    self.id = id
    self.name = "\(configuration.serverName)/w\(id)"
    self.channel = channel
    self.prefetch = prefetch
    self.configuration = configuration
    self.onEvent = onEvent
  }

  /// Opens the worker's channel, sets its prefetch and starts consuming.
  static func start(
    id: Int, prefetch: UInt16, connection: AMQPConnection, configuration: RPCServerConfiguration,
    onEvent: @escaping @Sendable (RPCServerEvent) -> Void
  ) async throws -> RPCWorker {
    let channel = try await connection.openChannel()
    try await channel.basicQos(prefetchCount: prefetch)
    let worker = RPCWorker(
      id: id, channel: channel, prefetch: prefetch, configuration: configuration, onEvent: onEvent)
    try await worker.startConsuming()
    return worker
  }

  /// Whether the worker is consuming (not paused or stopped).
  var isConsuming: Bool { serving.withLockedValue { $0 != nil } }

  /// Starts a consumer and a task serving it; no-op when already consuming.
  func startConsuming() async throws {
    guard !isConsuming else { return }
    let consumer = try await channel.consume(
      queue: configuration.queue, consumerTag: name,
      bufferSize: max(2, Int(prefetch) * 2))
    let task = Task { await serve(consumer) }
    serving.withLockedValue { $0 = (consumer, task) }
    record.withLockedValue { $0.activity = .idle }
  }

  /// Stops taking new requests and returns once the ones already delivered are answered and
  /// acknowledged. The channel stays open, so ``startConsuming()`` resumes.
  func stopConsuming(then activity: WorkerRecord.Activity) async {
    guard let current = serving.withLockedValue({ $0 }) else {
      record.withLockedValue { $0.activity = activity }
      return
    }
    record.withLockedValue { $0.activity = .stopping }
    try? await current.consumer.cancel()
    await current.task.value
    serving.withLockedValue { $0 = nil }
    record.withLockedValue { $0.activity = activity }
  }

  /// Closes the channel; anything delivered but unacknowledged goes back to the queue.
  func close() async {
    try? await channel.close()
    record.withLockedValue { $0.activity = .stopped }
  }

  /// Serves until the consumer ends (cancelled by us or the broker, or connection lost).
  private func serve(_ consumer: AMQPConsumer) async {
    let parser = RPCRequestParser(
      maximumN: configuration.maximumN, maximumBodyBytes: configuration.maximumBodyBytes)
    do {
      for try await message in consumer {
        try await handle(message, parser: parser)
      }
    } catch {
      configuration.logger.warning("worker \(name) stopped: \(error)")
      record.withLockedValue { $0.activity = .stopped }
    }
  }

  func snapshot(now: NIODeadline) -> RPCWorkerStats {
    record.withLockedValue { $0.snapshot(id: id, name: name, prefetch: prefetch, now: now) }
  }

  private func handle(_ message: AMQPMessage, parser: RPCRequestParser) async throws {
    let started = NIODeadline.now()
    let receivedWall = WallClock.microsecondsSinceEpoch()
    let properties = message.properties
    let correlationID = properties.correlationID ?? ""
    guard let replyTo = properties.replyTo, !replyTo.isEmpty else {
      // Nowhere to answer: reject without requeue so it cannot loop, and say so.
      let reason = "request without reply_to rejected"
      configuration.logger.warning("\(reason)", metadata: ["correlationID": "\(correlationID)"])
      finish(started, correlationID: correlationID, n: nil, outcome: .rejected(reason: reason))
      try await channel.reject(deliveryTag: message.deliveryTag, requeue: false)
      return
    }
    let outcome: RPCServerEvent.Outcome
    var n: Int?
    if let deadline = properties.headers?[RPCWire.deadlineHeader]?.intValue, receivedWall > deadline
    {
      outcome = .refused(
        .expired,
        message: "deadline passed \((receivedWall - deadline) / 1_000) ms before work began")
    } else {
      switch parser.parse(Array(message.body.readableBytesView)) {
      case .failure(let refusal):
        outcome = .refused(refusal.kind, message: refusal.message)
      case .success(let value):
        n = value
        record.withLockedValue {
          $0.activity = .busy(n: value, correlationID: correlationID, since: started)
          $0.busy.began(started)
        }
        let mode = configuration.work
        // Cheap work runs inline; recursive fib of larger n goes to the thread pool so it
        // never holds a thread of the concurrency pool for long.
        let result =
          mode == .iterative || value <= Self.inlineRecursiveLimit
          ? fibonacci(value, mode: mode)
          : try await NIOThreadPool.singleton.runIfActive { fibonacci(value, mode: mode) }
        outcome = .answered(value: result)
      }
    }
    // Counted before the reply leaves, so whoever sees the reply also sees the count.
    finish(started, correlationID: correlationID, n: n, outcome: outcome)
    // Both go to the event loop in this order, so the ack follows the reply on the wire;
    // waiting once (for the ack) is enough.
    reply(outcome, to: replyTo, correlationID: correlationID, received: receivedWall)
    try await channel.ackWithFuture(deliveryTag: message.deliveryTag).get()
  }

  /// Recursive fib up to this n takes microseconds; it is computed inline.
  static let inlineRecursiveLimit = 20

  private func reply(
    _ outcome: RPCServerEvent.Outcome, to replyTo: String, correlationID: String, received: Int64
  ) {
    var headers: AMQPFieldTable = [
      RPCWire.workerHeader: .string(name),
      RPCWire.receivedHeader: .int64(received),
    ]
    let body: ByteBuffer
    switch outcome {
    case .answered(let value):
      body = ByteBuffer(string: String(value))
    case .refused(let kind, let message):
      headers[RPCWire.errorHeader] = .string(message)
      headers[RPCWire.errorKindHeader] = .string(kind.rawValue)
      body = ByteBuffer()
    case .rejected:
      return
    }
    headers[RPCWire.repliedHeader] = .int64(WallClock.microsecondsSinceEpoch())
    _ = channel.publishWithFuture(
      body, routingKey: replyTo,
      properties: AMQPBasicProperties(
        headers: headers, correlationID: correlationID.isEmpty ? nil : correlationID))
  }

  private func finish(
    _ started: NIODeadline, correlationID: String, n: Int?, outcome: RPCServerEvent.Outcome
  ) {
    let now = NIODeadline.now()
    let service = now - started
    record.withLockedValue { record in
      switch outcome {
      case .answered:
        record.processed += 1
        record.service.record(microseconds: service.nanoseconds / 1_000)
      case .refused(.expired, _): record.expired += 1
      case .refused: record.errors += 1
      case .rejected: record.rejected += 1
      }
      record.handledRate.record(now)
      record.busy.ended(now)
      if case .busy = record.activity { record.activity = .idle }
    }
    onEvent(
      RPCServerEvent(
        worker: name, correlationID: correlationID, n: n, outcome: outcome, service: service))
  }
}
