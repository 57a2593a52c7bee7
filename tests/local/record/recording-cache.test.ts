import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadProgram, type LoadedProgram } from "../../../local/record/load-program";
import { cacheFileOf } from "../../../local/record/recording-cache";

const ROOT = path.join(__dirname, "..", "..", "..");

/**
 * A program that depends on one input of every kind the cache must see: a module it imports, a file it reads, a
 * path it finds missing, an environment variable, a stack setting, a handler file esbuild bundles (and the module
 * that imports), a package in node_modules, and the lock file.
 */
function writeProgram(dir: string): void {
    const files: Record<string, string> = {
        "Pulumi.yaml": "name: cachetest\nruntime: nodejs\n",
        "Pulumi.dev.yaml": "config:\n  cachetest:colour: red\n",
        "package.json": JSON.stringify({ name: "cachetest", version: "1.0.0" }),
        "package-lock.json": JSON.stringify({ name: "cachetest", lockfileVersion: 3, packages: {} }),
        "settings.json": JSON.stringify({ size: "small" }),
        "by-url.json": JSON.stringify({ via: "url" }),
        "lib.ts": 'export const shape = "circle";\n',
        "src/handler.ts": 'import { reply } from "./reply";\nexport const handler = async () => ({ statusCode: 200, body: reply });\n',
        "src/reply.ts": 'export const reply = "pong-a";\n',
        "node_modules/cache-test-helper/package.json": JSON.stringify({ name: "cache-test-helper", version: "1.0.0" }),
        "node_modules/cache-test-helper/index.js": 'exports.flavour = "mint";\n',
        "index.ts": [
            'import * as fs from "node:fs";',
            'import * as pulumi from "@pulumi/pulumi";',
            `import { WebSocketApi } from ${JSON.stringify(path.join(ROOT, "components"))};`,
            'import { shape } from "./lib";',
            "// eslint-disable-next-line @typescript-eslint/no-require-imports",
            'const { flavour } = require("cache-test-helper") as { flavour: string };',
            'const api = new WebSocketApi("cached", { routes: { ping: { handler: { file: "src/handler.ts" }, returnResponse: true } } });',
            "export const url = api.url;",
            'export const colour = new pulumi.Config().require("colour");',
            'export const size = (JSON.parse(fs.readFileSync("settings.json", "utf8")) as { size: string }).size;',
            'export const extra = fs.existsSync("extra.json") ? "present" : "absent";',
            'export const greeting = process.env.CACHE_TEST_GREETING ?? "unset";',
            'export const listed = Object.keys(process.env).filter((name) => name.startsWith("CACHE_TEST_LISTED_")).join(",");',
            'export const via = (JSON.parse(fs.readFileSync(new URL("./by-url.json", require("node:url").pathToFileURL(__filename)), "utf8")) as { via: string }).via;',
            "export { shape, flavour };",
        ].join("\n"),
    };
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    // Every other package is the project's own, linked one by one beside the program's own package.
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (entry !== ".bin" && entry !== ".cache")
            fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(dir, "node_modules", entry));
    }
}

/** Replaces one character of a file, keeping its size (so only its content, or only its time, tells). */
function changeOneCharacter(file: string, from: string, to: string): void {
    const text = fs.readFileSync(file, "utf8");
    expect(text, file).to.include(from);
    expect(from.length).to.equal(to.length);
    fs.writeFileSync(file, text.replace(from, to));
}

