public import Messages

/// Ids written as string literals in tests (`"a1"` for an ``AgentID``). The literals are
/// known to be valid ids; an invalid one stops the test run at once.
extension Identifier: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
    ExpressibleByExtendedGraphemeClusterLiteral
{
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { fatalError("test id '\(value)' is invalid: \(error)") }
    }
}
