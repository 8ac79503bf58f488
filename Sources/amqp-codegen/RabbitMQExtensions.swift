extension Spec {
  /// The stripped XML drops some `<response>` elements and their `synchronous` mark
  /// (basic.recover → recover-ok, which RabbitMQ sends); every method with a `NAME-ok`
  /// sibling is answered by it, so the sender waits for it.
  mutating func addMissingOkResponses() {
    for classIndex in classes.indices {
      let names = Set(classes[classIndex].methods.map(\.name))
      for methodIndex in classes[classIndex].methods.indices {
        let method = classes[classIndex].methods[methodIndex]
        if method.responses.isEmpty, names.contains(method.name + "-ok") {
          classes[classIndex].methods[methodIndex].responses = [method.name + "-ok"]
          classes[classIndex].methods[methodIndex].synchronous = true
        }
      }
    }
  }
}

/// RabbitMQ methods that its stripped extended XML does not carry but its brokers send or
/// accept (documented in RabbitMQ's protocol extensions page): connection.blocked and
/// connection.unblocked (10.60/61), connection.update-secret and -ok (10.70/71).
extension Spec {
  mutating func addRabbitMQConnectionExtensions() {
    guard let index = classes.firstIndex(where: { $0.name == "connection" }) else { return }
    let known = Set(classes[index].methods.map(\.index))
    let extensions = [
      SpecMethod(
        name: "blocked", index: 60, synchronous: false, hasContent: false,
        fields: [SpecField(name: "reason", type: "shortstr", reserved: false)]),
      SpecMethod(name: "unblocked", index: 61, synchronous: false, hasContent: false),
      SpecMethod(
        name: "update-secret", index: 70, synchronous: true, hasContent: false,
        responses: ["update-secret-ok"],
        fields: [
          SpecField(name: "new-secret", type: "longstr", reserved: false),
          SpecField(name: "reason", type: "shortstr", reserved: false),
        ]),
      SpecMethod(name: "update-secret-ok", index: 71, synchronous: true, hasContent: false),
    ]
    classes[index].methods += extensions.filter { !known.contains($0.index) }
  }
}
