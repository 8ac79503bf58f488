import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

@Suite struct ChannelStateMachineTests {
  typealias Machine = ChannelStateMachine<Int>

  func openChannel() -> Machine {
    var machine = Machine(id: 3)
    _ = machine.requestSent(.channelOpen(.init()), waiter: 0)
    _ = machine.frameReceived(.method(channel: 3, .channelOpenOk(.init())))
    return machine
  }

  func content(_ body: String, correlationID: String = "c", slices: Int = 1) -> [AMQPFrame] {
    var frames: [AMQPFrame] = [
      .header(
        channel: 3,
        AMQPContentHeader(
          bodySize: UInt64(body.utf8.count), properties: .init(correlationID: correlationID)))
    ]
    let bytes = Array(body.utf8)
    let size = max(1, (bytes.count + slices - 1) / slices)
    for start in stride(from: 0, to: bytes.count, by: size) {
      frames.append(
        .body(channel: 3, ByteBuffer(bytes: bytes[start..<min(bytes.count, start + size)])))
    }
    return frames
  }

  @Test func repliesCompleteRequestsInOrder() {
    var machine = openChannel()
    guard case .write = machine.requestSent(.queueDeclare(.init(queue: "a")), waiter: 1),
      case .write = machine.requestSent(.basicQos(.init(prefetchCount: 1)), waiter: 2)
    else {
      Issue.record("expected writes")
      return
    }
    guard
      case .succeed(1, .queueDeclareOk) = machine.frameReceived(
        .method(channel: 3, .queueDeclareOk(.init(queue: "a"))))
    else {
      Issue.record("expected declare-ok for waiter 1")
      return
    }
    guard
      case .succeed(2, .basicQosOk) = machine.frameReceived(
        .method(channel: 3, .basicQosOk(.init())))
    else {
      Issue.record("expected qos-ok for waiter 2")
      return
    }
  }

  @Test func replyThatAnswersNothingPendingIsAConnectionViolation() {
    var machine = openChannel()
    _ = machine.requestSent(.queueDeclare(.init(queue: "a")), waiter: 1)
    guard
      case .connectionViolation(503, let message, _) = machine.frameReceived(
        .method(channel: 3, .queueBindOk(.init())))
    else {
      Issue.record("expected 503")
      return
    }
    #expect(message.contains("queue.declare"))
  }

  @Test func deliveryBodySplitOverFramesIsAssembled() {
    var machine = openChannel()
    let deliver = AMQPMethod.basicDeliver(
      .init(consumerTag: "ctag", deliveryTag: 9, routingKey: "rpc_queue"))
    guard case .none = machine.frameReceived(.method(channel: 3, deliver)) else {
      Issue.record("content must follow")
      return
    }
    var last: Machine.Action = .none
    for frame in content("hello world", slices: 3) { last = machine.frameReceived(frame) }
    guard case .deliver(let message) = last else {
      Issue.record("expected a delivery")
      return
    }
    #expect(message.deliveryTag == 9)
    #expect(message.consumerTag == "ctag")
    #expect(String(buffer: message.body) == "hello world")
    #expect(message.properties.correlationID == "c")
  }

  @Test func emptyBodyCompletesOnTheHeader() {
    var machine = openChannel()
    _ = machine.frameReceived(.method(channel: 3, .basicDeliver(.init(consumerTag: "t"))))
    guard case .deliver(let message) = machine.frameReceived(content("")[0]) else {
      Issue.record("expected a delivery")
      return
    }
    #expect(message.body.readableBytes == 0)
  }

  @Test func bodyWithoutHeaderIsUnexpectedFrame() {
    var machine = openChannel()
    guard
      case .connectionViolation(505, _, _) = machine.frameReceived(
        .body(channel: 3, ByteBuffer(string: "x")))
    else {
      Issue.record("expected 505")
      return
    }
  }

