import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, ElementHandle, Page } from "puppeteer-core";
import { WebSocket } from "ws";
import { ChannelClient, type Notification } from "../../client";
import { eventually, startLocalCloud, type StartedLocalCloud } from "../../local";
import { findBrowser, launchBrowser } from "../support/browser";
import { ROOT } from "../support/record";

/** How long a notification may take from the PUT to the page: S3 event, fan-out Lambda, `@connections`. */
const NOTIFIED_WITHIN_MS = 10_000;

/** A row of `#notifications`, as the page shows it. */
interface Row {
    key: string;
    event: string;
    own: boolean;
    size: string;
}

const rows = (page: Page): Promise<Row[]> =>
    page.$$eval("#notifications tr", (trs) =>
        trs.map((tr) => ({
            key: tr.getAttribute("data-key") ?? "",
            event: tr.getAttribute("data-event") ?? "",
            own: tr.classList.contains("own"),
            size: tr.querySelector(".size")?.textContent ?? "",
        })),
    );

/** Open and subscribed to its channel: what the page shows once it may upload and hear. */
const ready = (page: Page) =>
    page.waitForFunction(
        () =>
            document.querySelector("#state")?.textContent === "open" &&
            document.querySelector("#subscription")?.getAttribute("data-subscribed") === "true",
        { timeout: 15_000 },
    );

/** Chooses a file through `#file` and presses `#upload`, as a user would. */
async function uploadThroughPage(page: Page, file: string): Promise<void> {
    const input = (await page.$("#file")) as ElementHandle<HTMLInputElement> | null;
    if (!input) throw new Error("the page has no #file");
    await input.uploadFile(file);
    await page.waitForSelector("#upload:not([disabled])", { timeout: 5_000 });
    await page.click("#upload");
    await page.waitForFunction(() => /^Uploaded /.test(document.querySelector("#upload-status")?.textContent ?? ""), { timeout: 10_000 });
}

const rowFor = (page: Page, key: string) =>
    page.waitForFunction(
        (k: string) => [...document.querySelectorAll("#notifications tr")].some((tr) => tr.getAttribute("data-key") === k),
        {
            timeout: NOTIFIED_WITHIN_MS,
        },
        key,
    );

