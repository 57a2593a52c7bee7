import { expect } from "chai";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, reportDirectory } from "../../bench/args";
import { ROOT } from "../support/record";

describe("npm run bench's flags", () => {
    it("reads every option, and a full run by default", () => {
        expect(parseBenchArgs([])).to.deep.equal({ quick: false, peers: true, tests: true, help: false });
        expect(
            parseBenchArgs([
                "--quick",
                "--no-peers",
                "--no-tests",
                "--only",
                "fanout,archives",
                "--fanout-sizes",
                "100,10000",
                "--out",
                "/tmp/b",
            ]),
        ).to.deep.equal({
            quick: true,
            peers: false,
            tests: false,
            help: false,
            only: ["fanout", "archives"],
            fanoutSizes: [100, 10_000],
            out: "/tmp/b",
        });
        expect(parseBenchArgs(["--help"]).help).to.equal(true);
    });

    it("names an unknown flag, an unknown step, a bad size or a missing value, pointing to --help", () => {
        const refusal = (argv: string[]) => {
            try {
                parseBenchArgs(argv);
            } catch (err) {
                if (err instanceof BenchUsageError) return err.message;
                throw err;
            }
            return "accepted";
        };
        expect(refusal(["--qiuck"])).to.equal('unknown option "--qiuck"; see --help.');
        expect(refusal(["--only", "fanot"])).to.match(/^--only takes steps of ceiling, localCloud, .*; got "fanot"\.$/);
        expect(refusal(["--fanout-sizes", "100,1e3"])).to.equal('--fanout-sizes takes client counts from 1 to 100000; got "1e3".');
        expect(refusal(["--fanout-sizes", "0"])).to.match(/^--fanout-sizes takes client counts/);
        expect(refusal(["--only"])).to.equal("--only needs a value; see --help.");
        expect(refusal(["--out", "--quick"])).to.equal("--out needs a value; see --help.");
    });

    it("writes the tracked report only on a full run, and a partial one only where --out says", () => {
        expect(reportDirectory(parseBenchArgs([]), ROOT)).to.equal(ROOT);
        expect(reportDirectory(parseBenchArgs(["--quick"]), ROOT)).to.equal(undefined);
        expect(reportDirectory(parseBenchArgs(["--only", "archives"]), ROOT)).to.equal(undefined);
        expect(reportDirectory(parseBenchArgs(["--quick", "--out", "/tmp/b"]), ROOT)).to.equal("/tmp/b");
    });

    it("answers --help with the usage and an unknown flag with exit 2 and one line, before measuring anything", async function () {
        this.timeout(60_000);
        const bench = (argv: string[]) =>
            promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "bench", "run.ts"), ...argv], {
                cwd: ROOT,
            }).then(
                ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
                (err: { code: number; stdout: string; stderr: string }) => err,
            );
        const help = await bench(["--help"]);
        expect([help.code, help.stdout.trim()]).to.deep.equal([0, BENCH_USAGE]);
        const wrong = await bench(["--nope"]);
        expect([wrong.code, wrong.stderr.trim()]).to.deep.equal([2, 'bench: unknown option "--nope"; see --help.']);
    });
});
