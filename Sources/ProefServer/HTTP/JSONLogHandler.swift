import Foundation
import Logging

/// Log lines as JSON, one object per line on standard error, for a log collector: `time`
/// (UTC, ISO 8601 with milliseconds), `level`, `label`, `message`, and every metadata value as
/// a text field of its own (`hb.request.id` on everything a request logs). Proef never puts a
/// BSN or a secret in a log line; the request log names paths, which carry neither.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        fields["time"] = Date().formatted(Self.time)
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = "\(event.message)"
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }

    private static let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