describe("the uploads page in headless Chromium, served by the local cloud for the repository's program", function () {
    this.timeout(180_000);
    let cloud: StartedLocalCloud;
    let browser: Browser;
    let page: Page;
    let channel: string;
    let files: string;
    const pageErrors: string[] = [];

    before(async () => {
        files = fs.mkdtempSync(path.join(os.tmpdir(), "sw-page-files-"));
        [cloud, browser] = await Promise.all([startLocalCloud({ program: ROOT, typeCheck: false }), launchBrowser()]);
        page = await browser.newPage();
        page.on("pageerror", (err) => pageErrors.push(String(err)));
    });
    after(async () => {
        await browser?.close();
        await cloud?.stop();
        if (files) fs.rmSync(files, { recursive: true, force: true });
    });

    const file = (name: string, contents: string) => {
        const file = path.join(files, name);
        fs.writeFileSync(file, contents);
        return file;
    };
    const broadcast = () => {
        const api = cloud.apis.find((a) => a.name === "broadcast");
        if (!api) throw new Error("the program has no broadcast API");
        return api;
    };

    it("is served for the broadcast API only, the one with a subscribe route, at the URL the cloud gives", () => {
        expect(cloud.pages.map((p) => p.api)).to.deep.equal(["broadcast"]);
        expect(cloud.pages[0].url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/\?url=ws:\/\/127\.0\.0\.1:\d+\/dev$/);
        expect(cloud.pages[0].url.endsWith(`?url=${broadcast().url}`)).to.equal(true);
    });

    it("connects, subscribes to a channel of its own and shows both", async () => {
        await page.goto(cloud.pages[0].url);
        await ready(page);
        channel = await page.$eval("#channel", (el) => el.textContent ?? "");
        expect(channel).to.match(/^uploads\/[0-9a-f]{12}\/$/);
    });

    it("uploads a chosen file through a presigned PUT and lists its notification, marked as its own", async () => {
        await uploadThroughPage(page, file("first note.txt", "hello from the page"));
        await rowFor(page, `${channel}first note.txt`);
        expect(await rows(page)).to.deep.equal([{ key: `${channel}first note.txt`, event: "ObjectCreated:Put", own: true, size: "19 B" }]);
    });

    it("does not list an upload to another client's channel", async () => {
        const other = new ChannelClient({ url: broadcast().url, WebSocket });
        try {
            const heard: Notification[] = [];
            other.on("notification", (n) => heard.push(n));
            await other.subscribe("uploads/someone-else/");
            const target = await other.requestUpload("uploads/someone-else/theirs.txt", { size: 16, contentType: "text/plain" });
            const put = await fetch(target.url, { method: target.method, headers: target.headers, body: "not for the page" });
            expect(put.status).to.equal(200);
            await eventually(
                () => heard.some((n) => n.type === "s3" && n.key === "uploads/someone-else/theirs.txt"),
                NOTIFIED_WITHIN_MS,
                "the other client's own notification",
            );
            // The fan-out has reached its subscriber; the page's would have been sent by now too.
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            expect((await rows(page)).map((r) => r.key)).to.deep.equal([`${channel}first note.txt`]);
        } finally {
            other.close();
        }
    });

    it("goes reconnecting, then open, when the server closes its connection, subscribes again and lists the next upload", async () => {
        await page.evaluate(() => {
            const state = document.querySelector("#state")!;
            const seen: string[] = [];
            (window as unknown as { seenStates: string[] }).seenStates = seen;
            new MutationObserver(() => seen.push(state.textContent ?? "")).observe(state, {
                childList: true,
                characterData: true,
                subtree: true,
            });
        });
        const dynamodb = new DynamoDBClient({
            endpoint: cloud.dynamodbEndpoint,
            region: cloud.program.region,
            credentials: cloud.credentials,
        });
        try {
            const { Items } = await dynamodb.send(
                new ScanCommand({
                    TableName: String(cloud.outputs.connectionsTableName),
                    FilterExpression: "contains(channels, :channel)",
                    ExpressionAttributeValues: { ":channel": { S: channel } },
                }),
            );
            expect(Items, "the page's connection row").to.have.length(1);
            const id = String(Items![0].connectionId.S);
            const closed = await fetch(`${broadcast().managementEndpoint}/@connections/${encodeURIComponent(id)}`, { method: "DELETE" });
            expect(closed.status).to.equal(204);
        } finally {
            dynamodb.destroy();
        }
        await page.waitForFunction(
            () => {
                const seen = (window as unknown as { seenStates: string[] }).seenStates;
                return seen.indexOf("reconnecting") !== -1 && seen.lastIndexOf("open") > seen.indexOf("reconnecting");
            },
            { timeout: 15_000 },
        );
        await ready(page);
        expect(await page.$eval("#channel", (el) => el.textContent)).to.equal(channel);

        await uploadThroughPage(page, file("after reconnect.txt", "back again"));
        await rowFor(page, `${channel}after reconnect.txt`);
        expect((await rows(page)).map((r) => [r.key, r.own])).to.deep.equal([
            [`${channel}after reconnect.txt`, true],
            [`${channel}first note.txt`, true],
        ]);
    });

    it("keeps to the URL written into it when a link's ?url= names another socket", async () => {
        const written = new URL(cloud.pages[0].url);
        written.search = "?url=ws://127.0.0.1:9/elsewhere";
        await page.goto(written.toString());
        await ready(page);
        expect(await page.$eval("#channel", (el) => el.textContent)).to.equal(channel);
    });

    it("keeps its channel across a reload, and threw nothing", async () => {
        await page.reload();
        await ready(page);
        expect(await page.$eval("#channel", (el) => el.textContent)).to.equal(channel);
        expect(pageErrors).to.deep.equal([]);
    });
});

describe("finding the browser for the browser tests", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-browser-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const fakeBrowser = (name: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
        return file;
    };

    it("names the missing browser and the fix in one line when there is none", () => {
        expect(() => findBrowser({ PATH: dir })).to.throw(
            /^No Chromium for the browser tests: none of chromium, chromium-browser, google-chrome is on PATH; install it \(apt-get install chromium\) or set CHROME_PATH\.$/,
        );
    });

    it("takes CHROME_PATH first, refuses one that is not executable, then looks on PATH in order", () => {
        const chrome = fakeBrowser("google-chrome");
        const chromium = fakeBrowser("chromium-browser");
        expect(findBrowser({ PATH: dir })).to.equal(chromium);
        expect(findBrowser({ PATH: dir, CHROME_PATH: chrome })).to.equal(chrome);
        fs.writeFileSync(path.join(dir, "plain"), "not executable", { mode: 0o644 });
        expect(() => findBrowser({ PATH: dir, CHROME_PATH: path.join(dir, "plain") })).to.throw(/is not an executable file; point it at/);
    });
});
