import AMQPProtocol
import DequeModule
import NIOCore

/// One AMQP channel: its open/close lifecycle, the synchronous requests waiting for their
/// replies (in order), and the assembly of incoming content. Pure: events in, actions out.
///
/// `Waiter` is whatever completes a request — a promise in the handler, a number in tests.
struct ChannelStateMachine<Waiter> {
  enum State {
    case opening
    case open
    /// We sent `channel.close`; waiting for `close-ok`.
    case closing
    /// The broker closed the channel while our own `channel.close` was on its way (a
    /// crossing close). Everything is failed or finished, but RabbitMQ still answers our
    /// close with `close-ok`: the id stays reserved until it arrives, so that a new channel
    /// given the same id does not take it (see ``ChannelStateMachine+Close``).
    case closedAwaitingCloseOk(AMQPError)
    case closed(AMQPError)
  }

  enum Action {
    case none
    case write([AMQPFrame])
    /// A synchronous request was answered.
    case succeed(Waiter, AMQPMethod)
    /// `basic.get` was answered: a message, or `nil` for `get-empty`.
    case succeedGet(Waiter, AMQPMessage?)
    case fail(Waiter, AMQPError)
    case deliver(AMQPMessage)
    case returned(AMQPReturnedMessage)
    /// A publisher confirm: ack or nack for one or (multiple) all tags up to `deliveryTag`.
    case confirm(ack: Bool, deliveryTag: UInt64, multiple: Bool)
    /// The broker cancelled a consumer; answer with the frames (cancel-ok unless no-wait).
    case consumerCancelled(tag: String, write: [AMQPFrame])
    case flow(active: Bool, write: [AMQPFrame])
    /// The channel is gone: fail the waiters and every consumer with the error, after
    /// writing the frames (close-ok when the broker closed it). `closeWaiter` is the
    /// application's own close request, which succeeds. With `keepID` the id stays
    /// reserved until ``releaseID`` (a crossing close); otherwise it is free at once.
    case closed(
      AMQPError, failing: [Waiter], write: [AMQPFrame], closeWaiter: Waiter?, keepID: Bool)
    /// The `close-ok` a closed channel still waited for arrived: its id is free again.
    case releaseID
    /// The broker broke the protocol on this channel: a connection error.
    case connectionViolation(code: UInt16, message: String, method: AMQPMethodID?)
  }

  let id: UInt16
  // Settable within the module: the close transitions live in ChannelStateMachine+Close.swift.
  var state: State = .opening
  var pending: Deque<(request: AMQPMethod, waiter: Waiter)> = []
  var content: ContentAssembly<Waiter>?

  init(id: UInt16) {
    self.id = id
  }

  var isUsable: Bool {
    switch state {
    case .opening, .open: true
    case .closing, .closedAwaitingCloseOk, .closed: false
    }
  }

  /// Why the channel cannot be used, when it cannot.
  var closedError: AMQPError? {
    switch state {
    case .opening, .open: nil
    case .closing: AMQPError(.channelClosed, "channel \(id) is closing")
    case .closedAwaitingCloseOk(let error), .closed(let error): error
    }
  }

  /// A request the broker answers (``AMQPMethod/expectsReply``): the waiter is registered
  /// before the frame is written, so a fast reply always finds it. A method that expects no
  /// reply is refused: its waiter would never complete, or would take the next reply of the
  /// same kind from the request it belongs to.
  mutating func requestSent(_ method: AMQPMethod, waiter: Waiter) -> Action {
    if let error = closedError ?? misuse(of: method, expectingReply: true) {
      return .fail(waiter, error)
    }
    if case .channelClose = method { state = .closing }
    pending.append((method, waiter))
    return .write([.method(channel: id, method)])
  }

  /// Why a method the broker does not answer (a no-wait declare, `basic.ack`…) cannot be
  /// written now, if it cannot; otherwise it is written with no waiter.
  func refusalOfUnansweredMethod(_ method: AMQPMethod) -> AMQPError? {
    closedError ?? misuse(of: method, expectingReply: false)
  }

  /// Methods that cannot be sent on this channel now as a plain method: they would break the
  /// protocol and cost the whole connection, or (a short string over 255 bytes) could only
  /// be sent cut.
  private func misuse(of method: AMQPMethod, expectingReply: Bool) -> AMQPError? {
    if let oversized = method.oversizedShortString { return .shortStringTooLong(oversized) }
    if method.hasContent {
      return AMQPError(
        .invalidArgument, "\(method.name) carries content: send it with publish, not as a method")
    }
    if case .channelOpen = method {
      switch state {
      case .opening where pending.isEmpty: return nil
      case .opening, .open, .closing, .closedAwaitingCloseOk, .closed:
        return AMQPError(.invalidArgument, "channel.open is sent once, by openChannel")
      }
    }
    if method.classID == 10 {
      return AMQPError(
        .invalidArgument, "\(method.name) belongs to the connection (channel 0), not a channel")
    }
    if method.expectsReply != expectingReply {
      return AMQPError(
        .invalidArgument,
        method.expectsReply
          ? "\(method.name) is answered by the broker: send it as a request that waits"
          : "\(method.name) is not answered by the broker: there is no reply to wait for")
    }
    return nil
  }

