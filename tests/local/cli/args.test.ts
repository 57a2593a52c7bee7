import { expect } from "chai";
import { parseCliArgs } from "../../../local/cli/args";
import { CliError } from "../../../local/cli/cli-error";

/** The error a command line gets, or undefined when it parses. */
function refusal(argv: string[]): CliError | undefined {
    try {
        parseCliArgs(argv);
        return undefined;
    } catch (err) {
        if (err instanceof CliError) return err;
        throw err;
    }
}

describe("CLI arguments", () => {
    it("reads dev's options, with today's defaults", () => {
        expect(parseCliArgs(["dev"])).to.deep.equal({
            command: "dev",
            programDir: ".",
            port: 3001,
            stack: "dev",
            persist: false,
            latencyMs: 0,
            faults: {},
            iam: true,
            transpileOnly: false,
            cache: true,
            quiet: false,
            verbose: false,
        });
        expect(
            parseCliArgs([
                "dev",
                "examples/chat",
                "--port",
                "0",
                "--stack",
                "prod",
                "--persist",
                "--latency",
                "10",
                "--faults",
                "connections=0.2,dynamodb=0.05,functions=1",
                "--iam",
                "off",
                "--transpile-only",
                "--no-cache",
                "--quiet",
                "--verbose",
            ]),
        ).to.deep.equal({
            command: "dev",
            programDir: "examples/chat",
            port: 0,
            stack: "prod",
            persist: true,
            latencyMs: 10,
            faults: { connections: { rate: 0.2 }, dynamodb: { rate: 0.05 }, functions: { rate: 1 } },
            iam: false,
            transpileOnly: true,
            cache: false,
            quiet: true,
            verbose: true,
        });
    });

    it("reads upload's file, key, bucket and folder", () => {
        expect(parseCliArgs(["upload", "notes.txt", "in/notes.txt", "--bucket", "b", "--dir", "examples/chat"])).to.deep.equal({
            command: "upload",
            file: "notes.txt",
            key: "in/notes.txt",
            bucket: "b",
            programDir: "examples/chat",
            verbose: false,
        });
    });

    it("reads page's folder and URL", () => {
        expect(parseCliArgs(["page", "site", "--url", "wss://abc.execute-api.eu-west-1.amazonaws.com/dev"])).to.deep.equal({
            command: "page",
            outDir: "site",
            url: "wss://abc.execute-api.eu-west-1.amazonaws.com/dev",
            verbose: false,
        });
        expect(parseCliArgs(["page", "site"])).to.deep.equal({ command: "page", outDir: "site", verbose: false });
    });

    it("answers --help (after any command, upload's included) and --version before anything else", () => {
        for (const argv of [[], ["--help"], ["-h"], ["upload", "--help"], ["dev", "--port", "1", "--help"]]) {
            expect(parseCliArgs(argv).command, argv.join(" ")).to.equal("help");
        }
        expect(parseCliArgs(["--version"]).command).to.equal("version");
    });

    const refused: [string[], RegExp][] = [
        [["serve"], /^unknown command "serve"; the commands are dev, upload and page\./],
        [["dev", "--prot", "3001"], /^unknown option --prot\./],
        [["dev", "--stack"], /^--stack needs a value\./],
        [["dev", "--stack", "--quiet"], /^--stack needs a value\./],
        [["dev", "--stack", "../prod"], /^--stack takes a stack name/],
        [["dev", "--port", "abc"], /^--port takes a port from 0 to 65431; got "abc"\./],
        [["dev", "--port", "65432"], /^--port takes a port from 0 to 65431; got "65432"\./],
        [["dev", "--port", "-1"], /^--port takes a port from 0 to 65431; got "-1"\./],
        [["dev", "--port", "1e3"], /^--port takes a port/],
        [["dev", "--latency", "abc"], /^--latency takes milliseconds from 0 to 60000; got "abc"\./],
        [["dev", "--latency", "60001"], /^--latency takes milliseconds/],
        [["dev", "--faults", "connections"], /^--faults: "connections" is not service=rate; e\.g\. --faults connections=0\.2/],
        [["dev", "--faults", "lambda=0.1"], /^--faults: "lambda=0\.1" is not service=rate/],
        [["dev", "--faults", "dynamodb=1.5"], /^faults\.dynamodb\.rate must be a share from 0 to 1; got 1\.5/],
        [["dev", "--faults", "connections=0.1.2"], /^faults\.connections\.rate must be a share from 0 to 1; got NaN/],
        [["dev", "--faults"], /^--faults needs a value\./],
        [["dev", "--iam", "false"], /^--iam takes on or off; got "false"\./],
        [["dev", "--iam", "OFF"], /^--iam takes on or off; got "OFF"\./],
        [["dev", "--iam"], /^--iam needs a value\./],
        [["dev", "a", "b"], /^dev takes one program folder; got "a" and "b"\./],
        [["upload"], /^upload needs a file/],
        [["upload", "a", "b", "c"], /^upload takes a file and a key; got 3 arguments\./],
        [["upload", "f", "--bucket"], /^--bucket needs a value\./],
        [["page"], /^page needs one output folder/],
        [["page", "a", "b"], /^page needs one output folder/],
        [
            ["page", "site", "--url", "https://example.com"],
            /^--url takes the API's WebSocket URL \(wss:\/\/… or ws:\/\/…\); got "https:\/\/example.com"\./,
        ],
        [["page", "site", "--url", 'wss://x/"><script>'], /^--url takes the API's WebSocket URL/],
        [["page", "site", "--url", `wss://${"a".repeat(3000)}`], /^--url takes the API's WebSocket URL/],
        [["page", "site", "--url"], /^--url needs a value\./],
    ];
    for (const [argv, pattern] of refused) {
        it(`refuses \`${argv.join(" ")}\` in one line naming the fix, and points at --help`, () => {
            const error = refusal(argv);
            expect(error?.message).to.match(pattern);
            expect(error?.message.split("\n")).to.have.length(2);
            expect(error?.message).to.match(/\nSee: serverless-websockets --help$/);
            expect(error?.exitCode).to.equal(2);
        });
    }
});
