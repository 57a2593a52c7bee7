import { expect } from "chai";
import { buildSync } from "esbuild";
import * as fs from "node:fs";
import { request } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { PageServer } from "../../../local/services/page";
import { ROOT } from "../../support/record";

interface Answer {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

/** A raw request: the path goes out exactly as given (fetch would resolve `/../` first). */
function get(base: string, target: string, method = "GET"): Promise<Answer> {
    const { hostname, port } = new URL(base);
    return new Promise((resolve, reject) => {
        const req = request({ hostname, port, path: target, method }, (res) => {
            let body = "";
            res.on("data", (chunk: Buffer) => (body += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("the local cloud's uploads page server", function () {
    this.timeout(60_000);
    let page: PageServer;
    before(async () => {
        page = await PageServer.start({ port: 0, defaultWebSocketUrl: 'ws://127.0.0.1:3001/dev?a="b"&c' });
    });
    after(() => page?.stop());

    it("serves index.html at / and /index.html, with the default WebSocket URL written in, escaped", async () => {
        for (const target of ["/", "/index.html", "/?url=ws://127.0.0.1:9/x"]) {
            const answer = await get(page.url, target);
            expect(answer.status, target).to.equal(200);
            expect(answer.headers["content-type"]).to.equal("text/html; charset=utf-8");
            expect(answer.body).to.include('<script src="app.js"></script>');
            expect(answer.body).to.include('<meta name="websocket-url" content="ws://127.0.0.1:3001/dev?a=&quot;b&quot;&amp;c" />');
        }
    });

    it("serves the bundled app.js: the client inlined, for the browser, nothing left to require", async () => {
        const answer = await get(page.url, "/app.js");
        expect(answer.status).to.equal(200);
        expect(answer.headers["content-type"]).to.equal("text/javascript; charset=utf-8");
        expect(answer.body).to.include("serverless-websockets:page-channel");
        expect(answer.body).to.match(/No global WebSocket/);
        expect(answer.body).to.not.match(/\brequire\(/);
    });

    it("sends no-sniff, a policy allowing only its own script, and no caching", async () => {
        const { headers } = await get(page.url, "/");
        expect(headers["x-content-type-options"]).to.equal("nosniff");
        expect(headers["content-security-policy"]).to.include("script-src 'self'");
        expect(headers["cache-control"]).to.equal("no-store");
    });

    it("answers HEAD with the headers only", async () => {
        const answer = await get(page.url, "/app.js", "HEAD");
        expect(answer.status).to.equal(200);
        expect(Number(answer.headers["content-length"])).to.be.above(1000);
        expect(answer.body).to.equal("");
    });

    it("answers 404 for any other path, those that climb out of the page included, without reading them", async () => {
        for (const target of [
            "/../package.json",
            "/%2e%2e/package.json",
            "/..%2fpackage.json",
            "/app.ts",
            "/page/index.html",
            "//etc/passwd",
            "/favicon.ico",
        ]) {
            const answer = await get(page.url, target);
            expect(answer.status, target).to.equal(404);
            expect(answer.body, target).to.equal("Not Found\n");
        }
    });

    it("answers 405 with Allow for other methods, and 414 for a request target over 2 KB", async () => {
        const posted = await get(page.url, "/", "POST");
        expect([posted.status, posted.headers.allow]).to.deep.equal([405, "GET, HEAD"]);
        expect((await get(page.url, "/", "DELETE")).status).to.equal(405);
        expect((await get(page.url, `/?url=${"x".repeat(2_100)}`)).status).to.equal(414);
    });

    it("gives each API its page's address with ?url=, readable", () => {
        expect(page.pageFor("ws://127.0.0.1:3002/dev")).to.equal(`${page.url}/?url=ws://127.0.0.1:3002/dev`);
        expect(page.pageFor("ws://127.0.0.1:3002/a b")).to.equal(`${page.url}/?url=ws://127.0.0.1:3002/a%20b`);
    });

    it("bundles the compiled client where an installed package has it (dist/client) and no sources", async () => {
        // The installed layout: page/ shipped, the client compiled, the dependencies in node_modules above.
        const installed = fs.mkdtempSync(path.join(os.tmpdir(), "sw-page-"));
        try {
            fs.cpSync(path.join(ROOT, "page"), path.join(installed, "page"), { recursive: true });
            const sources = ["client", "protocol"].flatMap((dir) =>
                fs
                    .readdirSync(path.join(ROOT, dir))
                    .filter((f) => f.endsWith(".ts"))
                    .map((f) => path.join(ROOT, dir, f)),
            );
            buildSync({ entryPoints: sources, outdir: path.join(installed, "dist"), outbase: ROOT, format: "cjs", platform: "node" });
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(installed, "node_modules"));
            const served = await PageServer.start({ port: 0, root: installed });
            try {
                const app = await get(served.url, "/app.js");
                expect(app.status).to.equal(200);
                expect(app.body).to.match(/No global WebSocket/);
            } finally {
                await served.stop();
            }
        } finally {
            fs.rmSync(installed, { recursive: true, force: true });
        }
    });
});
