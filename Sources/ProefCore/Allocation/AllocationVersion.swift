/// Versions of the frozen allocation algorithm (docs/allocation-spec.md). A protocol is locked
/// with one; every later release reproduces that version's allocations bit for bit.
public enum AllocationVersion {
    public static let current = 1
    public static let supported: ClosedRange<Int> = 1...1
}
