import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct OutcomeCLITests {
    @Test("outcome import reports bad rows by line and exits 1; dry runs and exports work from the command line")
    func importAndExport() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        let covariates = Fixtures.utrechtClient().sorted { $0.key < $1.key }.flatMap { ["--covariate", "\($0.key)=\($0.value)"] }
        for n in 1...3 {
            #expect(try await cli.runAsync(["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--consent", "--bsn", Fixtures.bsn(n)] + covariates).status == 0)
        }
        let today = ISO8601DateFormatter().string(from: Date()).prefix(10)
        let file = try cli.write("wave0.csv", "bsn,outcome,wave,value,measured_on\n\(Fixtures.bsn(1)),paid_work,0,1,\(today)\n\(Fixtures.bsn(2)),paid_work,0,2,\(today)\n111222334,paid_work,0,1,\(today)\n")
        let failed = try await cli.runAsync("outcome", "import", Fixtures.utrecht, file)
        #expect(failed.status == 2 && failed.stderr.contains("nothing was imported"), "\(failed.stderr)")
        let dry = try await cli.runAsync("outcome", "import", Fixtures.utrecht, file, "--dry-run")
        #expect(dry.stdout.contains("wave0.csv:3: value:") && dry.stdout.contains("wave0.csv:4: bsn:") && dry.stdout.contains("nothing written"), "\(dry.stdout)")
        let partial = try await cli.runAsync("outcome", "import", Fixtures.utrecht, file, "--valid-only")
        #expect(partial.status == 0 && partial.stdout.contains("1 new"))
        let record = try await cli.runAsync("outcome", "record", Fixtures.utrecht, "--enrolment", "1", "--outcome", "paid_work", "--wave", "0",
                                            "--value", "0", "--measured-on", String(today), "--reason", "typo")
        #expect(record.stdout.contains("corrected") && record.stdout.contains("version 2"), "\(record.stderr)")
        #expect(try await cli.runAsync("outcome", "history", Fixtures.utrecht, "--enrolment", "1").stdout.contains("typo"))
        #expect(try await cli.runAsync("due", Fixtures.utrecht).stdout.contains("open"))
        #expect(try await cli.runAsync("consort", Fixtures.utrecht).stdout.contains("randomised: 3"))
        let export = try await cli.runAsync("export", Fixtures.utrecht, "--format", "sav", "--out", "data.sav")
        #expect(export.status == 0 && export.stdout.contains("wrote 15 rows"), "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: cli.folder.appendingPathComponent("data.sav.codebook.json").path))
        let badFormat = try await cli.runAsync("export", Fixtures.utrecht, "--format", "xlsx", "--out", "x")
        #expect(badFormat.status != 0 && badFormat.stderr.contains("format"))
    }
}