  @Test func methodInsideContentIsUnexpectedFrame() {
    var machine = openChannel()
    _ = machine.frameReceived(.method(channel: 3, .basicDeliver(.init(consumerTag: "t"))))
    guard
      case .connectionViolation(505, _, _) = machine.frameReceived(
        .method(channel: 3, .basicQosOk(.init())))
    else {
      Issue.record("expected 505")
      return
    }
  }

  @Test func bodyLongerThanAnnouncedIsAViolation() {
    var machine = openChannel()
    _ = machine.frameReceived(.method(channel: 3, .basicDeliver(.init(consumerTag: "t"))))
    _ = machine.frameReceived(
      .header(channel: 3, AMQPContentHeader(bodySize: 2, properties: .init())))
    guard
      case .connectionViolation(505, _, _) = machine.frameReceived(
        .body(channel: 3, ByteBuffer(string: "xyz")))
    else {
      Issue.record("expected 505")
      return
    }
  }

  @Test func bodyFramesEndingBeforeTheAnnouncedSizeAreAViolation() {
    var machine = openChannel()
    _ = machine.frameReceived(.method(channel: 3, .basicDeliver(.init(consumerTag: "t"))))
    _ = machine.frameReceived(
      .header(channel: 3, AMQPContentHeader(bodySize: 10, properties: .init())))
    _ = machine.frameReceived(.body(channel: 3, ByteBuffer(string: "four")))
    guard
      case .connectionViolation(505, _, _) = machine.frameReceived(
        .method(channel: 3, .basicDeliver(.init(consumerTag: "t", deliveryTag: 2))))
    else {
      Issue.record("expected 505")
      return
    }
  }

  @Test func getOkCarriesAMessageAndGetEmptyNil() {
    var machine = openChannel()
    _ = machine.requestSent(.basicGet(.init(queue: "q")), waiter: 5)
    _ = machine.frameReceived(
      .method(channel: 3, .basicGetOk(.init(deliveryTag: 1, messageCount: 4))))
    var last: Machine.Action = .none
    for frame in content("35") { last = machine.frameReceived(frame) }
    guard case .succeedGet(5, let message?) = last else {
      Issue.record("expected a message for waiter 5")
      return
    }
    #expect(message.messageCount == 4)
    _ = machine.requestSent(.basicGet(.init(queue: "q")), waiter: 6)
    guard
      case .succeedGet(6, nil) = machine.frameReceived(.method(channel: 3, .basicGetEmpty(.init())))
    else {
      Issue.record("expected empty")
      return
    }
  }

  @Test func serverCloseFailsPendingAndAnswersCloseOk() {
    var machine = openChannel()
    _ = machine.requestSent(.queueDeclare(.init(queue: "q", passive: true)), waiter: 7)
    let close = AMQPFrame.method(
      channel: 3,
      .channelClose(
        .init(replyCode: 404, replyText: "NOT_FOUND - no queue 'q'", classID: 50, methodID: 10)))
    guard
      case .closed(let error, let failing, let frames, nil, keepID: false) = machine.frameReceived(
        close)
    else {
      Issue.record("expected closed")
      return
    }
    #expect(error.code == .channelClosedByServer)
    #expect(error.replyCode == 404)
    #expect(error.failingMethod == AMQPMethodID(classID: 50, methodID: 10))
    #expect(failing == [7])
    #expect(frames == [.method(channel: 3, .channelCloseOk(.init()))])
    guard case .fail(8, let later) = machine.requestSent(.basicQos(.init()), waiter: 8) else {
      Issue.record("a closed channel fails new requests")
      return
    }
    #expect(later.replyCode == 404)
  }

