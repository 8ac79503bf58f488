import AMQPProtocol

/// What the application declared and consumed through a connection, in one place, so that
/// a recovering connection can replay it (exchanges, then queues, then bindings, then
/// consumers). Passive declarations change nothing and are not recorded.
public struct AMQPTopology: Sendable, Equatable {
  /// Declared exchanges by name.
  public internal(set) var exchanges: [String: AMQPMethod.Exchange.Declare] = [:]
  /// Declared queues by the name the broker confirmed (server-named ones included).
  public internal(set) var queues: [String: AMQPMethod.Queue.Declare] = [:]
  /// Queue bindings, in declaration order.
  public internal(set) var queueBindings: [AMQPMethod.Queue.Bind] = []
  /// Exchange-to-exchange bindings, in declaration order.
  public internal(set) var exchangeBindings: [AMQPMethod.Exchange.Bind] = []
  /// Active consumers by tag, with the channel they run on.
  public internal(set) var consumers: [String: RecordedConsumer] = [:]
  /// The queues whose names the broker chose (declared with an empty name): recovery
  /// declares them with an empty name again, and they get new names.
  public internal(set) var serverNamedQueues: Set<String> = []

  /// A consumer as started.
  public struct RecordedConsumer: Sendable, Equatable {
    public var channelID: UInt16
    public var consume: AMQPMethod.Basic.Consume
  }

  public init() {}

  /// Records what `request` changed; `reply` is `nil` for a no-wait request.
  mutating func record(_ request: AMQPMethod, reply: AMQPMethod?) {
    switch (request, reply) {
    case (.exchangeDeclare(let declare), _) where !declare.passive:
      exchanges[declare.exchange] = declare
    case (.exchangeDelete(let delete), _):
      exchanges[delete.exchange] = nil
      exchangeBindings.removeAll {
        $0.source == delete.exchange || $0.destination == delete.exchange
      }
      queueBindings.removeAll { $0.exchange == delete.exchange }
    case (.queueDeclare(let declare), .queueDeclareOk(let ok)) where !declare.passive:
      var recorded = declare
      recorded.queue = ok.queue
      queues[ok.queue] = recorded
      if declare.queue.isEmpty { serverNamedQueues.insert(ok.queue) }
    case (.queueDeclare(let declare), nil) where !declare.passive && !declare.queue.isEmpty:
      queues[declare.queue] = declare  // no-wait: the name is the one asked for
    case (.queueDelete(let delete), _):
      queues[delete.queue] = nil
      serverNamedQueues.remove(delete.queue)
      queueBindings.removeAll { $0.queue == delete.queue }
    case (.queueBind(let bind), _):
      if !queueBindings.contains(bind) { queueBindings.append(bind) }
    case (.queueUnbind(let unbind), _):
      queueBindings.removeAll {
        $0.queue == unbind.queue && $0.exchange == unbind.exchange
          && $0.routingKey == unbind.routingKey && $0.arguments == unbind.arguments
      }
    case (.exchangeBind(let bind), _):
      if !exchangeBindings.contains(bind) { exchangeBindings.append(bind) }
    case (.exchangeUnbind(let unbind), _):
      exchangeBindings.removeAll {
        $0.source == unbind.source && $0.destination == unbind.destination
          && $0.routingKey == unbind.routingKey && $0.arguments == unbind.arguments
      }
    default:
      break
    }
  }

  mutating func consumerStarted(channelID: UInt16, consume: AMQPMethod.Basic.Consume, tag: String) {
    var recorded = consume
    recorded.consumerTag = tag
    consumers[tag] = RecordedConsumer(channelID: channelID, consume: recorded)
  }

  /// Applies the new names recovery gave server-named queues (old name → new name) to the
  /// queues, bindings and consumers.
  mutating func renameQueues(_ renames: [String: String]) {
    guard !renames.isEmpty else { return }
    for (old, new) in renames {
      if var declare = queues.removeValue(forKey: old) {
        declare.queue = new
        queues[new] = declare
      }
      if serverNamedQueues.remove(old) != nil { serverNamedQueues.insert(new) }
    }
    for index in queueBindings.indices {
      if let new = renames[queueBindings[index].queue] { queueBindings[index].queue = new }
    }
    for (tag, consumer) in consumers {
      if let new = renames[consumer.consume.queue] { consumers[tag]?.consume.queue = new }
    }
  }

  mutating func consumerEnded(tag: String) {
    consumers[tag] = nil
  }

  mutating func channelClosed(_ channelID: UInt16) {
    consumers = consumers.filter { $0.value.channelID != channelID }
  }
}
