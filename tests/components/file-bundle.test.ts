import { expect } from "chai";
import * as path from "node:path";
import { WebSocketApi } from "../../components";
import type { RecordedAsset } from "../../local/record/record-program";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { expectRejected, recordInProcess, ROOT } from "../support/record";
import { expectSecureStack } from "../support/security";
import { TestClient, useTestCloud } from "../support/local";

const FIXTURE = path.join("tests", "fixtures", "file-route", "src");
const file = (name: string) => path.join(FIXTURE, name);

describe("a route whose code is a file, bundled with esbuild", () => {
    it("becomes an aws.lambda.Function with one CommonJS bundle: its imports inlined, the AWS SDK left to the runtime", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("files", { routes: { yaml: { handler: { file: file("handler.ts") } } } }),
        );
        const fn = graph.one(RESOURCE_TYPES.function, "files-yaml");
        expect(fn.inputs.handler).to.equal("index.handler");
        expect(fn.inputs.runtime).to.equal("nodejs22.x");
        const assets = (fn.inputs.code as RecordedAsset).archive?.assets ?? {};
        expect(Object.keys(assets)).to.deep.equal(["index.js"]);
        const bundle = assets["index.js"].asset?.text ?? "";
        expect(bundle).to.match(/require\("@aws-sdk\/client-dynamodb"\)/);
        expect(bundle, "yaml is bundled, not required").to.not.match(/require\("yaml"\)/);
        expect(bundle).to.include("YAMLParseError");
        // The same role, log group and scoped permission as a callback's function.
        expectSecureStack(graph);
    });

    it("uses the named export as the handler", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("files", { routes: { other: { handler: { file: file("handler.ts"), export: "other" } } } }),
        );
        expect(graph.one(RESOURCE_TYPES.function, "files-other").inputs.handler).to.equal("index.other");
    });

    const invalid: [string, () => unknown, RegExp][] = [
        [
            "a file that does not exist",
            () => new WebSocketApi("files", { routes: { x: { handler: { file: file("missing.ts") } } } }),
            /HandlerFunction: handler file tests\/fixtures\/file-route\/src\/missing\.ts does not exist \(looked for .*missing\.ts\); give a path relative to the program's folder\./,
        ],
        [
            "an export the file lacks",
            () => new WebSocketApi("files", { routes: { x: { handler: { file: file("handler.ts"), export: "nope" } } } }),
            /handler\.ts does not export "nope"; it exports: handler, other\./,
        ],
        [
            "an export that is not a JavaScript name",
            () => new WebSocketApi("files", { routes: { x: { handler: { file: file("handler.ts"), export: "a-b" } } } }),
            /export "a-b" of .*handler\.ts is not a JavaScript name\./,
        ],
        [
            "a file that does not build",
            () => new WebSocketApi("files", { routes: { x: { handler: { file: file("broken.ts") } } } }),
            /broken\.ts/,
        ],
    ];
    for (const [label, program, pattern] of invalid) {
        it(`fails loudly on ${label}`, () => expectRejected(program, pattern));
    }
});

describe("file routes on the local cloud", () => {
    const cloud = useTestCloud(path.join(ROOT, "tests", "fixtures", "file-route"));

    it("runs the bundle, with its bundled dependency and the runtime's SDK", async () => {
        const client = await TestClient.open(cloud().url("url"));
        expect(JSON.parse(await client.ask(JSON.stringify({ action: "yaml", doc: "a: 1\nb: [x, y]" })))).to.deep.equal({
            parsed: { a: 1, b: ["x", "y"] },
            sdk: "function",
        });
        expect(await client.ask('{"action":"other"}')).to.equal("other");
        await client.close();
    });
});