  @Test func applicationCloseSucceedsOnCloseOkAndDiscardsDeliveriesMeanwhile() {
    var machine = openChannel()
    _ = machine.requestSent(.channelClose(.init(replyCode: 200, replyText: "bye")), waiter: 9)
    guard case .none = machine.frameReceived(.method(channel: 3, .basicDeliver(.init()))) else {
      Issue.record("deliveries are discarded while closing")
      return
    }
    guard
      case .closed(_, [], [], 9, keepID: false) = machine.frameReceived(
        .method(channel: 3, .channelCloseOk(.init())))
    else {
      Issue.record("expected the close waiter to succeed")
      return
    }
  }

  @Test func confirmsReturnsCancelAndFlowAreReported() {
    var machine = openChannel()
    guard
      case .confirm(true, 4, true) = machine.frameReceived(
        .method(channel: 3, .basicAck(.init(deliveryTag: 4, multiple: true))))
    else {
      Issue.record("expected ack")
      return
    }
    guard
      case .confirm(false, 5, false) = machine.frameReceived(
        .method(channel: 3, .basicNack(.init(deliveryTag: 5))))
    else {
      Issue.record("expected nack")
      return
    }
    _ = machine.frameReceived(
      .method(
        channel: 3,
        .basicReturn(.init(replyCode: 312, replyText: "NO_ROUTE", routingKey: "nowhere"))))
    var last: Machine.Action = .none
    for frame in content("1") { last = machine.frameReceived(frame) }
    guard case .returned(let returned) = last else {
      Issue.record("expected a return")
      return
    }
    #expect(returned.replyCode == 312)
    #expect(returned.routingKey == "nowhere")
    guard
      case .consumerCancelled("ctag", let frames) = machine.frameReceived(
        .method(channel: 3, .basicCancel(.init(consumerTag: "ctag"))))
    else {
      Issue.record("expected cancel")
      return
    }
    #expect(frames == [.method(channel: 3, .basicCancelOk(.init(consumerTag: "ctag")))])
    guard
      case .flow(false, let flowOk) = machine.frameReceived(
        .method(channel: 3, .channelFlow(.init(active: false))))
    else {
      Issue.record("expected flow")
      return
    }
    #expect(flowOk == [.method(channel: 3, .channelFlowOk(.init(active: false)))])
  }

  @Test func connectionLossFailsEveryWaiterIncludingAGetInProgress() {
    var machine = openChannel()
    _ = machine.requestSent(.basicQos(.init()), waiter: 1)
    _ = machine.requestSent(.basicGet(.init(queue: "q")), waiter: 2)
    _ = machine.frameReceived(.method(channel: 3, .basicQosOk(.init())))
    _ = machine.frameReceived(.method(channel: 3, .basicGetOk(.init())))
    guard
      case .closed(_, let failing, _, _, _) = machine.connectionClosed(
        AMQPError(.connectionClosed, "gone"))
    else {
      Issue.record("expected closed")
      return
    }
    #expect(failing == [2])
  }
}

extension ChannelStateMachineTests {
  /// RabbitMQ's queue process sends cancel-ok itself, so it can arrive after the reply to a
  /// request sent later.
  @Test func cancelOkOvertakenByALaterReplyStillMatchesByTag() {
    var machine = openChannel()
    _ = machine.requestSent(.basicCancel(.init(consumerTag: "ctag")), waiter: 1)
    _ = machine.requestSent(.queueDeclare(.init(queue: "q", passive: true)), waiter: 2)
    guard
      case .succeed(2, _) = machine.frameReceived(
        .method(channel: 3, .queueDeclareOk(.init(queue: "q"))))
    else {
      Issue.record("declare-ok answers the declare")
      return
    }
    guard
      case .succeed(1, _) = machine.frameReceived(
        .method(channel: 3, .basicCancelOk(.init(consumerTag: "ctag"))))
    else {
      Issue.record("cancel-ok answers the cancel")
      return
    }
    guard
      case .connectionViolation = machine.frameReceived(
        .method(channel: 3, .basicCancelOk(.init(consumerTag: "other"))))
    else {
      Issue.record("a cancel-ok for no pending cancel is a violation")
      return
    }
  }
}
