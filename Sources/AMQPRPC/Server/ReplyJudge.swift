import AMQPClient
import DequeModule

/// Decides, from the broker's own answers, which reply the broker refused: pure (no I/O),
/// fed by ``ReplyPublisher`` with what happened to each reply and to its link, and tested as
/// transcripts.
///
/// Replies go out pipelined on a channel in confirm mode; each one's request is acknowledged
/// when the broker confirms it (basic.ack). When the link or the channel is lost, AMQP 0-9-1
/// says nothing about which publish caused it, and the replies still unconfirmed are only
/// *suspects*: the one the broker refused may be among them, or the network failed. So once
/// the link is back each suspect is published again *alone*, waiting for its verdict before
/// the next, while new replies wait: a suspect whose lone publish the broker answers by
/// closing the connection or the channel (any reply code but 320 CONNECTION_FORCED, which
/// is an operator's or a shutdown's) is refused, and only it; one that is confirmed is
/// accepted. A lone publish lost with the link (no close from the broker) stays a suspect.
/// The broker is the judge, not a syntax check of `reply_to`: RabbitMQ answers a Direct
/// Reply-to name it cannot resolve with 541 INTERNAL_ERROR on the connection
/// (rabbitmq/rabbitmq-server#3751), one whose consumer is on another channel with 406 on
/// the channel, and tomorrow's broker may refuse something else.
struct ReplyJudge<Reply> {
  /// What the publisher does next.
  enum Action {
    /// Publishes the reply; `alone` when it is a suspect judged by itself.
    case publish(Reply, alone: Bool)
    /// The broker took the reply: acknowledge its request.
    case accept(Reply)
    /// The broker refused the reply: reject its request without requeue, and say so.
    case refuse(Reply, AMQPError)
  }

  /// Whether replies can be published (the link and the channel are up, as far as known).
  private(set) var isLinkUp = true
  /// Unconfirmed when a link was lost, oldest first: each is published again alone.
  private var suspects: Deque<Reply> = []
  /// A suspect is out alone, waiting for its verdict.
  private var isJudging = false
  /// New replies held while the link is down or suspects are being judged, oldest first.
  private var held: Deque<Reply> = []

  /// Replies not yet settled and not out on the link (suspects and held ones).
  var waitingCount: Int { suspects.count + held.count }

  /// A new reply to publish.
  mutating func replyReady(_ reply: Reply) -> [Action] {
    guard isLinkUp, suspects.isEmpty, !isJudging else {
      held.append(reply)
      return []
    }
    return [.publish(reply, alone: false)]
  }

  /// The broker confirmed the reply (basic.ack).
  mutating func replyConfirmed(_ reply: Reply, alone: Bool) -> [Action] {
    guard alone else { return [.accept(reply)] }
    isJudging = false
    return [.accept(reply)] + next()
  }

  /// The broker rejected the reply (basic.nack: it could not take it, e.g. a full reply
  /// queue with `x-overflow: reject-publish`); sending it again would fail the same way.
  mutating func replyNacked(_ reply: Reply, alone: Bool, error: AMQPError) -> [Action] {
    guard alone else { return [.refuse(reply, error)] }
    isJudging = false
    return [.refuse(reply, error)] + next()
  }

  /// The reply's publish, or its link or channel, failed before a verdict.
  mutating func replyFailed(_ reply: Reply, alone: Bool, error: AMQPError) -> [Action] {
    isLinkUp = false
    guard alone else {
      suspects.append(reply)
      return []
    }
    isJudging = false
    if Self.isRefusal(error) { return [.refuse(reply, error)] }
    suspects.prepend(reply)  // lost with the link: judged again first
    return []
  }

  /// The link or the channel is known to be down (an event of the connection).
  mutating func linkLost() {
    isLinkUp = false
  }

  /// The link and the channel (in confirm mode) are back: suspects are judged one by one,
  /// then the held replies go out.
  mutating func linkRestored() -> [Action] {
    guard !isLinkUp else { return [] }
    isLinkUp = true
    guard !isJudging else { return [] }
    return next()
  }

  /// Everything not yet out, for a publisher that closes for good (its requests stay
  /// unacknowledged and go back to the queue with the workers' channels).
  mutating func drain() -> [Reply] {
    defer {
      suspects.removeAll()
      held.removeAll()
    }
    return Array(suspects) + Array(held)
  }

  /// The next suspect alone, or every held reply when no suspect is left.
  private mutating func next() -> [Action] {
    guard isLinkUp else { return [] }
    if let suspect = suspects.popFirst() {
      isJudging = true
      return [.publish(suspect, alone: true)]
    }
    defer { held.removeAll() }
    return held.map { .publish($0, alone: false) }
  }

  /// Whether `error` is the broker closing the connection or the channel because of what
  /// was sent: `connection.close`/`channel.close` with any reply code but 320
  /// CONNECTION_FORCED (AMQP 0-9-1 §1.9: an operator's close or a broker shutting down).
  static func isRefusal(_ error: AMQPError) -> Bool {
    guard error.code == .connectionClosedByServer || error.code == .channelClosedByServer
    else { return false }
    return error.replyCode != 320
  }
}
