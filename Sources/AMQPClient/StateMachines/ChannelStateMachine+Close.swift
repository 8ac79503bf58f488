import AMQPProtocol

/// How a channel ends: our close answered, the broker's close answered, and both at once.
///
/// A crossing close is the common race: the application closes a channel just as the broker
/// closes it (a publish to a missing exchange is refused with 404 after the application
/// moved on). RabbitMQ then answers our `channel.close` with `close-ok` after sending its own
/// close. The spec asks each side to answer a close with close-ok and to discard other
/// frames until its own close is answered (AMQP 0-9-1, channel.close); amqp091-go answers a
/// close on a closed id and ignores a stray close-ok (`dispatchClosed`), RabbitMQ's Java
/// client ignores frames on unknown channels. Here the id stays reserved until our close-ok
/// arrives, so that no new channel can take it, and a frame for a closed id is never a
/// reason to close the connection.
extension ChannelStateMachine {
  /// Our `channel.close` was answered: the close request succeeds, anything else pending
  /// fails, and the id is free.
  mutating func closeOkReceived() -> Action {
    switch state {
    case .closing:
      let error = AMQPError(.channelClosed, "channel \(id) was closed by the application")
      state = .closed(error)
      var waiters = pending.map(\.waiter)
      pending.removeAll()
      // The close request itself is the last waiter; it succeeds, the rest fail.
      let closeWaiter = waiters.popLast()
      return .closed(error, failing: waiters, write: [], closeWaiter: closeWaiter, keepID: false)
    case .closedAwaitingCloseOk(let error):
      state = .closed(error)
      return .releaseID
    case .opening, .open:
      return unexpected(.channelCloseOk(.init()))
    case .closed:
      return .none
    }
  }

  /// The broker closed the channel: answer with close-ok and fail everything pending
  /// (`extraWaiter`: a get whose content was arriving) with its reason.
  mutating func closedByServer(_ close: AMQPMethod.Channel.Close, extraWaiter: Waiter?) -> Action {
    let closeOk: [AMQPFrame] = [.method(channel: id, .channelCloseOk(.init()))]
    let error = AMQPError(
      .channelClosedByServer,
      "the broker closed channel \(id): \(close.replyCode) \(close.replyText)",
      replyCode: close.replyCode, replyText: close.replyText,
      failingMethod: AMQPMethodID(classID: close.classID, methodID: close.methodID))
    let crossing: Bool
    switch state {
    case .opening, .open:
      crossing = false
    case .closing:
      crossing = true
    case .closedAwaitingCloseOk, .closed:
      return .write(closeOk)  // every close is answered, even a repeated one
    }
    var closeWaiter: Waiter?
    if crossing, let index = pending.lastIndex(where: { $0.request.isChannelClose }) {
      // The application asked for the channel to be closed, and it is: its close succeeds,
      // as it does when the broker's close came first.
      closeWaiter = pending.remove(at: index).waiter
    }
    state = crossing ? .closedAwaitingCloseOk(error) : .closed(error)
    var waiters = pending.map(\.waiter)
    pending.removeAll()
    if let extraWaiter { waiters.append(extraWaiter) }
    return .closed(
      error, failing: waiters, write: closeOk, closeWaiter: closeWaiter, keepID: crossing)
  }

  /// After a crossing close only our close-ok is still due; nothing is a violation.
  mutating func frameReceivedAfterCrossingClose(_ frame: AMQPFrame) -> Action {
    switch frame {
    case .method(_, .channelCloseOk):
      return closeOkReceived()
    case .method(_, .channelClose(let close)):
      return closedByServer(close, extraWaiter: nil)
    case .method, .header, .body, .heartbeat:
      return .none
    }
  }

  /// A frame for a channel id with no channel (never opened, or closed and released): a
  /// `channel.close` is answered with close-ok and a `close-ok` ignored, as amqp091-go's
  /// `dispatchClosed` does; anything else is 504 CHANNEL_ERROR.
  static func frameReceivedOnUnknownChannel(_ frame: AMQPFrame) -> Action {
    switch frame {
    case .method(let channel, .channelClose):
      return .write([.method(channel: channel, .channelCloseOk(.init()))])
    case .method(_, .channelCloseOk):
      return .none
    case .method, .header, .body, .heartbeat:
      return .connectionViolation(
        code: ReplyCode.channelError,
        message: "\(frame.kindDescription) on channel \(frame.channel), which is not open",
        method: nil)
    }
  }
}

extension AMQPMethod {
  fileprivate var isChannelClose: Bool {
    if case .channelClose = self { return true }
    return false
  }
}