  mutating func frameReceived(_ frame: AMQPFrame) -> Action {
    switch state {
    case .opening, .open, .closing:
      break
    case .closedAwaitingCloseOk:
      return frameReceivedAfterCrossingClose(frame)
    case .closed:
      return .none
    }
    if content != nil {
      if case .method(_, .channelClose(let close)) = frame {
        let waiter = content?.waiter
        content = nil
        return closedByServer(close, extraWaiter: waiter)
      }
      switch content?.received(frame) ?? .needMore {  // in place: no copy of the assembly
      case .needMore:
        return .none
      case .violation(let message):
        content = nil
        return .connectionViolation(
          code: ReplyCode.unexpectedFrame, message: "channel \(id): \(message)", method: nil)
      case .complete(let carrier, let properties, let body):
        content = nil
        switch state {
        case .opening, .open:
          return completed(carrier, properties, body)
        case .closing, .closedAwaitingCloseOk, .closed:
          // Discarded until close-ok; a get waits for this message, so it fails.
          if case .getOk(_, let waiter) = carrier {
            return .fail(waiter, AMQPError(.channelClosed, "channel \(id) is closing"))
          }
          return .none
        }
      }
    }
    guard case .method(_, let method) = frame else {
      switch state {
      case .closing, .closedAwaitingCloseOk, .closed:
        return .none
      case .opening, .open:
        return .connectionViolation(
          code: ReplyCode.unexpectedFrame,
          message: "channel \(id): \(frame.kindDescription) without a content method",
          method: nil)
      }
    }
    return methodReceived(method)
  }

  /// The connection is gone: fail everything.
  mutating func connectionClosed(_ error: AMQPError) -> Action {
    switch state {
    case .opening, .open, .closing:
      break
    case .closedAwaitingCloseOk:
      state = .closed(error)
      return .releaseID
    case .closed:
      return .none
    }
    state = .closed(error)
    var waiters = pending.map(\.waiter)
    pending.removeAll()
    if let waiter = content?.waiter { waiters.append(waiter) }
    content = nil
    return .closed(error, failing: waiters, write: [], closeWaiter: nil, keepID: false)
  }

  private mutating func methodReceived(_ method: AMQPMethod) -> Action {
    switch method {
    case .channelClose(let close):
      return closedByServer(close, extraWaiter: nil)
    case .channelCloseOk:
      return closeOkReceived()
    default:
      break
    }
    switch state {
    case .opening, .open: break
    case .closing, .closedAwaitingCloseOk, .closed: return .none  // discarded until close-ok
    }
    switch method {
    case .basicDeliver(let deliver):
      content = ContentAssembly(.deliver(deliver))
      return .none
    case .basicReturn(let returned):
      content = ContentAssembly(.returned(returned))
      return .none
    case .basicAck(let ack):
      return .confirm(ack: true, deliveryTag: ack.deliveryTag, multiple: ack.multiple)
    case .basicNack(let nack):
      return .confirm(ack: false, deliveryTag: nack.deliveryTag, multiple: nack.multiple)
    case .basicCancel(let cancel):
      let reply: [AMQPFrame] =
        cancel.noWait
        ? [] : [.method(channel: id, .basicCancelOk(.init(consumerTag: cancel.consumerTag)))]
      return .consumerCancelled(tag: cancel.consumerTag, write: reply)
    case .channelFlow(let flow):
      return .flow(
        active: flow.active,
        write: [.method(channel: id, .channelFlowOk(.init(active: flow.active)))])
    default:
      break
    }
    // Replies normally come in request order, but RabbitMQ's queue processes send
    // consume-ok and cancel-ok themselves, so those can overtake other replies: match each
    // reply with the oldest request it answers (and the same consumer tag, when known).
    guard let index = pending.firstIndex(where: { Self.reply(method, answers: $0.request) }) else {
      return unexpected(method)
    }
    let first = pending.remove(at: index)
    switch method {
    case .channelOpenOk:
      state = .open
      return .succeed(first.waiter, method)
    case .basicGetOk(let getOk):
      content = ContentAssembly(.getOk(getOk, first.waiter))
      return .none
    case .basicGetEmpty:
      return .succeedGet(first.waiter, nil)
    default:
      return .succeed(first.waiter, method)
    }
  }

  private static func reply(_ reply: AMQPMethod, answers request: AMQPMethod) -> Bool {
    guard request.isAnswered(by: reply) else { return false }
    switch (request, reply) {
    case (.basicCancel(let cancel), .basicCancelOk(let ok)):
      return cancel.consumerTag == ok.consumerTag
    case (.basicConsume(let consume), .basicConsumeOk(let ok)):
      return consume.consumerTag.isEmpty || consume.consumerTag == ok.consumerTag
    default:
      return true
    }
  }

  private func completed(
    _ carrier: ContentAssembly<Waiter>.Carrier, _ properties: AMQPBasicProperties,
    _ body: ByteBuffer
  ) -> Action {
    switch carrier {
    case .deliver(let deliver):
      return .deliver(
        AMQPMessage(
          deliveryTag: deliver.deliveryTag, redelivered: deliver.redelivered,
          exchange: deliver.exchange, routingKey: deliver.routingKey,
          consumerTag: deliver.consumerTag, properties: properties, body: body))
    case .getOk(let getOk, let waiter):
      return .succeedGet(
        waiter,
        AMQPMessage(
          deliveryTag: getOk.deliveryTag, redelivered: getOk.redelivered, exchange: getOk.exchange,
          routingKey: getOk.routingKey, consumerTag: "", messageCount: getOk.messageCount,
          properties: properties, body: body))
    case .returned(let returned):
      return .returned(
        AMQPReturnedMessage(
          replyCode: returned.replyCode, replyText: returned.replyText, exchange: returned.exchange,
          routingKey: returned.routingKey, properties: properties, body: body))
    }
  }

  func unexpected(_ method: AMQPMethod) -> Action {
    .connectionViolation(
      code: ReplyCode.commandInvalid,
      message: "channel \(id): unexpected \(method.name)"
        + (pending.first.map { " while waiting for the reply to \($0.request.name)" } ?? ""),
      method: method.id)
  }
}
