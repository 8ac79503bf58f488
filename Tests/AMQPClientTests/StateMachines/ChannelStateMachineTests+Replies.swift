import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

/// Only methods the broker answers wait for a reply (`AMQPMethod.expectsReply`).
extension ChannelStateMachineTests {
  @Test func noWaitDeclareGetsNoWaiterSoTheNextDeclareOkAnswersItsOwnRequest() {
    var machine = openChannel()
    let noWait = AMQPMethod.queueDeclare(.init(queue: "a", noWait: true))
    #expect(machine.refusalOfUnansweredMethod(noWait) == nil)
    guard case .fail(1, let error) = machine.requestSent(noWait, waiter: 1) else {
      Issue.record("a method without a reply must not register a waiter")
      return
    }
    #expect(error.code == .invalidArgument)
    _ = machine.requestSent(.queueDeclare(.init(queue: "b")), waiter: 2)
    guard
      case .succeed(2, .queueDeclareOk(let ok)) = machine.frameReceived(
        .method(channel: 3, .queueDeclareOk(.init(queue: "b"))))
    else {
      Issue.record("declare-ok answers the declare that waits for it")
      return
    }
    #expect(ok.queue == "b")
  }

  @Test func methodsWithoutAReplyAreRefusedAsRequestsAndRequestsAsUnanswered() {
    var machine = openChannel()
    for method in [
      AMQPMethod.basicAck(.init(deliveryTag: 1)), .basicReject(.init(deliveryTag: 1)),
      .basicConsume(.init(queue: "q", noWait: true)),
    ] {
      guard case .fail(9, _) = machine.requestSent(method, waiter: 9) else {
        Issue.record("\(method.name) expects no reply, yet got a waiter")
        return
      }
    }
    #expect(machine.refusalOfUnansweredMethod(.basicQos(.init()))?.code == .invalidArgument)
    #expect(machine.refusalOfUnansweredMethod(.basicAck(.init(deliveryTag: 1))) == nil)
  }

  @Test func contentChannelOpenAndConnectionMethodsAreRefusedBeforeAnythingIsWritten() {
    var machine = openChannel()
    let refused: [AMQPMethod] = [
      .basicPublish(.init(routingKey: "q")), .channelOpen(.init()),
      .connectionClose(.init(replyCode: 200)), .connectionBlocked(.init()),
    ]
    for method in refused {
      #expect(machine.refusalOfUnansweredMethod(method)?.code == .invalidArgument)
      guard case .fail(4, let error) = machine.requestSent(method, waiter: 4) else {
        Issue.record("\(method.name) must be refused")
        return
      }
      #expect(error.message.contains(method.name))
    }
    var opening = Machine(id: 4)
    guard case .write = opening.requestSent(.channelOpen(.init()), waiter: 1) else {
      Issue.record("a new channel sends channel.open")
      return
    }
  }
}
