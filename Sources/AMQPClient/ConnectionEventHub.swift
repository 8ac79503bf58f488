import AMQPProtocol
import NIOConcurrencyHelpers

/// Hands connection events to every subscriber (each ``AMQPConnection/events()`` stream) and
/// to package listeners, and keeps what the public API reads without a hop to the event
/// loop (whether the link is up, the current endpoint, the broker's properties).
final class ConnectionEventHub: Sendable {
  struct Link: Sendable {
    var isOpen = false
    var endpoint = ""
    var serverProperties = AMQPFieldTable()
    var tuning = AMQPTuneParameters(channelMax: 0, frameMax: 4096, heartbeat: 0)
  }

  private struct State {
    var nextID = 0
    var subscribers: [Int: AsyncStream<AMQPConnectionEvent>.Continuation] = [:]
    var listeners: [@Sendable (AMQPConnectionEvent) -> Void] = []
    var finished = false
    var link = Link()
  }

  private let state = NIOLockedValueBox(State())

  /// A new stream of the events from now on; finishes when the connection closes for good.
  /// Keeps the newest 256 unread events.
  func subscribe() -> AsyncStream<AMQPConnectionEvent> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: AMQPConnectionEvent.self, bufferingPolicy: .bufferingNewest(256))
    let id = state.withLockedValue { state -> Int? in
      guard !state.finished else { return nil }
      state.nextID += 1
      state.subscribers[state.nextID] = continuation
      return state.nextID
    }
    guard let id else {
      continuation.finish()
      return stream
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
    }
    return stream
  }

  /// Calls `listener` with every event, on the connection's event loop, before subscribers'
  /// streams see it. It must not block.
  func addListener(_ listener: @escaping @Sendable (AMQPConnectionEvent) -> Void) {
    state.withLockedValue { $0.listeners.append(listener) }
  }

  func publish(_ event: AMQPConnectionEvent) {
    let (listeners, subscribers) = state.withLockedValue {
      ($0.listeners, Array($0.subscribers.values))
    }
    for listener in listeners { listener(event) }
    for subscriber in subscribers { subscriber.yield(event) }
  }

  func finish() {
    let subscribers = state.withLockedValue { state in
      state.finished = true
      state.link.isOpen = false
      defer { state.subscribers = [:] }
      return Array(state.subscribers.values)
    }
    for subscriber in subscribers { subscriber.finish() }
  }

  var link: Link { state.withLockedValue { $0.link } }

  func updateLink(_ body: (inout Link) -> Void) {
    state.withLockedValue { body(&$0.link) }
  }
}
