import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Reads RabbitMQ's `amqp0-9-1.stripped.extended.xml` into a ``Spec``.
final class SpecParser: NSObject, XMLParserDelegate {
  private var spec = Spec()
  private var currentClass: SpecClass?
  private var currentMethod: SpecMethod?
  private var pendingFields:
    [(name: String, typeOrDomain: String, isDomain: Bool, reserved: Bool)] =
      []
  private var parseError: String?

  static func parse(contentsOf url: URL) throws -> Spec {
    guard let parser = XMLParser(contentsOf: url) else {
      throw GeneratorError("cannot read \(url.path)")
    }
    let delegate = SpecParser()
    parser.delegate = delegate
    guard parser.parse(), delegate.parseError == nil else {
      throw GeneratorError(
        delegate.parseError ?? "XML error: \(parser.parserError.map { "\($0)" } ?? "unknown")")
    }
    return delegate.spec
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes: [String: String] = [:]
  ) {
    switch elementName {
    case "domain":
      if let name = attributes["name"], let type = attributes["type"] { spec.domains[name] = type }
    case "class":
      guard let name = attributes["name"], let index = attributes["index"].flatMap(UInt16.init)
      else { return fail("class without name or index") }
      currentClass = SpecClass(name: name, index: index)
    case "method":
      guard let name = attributes["name"], let index = attributes["index"].flatMap(UInt16.init)
      else { return fail("method without name or index") }
      // Fields directly inside <class>, before its first method, are content properties.
      currentClass?.properties += resolvePendingFields()
      currentMethod = SpecMethod(
        name: name, index: index, synchronous: attributes["synchronous"] == "1",
        hasContent: attributes["content"] == "1")
    case "response":
      if let name = attributes["name"] { currentMethod?.responses.append(name) }
    case "field":
      guard let name = attributes["name"] else { return fail("field without name") }
      let reserved = attributes["reserved"] == "1"
      if let type = attributes["type"] {
        pendingFields.append((name, type, false, reserved))
      } else if let domain = attributes["domain"] {
        pendingFields.append((name, domain, true, reserved))
      } else {
        fail("field \(name) has neither type nor domain")
      }
    default:
      break
    }
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    switch elementName {
    case "method":
      guard var method = currentMethod else { return }
      method.fields = resolvePendingFields()
      currentClass?.methods.append(method)
      currentMethod = nil
    case "class":
      guard var specClass = currentClass else { return }
      specClass.properties += resolvePendingFields()
      spec.classes.append(specClass)
      currentClass = nil
    default:
      break
    }
  }

  private func resolvePendingFields() -> [SpecField] {
    defer { pendingFields = [] }
    return pendingFields.map { field in
      var type = field.typeOrDomain
      if field.isDomain {
        guard let resolved = spec.domains[field.typeOrDomain] else {
          fail("unknown domain \(field.typeOrDomain)")
          return SpecField(name: field.name, type: "?", reserved: field.reserved)
        }
        type = resolved
      }
      return SpecField(name: field.name, type: type, reserved: field.reserved)
    }
  }

  private func fail(_ message: String) {
    if parseError == nil { parseError = message }
  }
}

struct GeneratorError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
