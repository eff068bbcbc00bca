import Foundation
import HTTPTypes
import Hummingbird

extension Response {
    /// A temporary file (an export) streamed in 256 KiB chunks and removed afterwards, so a
    /// dataset of millions of rows never sits in memory.
    public static func temporaryFile(_ path: String, headers: HTTPFields) -> Response {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let handle = FileHandle(forReadingAtPath: path) else { return }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
