/// A class id and method id pair, naming one AMQP method.
public struct AMQPMethodID: Hashable, Sendable, CustomStringConvertible {
  public var classID: UInt16
  public var methodID: UInt16

  public init(classID: UInt16, methodID: UInt16) {
    self.classID = classID
    self.methodID = methodID
  }

  public var description: String { "\(classID).\(methodID)" }
}

extension AMQPMethod {
  /// The class and method ids of this method.
  public var id: AMQPMethodID { AMQPMethodID(classID: classID, methodID: methodID) }

  /// Whether `reply` is one of the methods the peer answers this method with.
  public func isAnswered(by reply: AMQPMethod) -> Bool {
    responseIDs.contains(reply.id)
  }
}
