import AMQPProtocol
import NIOCore

/// Collects the header and body frames that follow a content-bearing method on one channel.
/// Each channel has its own, since frames of different channels may interleave.
struct ContentAssembly<Waiter> {
  /// The method the content belongs to.
  enum Carrier {
    case deliver(AMQPMethod.Basic.Deliver)
    case getOk(AMQPMethod.Basic.GetOk, Waiter)
    case returned(AMQPMethod.Basic.Return)
  }

  enum Step {
    case needMore
    case complete(Carrier, AMQPBasicProperties, ByteBuffer)
    case violation(String)
  }

  private enum State {
    case awaitingHeader(Carrier)
    case awaitingBody(Carrier, AMQPBasicProperties, expected: UInt64, body: ByteBuffer?)
  }

  private var state: State

  init(_ carrier: Carrier) {
    state = .awaitingHeader(carrier)
  }

  /// The carrier's waiter, if it is a `get-ok`, to fail it when the channel goes away.
  var waiter: Waiter? {
    switch state {
    case .awaitingHeader(let carrier), .awaitingBody(let carrier, _, _, _):
      if case .getOk(_, let waiter) = carrier { return waiter }
      return nil
    }
  }

  mutating func received(_ frame: AMQPFrame) -> Step {
    switch state {
    case .awaitingHeader(let carrier):
      guard case .header(_, let header) = frame else {
        return .violation("expected a content header, got \(frame.kindDescription)")
      }
      if header.bodySize == 0 { return .complete(carrier, header.properties, ByteBuffer()) }
      state = .awaitingBody(carrier, header.properties, expected: header.bodySize, body: nil)
      return .needMore
    case .awaitingBody(let carrier, let properties, let expected, let body):
      guard case .body(_, var slice) = frame else {
        return .violation("expected a content body frame, got \(frame.kindDescription)")
      }
      var accumulated: ByteBuffer
      if var body {
        // Drop the state's reference first, so the append does not copy the whole body.
        state = .awaitingBody(carrier, properties, expected: expected, body: nil)
        body.writeBuffer(&slice)
        accumulated = body
      } else if UInt64(slice.readableBytes) == expected {
        return .complete(carrier, properties, Self.ownStorage(slice))
      } else {
        // Reserve up to 1 MiB from the announced size; larger bodies grow as they arrive,
        // so a hostile size cannot make us allocate memory for bytes never sent.
        accumulated = ByteBuffer()
        accumulated.reserveCapacity(Int(min(expected, 1 << 20)))
        accumulated.writeBuffer(&slice)
      }
      let received = UInt64(accumulated.readableBytes)
      if received > expected {
        return .violation("body frames carry \(received) bytes, the header announced \(expected)")
      }
      if received == expected { return .complete(carrier, properties, accumulated) }
      state = .awaitingBody(carrier, properties, expected: expected, body: accumulated)
      return .needMore
    }
  }
}

extension ContentAssembly {
  /// A one-frame body: a view of the read buffer the frame was decoded from. A small body is
  /// copied into storage of its own, since a kept view (an RPC client keeps its last
  /// thousand replies; an application may keep any) pins the whole read buffer, up to 64 KiB
  /// for a few bytes, and NIO can then reuse none of its receive buffers: each read would
  /// allocate a fresh one. A body that fills most of its buffer stays a view (no copy).
  static func ownStorage(_ body: ByteBuffer) -> ByteBuffer {
    guard body.storageCapacity > 2 * body.readableBytes + 1_024 else { return body }
    return ByteBufferAllocator().buffer(buffer: body)
  }
}

extension AMQPFrame {
  var kindDescription: String {
    switch self {
    case .method(_, let method): method.name
    case .header: "a content header"
    case .body: "a content body frame"
    case .heartbeat: "a heartbeat"
    }
  }
}
