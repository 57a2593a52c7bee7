import { build, type Message, type Plugin } from "esbuild";
import * as fs from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import * as path from "node:path";
import { close, listen } from "./http";

/** The page's two files, built once per process: index.html as shipped, app.ts bundled for the browser. */
interface PageFiles {
    html: string;
    js: string;
}

/** Longer request targets get 414: the page's only parameter is one WebSocket URL. */
const MAX_URL_LENGTH = 2_048;

/**
 * The package's root: the folder holding `page/`. Two levels up in this repository (`local/services/`), three
 * in an installed package, which runs the compiled `dist/local/services/page.js`.
 */
function findPackageRoot(): string {
    for (let dir = __dirname, up = 0; up < 4; dir = path.dirname(dir), up++) {
        if (fs.existsSync(path.join(dir, "page", "index.html"))) return dir;
    }
    throw new Error(`the page's sources (page/index.html) are not in any folder above ${__dirname}`);
}

/**
 * app.ts imports `../client`, the sources beside it in this repository; an installed package ships the client
 * compiled instead (`dist/client`), so the import is pointed at whichever this package has.
 */
function clientResolver(root: string): Plugin {
    const source = path.join(root, "client", "index.ts");
    const entry = fs.existsSync(source) ? source : path.join(root, "dist", "client", "index.js");
    return {
        name: "channel-client",
        setup(esbuild) {
            esbuild.onResolve({ filter: /^\.\.\/client(\/index(\.[jt]s)?)?$/ }, () => ({ path: entry }));
        },
    };
}

async function buildPage(root: string): Promise<PageFiles> {
    const html = fs.readFileSync(path.join(root, "page", "index.html"), "utf8");
    try {
        const { outputFiles } = await build({
            entryPoints: [path.join(root, "page", "app.ts")],
            bundle: true,
            platform: "browser",
            format: "iife",
            target: "es2020",
            minify: true,
            write: false,
            outfile: "app.js",
            logLevel: "silent",
            // Not the tsconfig of whatever program folder this runs in.
            tsconfigRaw: {},
            plugins: [clientResolver(root)],
        });
        return { html, js: outputFiles[0].text };
    } catch (err) {
        const first = (err as { errors?: Message[] }).errors?.[0];
        const where = first?.location ? `${first.location.file}:${first.location.line}: ` : "";
        throw new Error(`the page does not build: ${where}${first?.text ?? String(err)}`, { cause: err });
    }
}

const builds = new Map<string, Promise<PageFiles>>();
/** Every cloud of a process (a test run starts many) shares one build; a failed one is tried again next time. */
function pageFiles(root: string): Promise<PageFiles> {
    let files = builds.get(root);
    if (!files) {
        files = buildPage(root);
        builds.set(root, files);
        files.catch(() => builds.delete(root));
    }
    return files;
}

/** `?url=…` with `:` and `/` left as they are, which a query may hold: the printed address stays readable. */
const withUrl = (base: string, websocketUrl: string) =>
    `${base}/?url=${encodeURIComponent(websocketUrl).replace(/%3A/g, ":").replace(/%2F/g, "/")}`;

/**
 * The uploads page (page/index.html and its bundled app.js) on loopback, served from memory: no request reaches
 * the file system, so no path leads outside the page. One page serves every API: `?url=` names the one to use.
 */
export class PageServer {
    private constructor(
        private readonly server: Server,
        /** `http://127.0.0.1:{port}` */
        readonly url: string,
    ) {}

    static async start(options: {
        port: number;
        /** Written into the page for a visit without `?url=`. */
        defaultWebSocketUrl?: string;
        /** The folder holding `page/`; by default this package's, found from this file. */
        root?: string;
    }): Promise<PageServer> {
        const files = await pageFor(options.defaultWebSocketUrl, options.root);
        const server = createServer((req, res) => respond(req, res, files));
        return new PageServer(server, `http://127.0.0.1:${await listen(server, options.port)}`);
    }

    /** The page's address for one WebSocket API. */
    pageFor(websocketUrl: string): string {
        return withUrl(this.url, websocketUrl);
    }

    stop(): Promise<void> {
        return close(this.server);
    }
}

/** The page's files, with `websocketUrl` (if any) written in for a visit without `?url=`. */
async function pageFor(websocketUrl: string | undefined, root = findPackageRoot()): Promise<PageFiles> {
    const files = await pageFiles(root);
    if (!websocketUrl) return files;
    const meta = `<meta name="websocket-url" content="${escapeAttribute(websocketUrl)}" />`;
    return { ...files, html: files.html.replace("<head>", `<head>\n        ${meta}`) };
}

/** Writes index.html and app.js into `outDir`, for any static host (an S3 website, CloudFront, a CDN). */
export async function writePage(outDir: string, websocketUrl?: string): Promise<string[]> {
    const files = await pageFor(websocketUrl);
    fs.mkdirSync(outDir, { recursive: true });
    const written = [path.join(outDir, "index.html"), path.join(outDir, "app.js")];
    fs.writeFileSync(written[0], files.html);
    fs.writeFileSync(written[1], files.js);
    return written;
}

const escapeAttribute = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    // Its own script only; it talks to the WebSocket API and PUTs to S3, both on other ports.
    "Content-Security-Policy":
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src ws: wss: http: https:; base-uri 'none'; form-action 'none'",
    "Cache-Control": "no-store",
};

function respond(req: IncomingMessage, res: ServerResponse, files: PageFiles): void {
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, {
            ...SECURITY_HEADERS,
            ...headers,
            "Content-Type": type,
            "Content-Length": String(Buffer.byteLength(body)),
        });
        res.end(req.method === "HEAD" ? undefined : body);
    };
    const target = req.url ?? "/";
    if (target.length > MAX_URL_LENGTH) return send(414, "text/plain; charset=utf-8", "URI Too Long\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
        return send(405, "text/plain; charset=utf-8", "Method Not Allowed\n", { Allow: "GET, HEAD" });
    }
    // Only the path is looked at, and only two are known; anything else, `/../package.json` included, is a 404.
    const pathname = target.split("?")[0];
    if (pathname === "/" || pathname === "/index.html") return send(200, "text/html; charset=utf-8", files.html);
    if (pathname === "/app.js") return send(200, "text/javascript; charset=utf-8", files.js);
    send(404, "text/plain; charset=utf-8", "Not Found\n");
}
