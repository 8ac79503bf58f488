/// The parts of the AMQP spec XML the generator uses.
struct Spec {
  var domains: [String: String] = [:]
  var classes: [SpecClass] = []
}

struct SpecClass {
  var name: String
  var index: UInt16
  var methods: [SpecMethod] = []
  /// Content properties (only `basic` has any).
  var properties: [SpecField] = []
}

struct SpecMethod {
  var name: String
  var index: UInt16
  var synchronous: Bool
  var hasContent: Bool
  var responses: [String] = []
  var fields: [SpecField] = []
}

struct SpecField {
  var name: String
  /// The primitive type after resolving the domain.
  var type: String
  var reserved: Bool
}
