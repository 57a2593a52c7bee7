import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../../../local/cli/cli-error";
import { runPage } from "../../../local/cli/page";

describe("CLI: page", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "page-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes index.html and the bundled app.js, with the API's URL written in", async () => {
        const url = "wss://abc123defg.execute-api.eu-west-1.amazonaws.com/prod";
        const said = await runPage({ command: "page", outDir: "site", url, verbose: false }, dir);
        expect(said).to.match(/^Wrote site\/index.html and site\/app.js\. Host the folder anywhere and open index.html\.$/);
        const html = fs.readFileSync(path.join(dir, "site", "index.html"), "utf8");
        expect(html).to.include(`<meta name="websocket-url" content="${url}" />`);
        expect(html).to.include('<script src="app.js"></script>');
        const js = fs.readFileSync(path.join(dir, "site", "app.js"), "utf8");
        expect(js).to.not.match(/\brequire\(/, "a browser bundle, nothing left to resolve");
        expect(js).to.include("subscribe");
    });

    it("without --url writes no URL in, and says to give ?url=", async () => {
        const said = await runPage({ command: "page", outDir: ".", verbose: false }, dir);
        expect(said).to.match(/open index.html\?url=wss:\/\/…\.$/);
        expect(fs.readFileSync(path.join(dir, "index.html"), "utf8")).to.not.include("websocket-url");
    });

    it("names the folder and the fix when it cannot write there", async () => {
        fs.writeFileSync(path.join(dir, "taken"), "a file, not a folder");
        const error = await runPage({ command: "page", outDir: "taken", verbose: false }, dir).catch((err: unknown) => err);
        expect(error).to.be.instanceOf(CliError);
        expect((error as CliError).message).to.match(
            /^cannot write the page into .*taken \((EEXIST|ENOTDIR)\): choose a folder you can write to\.$/,
        );
    });
});
