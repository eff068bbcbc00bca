import Foundation
import ProefCore
import ProefWording
import ZIPFoundation

/// An audit bundle as one zip file, its files in a folder named after the trial, the same files
/// `proef audit export` writes; unpacked, `proef verify <trial>` checks it.
enum BundleArchive {
    static func zip(_ bundle: AuditBundle, modified: Date) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let folder = bundle.trialID
        for name in [folder] + AuditBundle.folders.map({ "\(folder)/\($0)" }) {
            try archive.addEntry(with: name + "/", type: .directory, uncompressedSize: Int64(0), modificationDate: modified, provider: { _, _ in Data() })
        }
        for file in try bundle.files() {
            let bytes = Data(file.bytes)
            try archive.addEntry(with: "\(folder)/\(file.path)", type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified,
                                 compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw ProefError.internalFault("the bundle's zip was not written in memory") }
        return data
    }
}
