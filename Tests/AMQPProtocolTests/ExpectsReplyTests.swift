import AMQPProtocol
import Testing

/// `expectsReply` is generated from the spec: synchronous, with a named reply, and not no-wait.
@Suite struct ExpectsReplyTests {
  @Test func queueDeclareWaitsForItsReplyUnlessNoWaitIsSet() {
    #expect(AMQPMethod.queueDeclare(.init(queue: "q", noWait: false)).expectsReply)
    #expect(!AMQPMethod.queueDeclare(.init(queue: "q", noWait: true)).expectsReply)
  }

  @Test func confirmSelectSpellsItsBitNowaitAndHonoursIt() {
    #expect(AMQPMethod.confirmSelect(.init(noWait: false)).expectsReply)
    #expect(!AMQPMethod.confirmSelect(.init(noWait: true)).expectsReply)
  }

  @Test func asynchronousMethodsExpectNoReply() {
    #expect(!AMQPMethod.basicAck(.init(deliveryTag: 1)).expectsReply)
    #expect(!AMQPMethod.basicNack(.init(deliveryTag: 1)).expectsReply)
    #expect(!AMQPMethod.basicReject(.init(deliveryTag: 1)).expectsReply)
    #expect(!AMQPMethod.basicPublish(.init(routingKey: "q")).expectsReply)
    #expect(!AMQPMethod.basicRecoverAsync(.init()).expectsReply)
  }

  @Test func repliesExpectNoReplyOfTheirOwn() {
    #expect(!AMQPMethod.queueDeclareOk(.init(queue: "q")).expectsReply)
    #expect(!AMQPMethod.channelCloseOk(.init()).expectsReply)
    #expect(!AMQPMethod.basicGetEmpty(.init()).expectsReply)
  }

  /// The stripped XML lacks basic.recover's reply; RabbitMQ sends recover-ok.
  @Test func basicRecoverWaitsForRecoverOk() {
    let recover = AMQPMethod.basicRecover(.init(requeue: true))
    #expect(recover.expectsReply)
    #expect(recover.isAnswered(by: .basicRecoverOk(.init())))
  }

  @Test(arguments: everyMethodSample)
  func everyMethodThatExpectsAReplyNamesIt(method: AMQPMethod) {
    if method.expectsReply { #expect(!method.responseIDs.isEmpty) }
  }
}
