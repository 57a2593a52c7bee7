import { expect } from "chai";
import * as esbuild from "esbuild";
import * as path from "node:path";
import type { Browser } from "puppeteer-core";
import type * as ClientModule from "../../client";
import { launchBrowser } from "../support/browser";
import { FakeChannelServer } from "./support/fake-channel-server";

const ENTRY = path.join(__dirname, "../../client/index.ts");

describe("client: in a browser bundle", function () {
    this.timeout(8000);
    let bundle: string;
    let browser: Browser;
    let server: FakeChannelServer;

    before(async function () {
        this.timeout(30_000);
        const built = await esbuild.build({
            entryPoints: [ENTRY],
            bundle: true,
            platform: "browser",
            format: "iife",
            globalName: "Channels",
            write: false,
            logLevel: "silent",
        });
        bundle = built.outputFiles[0].text;
        browser = await launchBrowser();
    });
    after(async () => {
        await browser?.close();
    });
    beforeEach(async () => {
        server = await FakeChannelServer.start();
    });
    afterEach(async () => {
        await server.close();
    });

    it("bundles for platform browser, with partysocket and no Node.js module", () => {
        expect(bundle).to.include("ChannelClient");
        expect(bundle).to.not.match(/require\(["'](node:|ws["'])/);
    });

    it("subscribes, receives a notification and gets an upload URL over Chromium's own WebSocket", async () => {
        server.respond = (request) => {
            if (request.action === "subscribe") setTimeout(() => server.publish("browser/", { hello: "page" }), 20);
            return undefined;
        };
        const page = await browser.newPage();
        try {
            await page.addScriptTag({ content: bundle });
            const result = await page.evaluate(async (url: string) => {
                const { ChannelClient } = (globalThis as unknown as { Channels: typeof ClientModule }).Channels;
                const client = new ChannelClient({ url, requestTimeoutMs: 3000 });
                const notified = new Promise((resolve) => client.on("notification", resolve));
                await client.subscribe("browser/");
                const notification = await notified;
                const upload = await client.requestUpload("browser/x.txt", { size: 5, contentType: "text/plain" });
                client.close();
                return { notification, key: upload.key, state: client.state };
            }, server.url);
            expect(result).to.deep.equal({
                notification: { type: "message", channel: "browser/", data: { hello: "page" } },
                key: "browser/x.txt",
                state: "closed",
            });
        } finally {
            await page.close();
        }
    });
});
