import Foundation
import ProefCore

/// Prints a report page to an A4 PDF with headless Chromium (Debian's `chromium`, or the
/// program named by `PROEF_CHROMIUM`), which honours the stylesheet's print rules.
public enum PDFPrinter {
    public static func print(html: URL, to pdf: URL) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let chromium = environment["PROEF_CHROMIUM"] ?? ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(find).first else {
            throw ProefError.unavailable("--pdf", "printing to PDF needs Chromium (Debian: apt-get install chromium), or PROEF_CHROMIUM naming it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        // --no-sandbox: Chromium refuses to run as root with its sandbox, and the page is our own file.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                             "--user-data-dir=" + FileManager.default.temporaryDirectory.appendingPathComponent("proef-chromium-\(getpid())").path,
                             "--print-to-pdf=" + pdf.path, html.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: pdf.path) else {
            let tail = String(decoding: message, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " ")
            throw ProefError.unavailable("--pdf", "Chromium could not print the report (exit \(process.terminationStatus)): \(tail)")
        }
    }

    /// The program's path on PATH.
    static func find(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