describe("recording cache: a start reuses the last recording only while nothing it read has changed", function () {
    this.timeout(300_000);
    let dir: string;
    const env = process.env.CACHE_TEST_GREETING;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-cache-"));
        writeProgram(dir);
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        delete process.env.CACHE_TEST_LISTED_A;
        if (env === undefined) delete process.env.CACHE_TEST_GREETING;
        else process.env.CACHE_TEST_GREETING = env;
    });

    /** A start, a moment after the last edit: an input changed as a start begins is not cached (see file-stamps.js). */
    const load = async (cache = true): Promise<LoadedProgram> => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return loadProgram(dir, { typeCheck: false, cache });
    };
    const outputs = (loaded: LoadedProgram) => loaded.program.outputs as Record<string, unknown>;
    const bundleOf = (loaded: LoadedProgram) =>
        JSON.stringify(loaded.program.resources.filter((r) => r.type === "aws:lambda/function:Function"));

    it("records the first start, reuses the recording on the second, and gives the same graph", async () => {
        const first = await load();
        expect(first.recording).to.equal("recorded");
        expect(outputs(first)).to.deep.include({
            colour: "red",
            size: "small",
            extra: "absent",
            greeting: "unset",
            shape: "circle",
            flavour: "mint",
        });
        const second = await load();
        expect(second.recording).to.equal("reused");
        expect(second.program).to.deep.equal(first.program);
    });

    const changes: [string, () => void, (loaded: LoadedProgram) => void][] = [
        [
            "a module the program imports",
            () => changeOneCharacter(path.join(dir, "lib.ts"), "circle", "circlE"),
            (l) => expect(outputs(l).shape).to.equal("circlE"),
        ],
        [
            "a file it reads",
            () => changeOneCharacter(path.join(dir, "settings.json"), "small", "smalL"),
            (l) => expect(outputs(l).size).to.equal("smalL"),
        ],
        [
            "a path it found missing",
            () => fs.writeFileSync(path.join(dir, "extra.json"), "{}"),
            (l) => expect(outputs(l).extra).to.equal("present"),
        ],
        [
            "an environment variable it read",
            () => (process.env.CACHE_TEST_GREETING = "hello"),
            (l) => expect(outputs(l).greeting).to.equal("hello"),
        ],
        [
            "Pulumi.dev.yaml",
            () => changeOneCharacter(path.join(dir, "Pulumi.dev.yaml"), "red", "rEd"),
            (l) => expect(outputs(l).colour).to.equal("rEd"),
        ],
        [
            "the handler file esbuild bundles",
            () => changeOneCharacter(path.join(dir, "src", "handler.ts"), "200", "201"),
            (l) => expect(bundleOf(l)).to.include("201"),
        ],
        [
            "a module the bundled handler imports",
            () => changeOneCharacter(path.join(dir, "src", "reply.ts"), "pong-a", "pong-b"),
            (l) => expect(bundleOf(l)).to.include("pong-b"),
        ],
        [
            "a package in node_modules",
            () => changeOneCharacter(path.join(dir, "node_modules", "cache-test-helper", "index.js"), "mint", "minT"),
            (l) => expect(outputs(l).flavour).to.equal("minT"),
        ],
        ["the lock file", () => changeOneCharacter(path.join(dir, "package-lock.json"), '"packages"', '"packageS"'), () => undefined],
        [
            "a file read through a file: URL",
            () => changeOneCharacter(path.join(dir, "by-url.json"), "url", "urL"),
            (l) => expect(outputs(l).via).to.equal("urL"),
        ],
        [
            "the environment's names, listed (a variable added)",
            () => (process.env.CACHE_TEST_LISTED_A = "1"),
            (l) => expect(outputs(l).listed).to.equal("CACHE_TEST_LISTED_A"),
        ],
        [
            "a file a relative require would now find first (lib.js beside lib.ts)",
            () => fs.writeFileSync(path.join(dir, "lib.js"), 'exports.shape = "square";\n'),
            (l) => expect(outputs(l).shape).to.equal("square"),
        ],
    ];
    for (const [what, change, check] of changes) {
        it(`records again after a one-character change to ${what}, then reuses that`, async () => {
            change();
            const changed = await load();
            expect(changed.recording, what).to.equal("recorded");
            check(changed);
            expect((await load()).recording).to.equal("reused");
        });
    }

    it("keeps no recording whose inputs changed while it ran, and serves it all the same", async () => {
        const file = cacheFileOf(dir, "dev");
        fs.rmSync(file, { force: true });
        const future = new Date(Date.now() + 60_000);
        fs.utimesSync(path.join(dir, "settings.json"), future, future);
        expect((await load()).recording).to.equal("recorded");
        expect(fs.existsSync(file), "a cache of an input changed after the start").to.equal(false);
        const now = new Date(Date.now() - 5_000);
        fs.utimesSync(path.join(dir, "settings.json"), now, now);
    });

    it("records regardless with the cache off", async () => {
        expect((await load(false)).recording).to.equal("recorded");
    });

    it("records again over a cache file that is corrupt, truncated or of another program", async () => {
        await load();
        const file = cacheFileOf(dir, "dev");
        for (const text of [
            "{not json",
            fs.readFileSync(file, "utf8").slice(0, 100),
            JSON.stringify({ key: "other", stamps: [], env: {} }),
        ]) {
            fs.writeFileSync(file, text);
            expect((await load()).recording).to.equal("recorded");
        }
    });
});
