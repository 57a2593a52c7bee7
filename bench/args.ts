// `npm run bench`'s flags. A partial run (`--quick`, `--only`) never rewrites the tracked BENCHMARKS.md/.json:
// its figures go where `--out` says, or to the terminal.

/** The benchmark's steps, in the order a full run takes them. */
export const STEPS = ["ceiling", "localCloud", "serverlessOffline", "fanout", "channels", "archives", "npmTestMs"] as const;
export type Step = (typeof STEPS)[number];

export interface BenchArgs {
    quick: boolean;
    peers: boolean;
    tests: boolean;
    /** Run only these steps; all by default. */
    only?: Step[];
    /** Client counts of the fan-out benchmark. */
    fanoutSizes?: number[];
    /** Where BENCHMARKS.md and BENCHMARKS.json go: the repository's own on a full run, else only when given. */
    out?: string;
    help: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [options]

Measures the local cloud beside its peers and writes BENCHMARKS.md and BENCHMARKS.json (a full run only).

Options:
  --quick              reduced counts: a smoke run, not for comparison
  --only STEP,…        run only these steps: ${STEPS.join(", ")}
  --fanout-sizes N,…   the fan-out benchmark's client counts (default 100,1000,10000; quick 100,1000)
  --no-peers           skip serverless-offline
  --no-tests           skip timing npm test
  --out DIR            write BENCHMARKS.md and BENCHMARKS.json into DIR (a partial run writes only with it)
  --help               this help`;

/** A flag the benchmark does not take, or a value it cannot use: one line naming the fix. */
export class BenchUsageError extends Error {}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
    const args: BenchArgs = { quick: false, peers: true, tests: true, help: false };
    const value = (flag: string, i: number): string => {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith("--")) throw new BenchUsageError(`${flag} needs a value; see --help.`);
        return next;
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--quick") args.quick = true;
        else if (flag === "--no-peers") args.peers = false;
        else if (flag === "--no-tests") args.tests = false;
        else if (flag === "--help" || flag === "-h") args.help = true;
        else if (flag === "--only") args.only = steps(value(flag, i++));
        else if (flag === "--fanout-sizes") args.fanoutSizes = sizes(value(flag, i++));
        else if (flag === "--out") args.out = value(flag, i++);
        else throw new BenchUsageError(`unknown option ${JSON.stringify(flag)}; see --help.`);
    }
    return args;
}

function steps(text: string): Step[] {
    return text.split(",").map((name) => {
        if (!(STEPS as readonly string[]).includes(name)) {
            throw new BenchUsageError(`--only takes steps of ${STEPS.join(", ")}; got ${JSON.stringify(name)}.`);
        }
        return name as Step;
    });
}

function sizes(text: string): number[] {
    return text.split(",").map((entry) => {
        const n = /^\d+$/.test(entry) ? Number(entry) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < 1 || n > 100_000) {
            throw new BenchUsageError(`--fanout-sizes takes client counts from 1 to 100000; got ${JSON.stringify(entry)}.`);
        }
        return n;
    });
}

/** Where a run's report goes: the given folder, the repository on a full run, or nowhere (printed) on a partial one. */
export function reportDirectory(args: BenchArgs, root: string): string | undefined {
    if (args.out !== undefined) return args.out;
    return args.quick || args.only ? undefined : root;
}
