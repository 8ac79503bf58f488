import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

/// Crossing closes: the application and the broker close the same channel at once.
extension ChannelStateMachineTests {
  var brokerClose: AMQPFrame {
    .method(
      channel: 3,
      .channelClose(
        .init(replyCode: 404, replyText: "NOT_FOUND - no exchange 'x'", classID: 60, methodID: 40)
      ))
  }

  @Test func crossingCloseIsAnsweredTheCloseSucceedsAndTheIDStaysReservedUntilOurCloseOk() {
    var machine = openChannel()
    _ = machine.requestSent(.basicQos(.init(prefetchCount: 1)), waiter: 1)
    _ = machine.requestSent(.channelClose(.init(replyCode: 200, replyText: "bye")), waiter: 9)
    guard
      case .closed(let error, let failing, let frames, let closeWaiter, let keepID) =
        machine.frameReceived(brokerClose)
    else {
      Issue.record("expected the channel to close")
      return
    }
    #expect(error.replyCode == 404)
    #expect(failing == [1])
    #expect(closeWaiter == 9)
    #expect(frames == [.method(channel: 3, .channelCloseOk(.init()))])
    #expect(keepID)
    #expect(!machine.isUsable)
    guard case .releaseID = machine.frameReceived(.method(channel: 3, .channelCloseOk(.init())))
    else {
      Issue.record("our close-ok frees the id")
      return
    }
    guard case .none = machine.frameReceived(.method(channel: 3, .channelCloseOk(.init()))) else {
      Issue.record("a further close-ok is ignored")
      return
    }
  }

  @Test func framesBeforeOurCloseOkAreIgnoredAndARepeatedCloseIsAnswered() {
    var machine = openChannel()
    _ = machine.requestSent(.channelClose(.init(replyCode: 200)), waiter: 9)
    _ = machine.frameReceived(brokerClose)
    let strays: [AMQPFrame] = [
      .method(channel: 3, .basicDeliver(.init(consumerTag: "c"))),
      .header(channel: 3, AMQPContentHeader(bodySize: 1, properties: .init())),
      .body(channel: 3, ByteBuffer(string: "x")),
      .method(channel: 3, .basicAck(.init(deliveryTag: 1))),
      .method(channel: 3, .queueDeclareOk(.init(queue: "q"))),
    ]
    for frame in strays {
      guard case .none = machine.frameReceived(frame) else {
        Issue.record("\(frame.kindDescription) must be ignored, not a connection error")
        return
      }
    }
    guard case .write(let frames) = machine.frameReceived(brokerClose) else {
      Issue.record("every channel.close is answered")
      return
    }
    #expect(frames == [.method(channel: 3, .channelCloseOk(.init()))])
  }

  @Test func connectionLossWhileWaitingForOurCloseOkReleasesTheID() {
    var machine = openChannel()
    _ = machine.requestSent(.channelClose(.init(replyCode: 200)), waiter: 9)
    _ = machine.frameReceived(brokerClose)
    guard case .releaseID = machine.connectionClosed(AMQPError(.connectionClosed, "gone")) else {
      Issue.record("expected the id to be released")
      return
    }
  }

  @Test func closeOnAnUnknownChannelIsAnsweredCloseOkIgnoredAndAnythingElseIs504() {
    guard
      case .write(let frames) = Machine.frameReceivedOnUnknownChannel(
        .method(channel: 5, .channelClose(.init(replyCode: 404))))
    else {
      Issue.record("expected close-ok")
      return
    }
    #expect(frames == [.method(channel: 5, .channelCloseOk(.init()))])
    guard
      case .none = Machine.frameReceivedOnUnknownChannel(
        .method(channel: 5, .channelCloseOk(.init())))
    else {
      Issue.record("a stray close-ok is ignored")
      return
    }
    for frame: AMQPFrame in [
      .method(channel: 5, .basicQosOk(.init())), .body(channel: 5, ByteBuffer(string: "x")),
    ] {
      guard case .connectionViolation(504, _, _) = Machine.frameReceivedOnUnknownChannel(frame)
      else {
        Issue.record("\(frame.kindDescription) on a channel never opened is 504")
        return
      }
    }
  }
}
