import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackSettings } from "../../../local/record/stack-settings";

describe("reading a program's stack settings", () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-settings-"));
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

    it("takes config defaults from Pulumi.yaml in their default and value forms and as plain values", () => {
        write(
            "Pulumi.yaml",
            [
                "name: chat",
                "runtime: nodejs",
                "config:",
                "  greeting:",
                "    type: string",
                "    default: hello",
                "  aws:region:",
                "    value: eu-west-1",
                "  plain: just-text",
                "  chat:already: namespaced",
                "  undeclared:",
                "    type: string",
                "",
            ].join("\n"),
        );
        expect(readStackSettings(dir, "dev")).to.deep.equal({
            project: "chat",
            stack: "dev",
            config: {
                "chat:greeting": "hello",
                "aws:region": "eu-west-1",
                "chat:plain": "just-text",
                "chat:already": "namespaced",
            },
            main: dir,
        });
    });

    it("JSON-encodes defaults that are not strings", () => {
        write(
            "Pulumi.yaml",
            [
                "name: chat",
                "config:",
                "  retries:",
                "    default: 3",
                "  verbose: true",
                "  zones:",
                "    default: [a, b]",
                "  limits:",
                "    default:",
                "      burst: 10",
                "  list: [1, 2]",
                "  off:",
                "    default: false",
                "",
            ].join("\n"),
        );
        expect(readStackSettings(dir, "dev").config).to.deep.equal({
            "chat:retries": "3",
            "chat:verbose": "true",
            "chat:zones": '["a","b"]',
            "chat:limits": '{"burst":10}',
            "chat:list": "[1,2]",
            "chat:off": "false",
        });
    });

    it("lets Pulumi.<stack>.yaml override the defaults, prefixing bare keys with the project name", () => {
        write(
            "Pulumi.yaml",
            ["name: chat", "config:", "  greeting:", "    default: hello", "  aws:region: us-east-1", "  kept: yes-kept", ""].join("\n"),
        );
        write(
            "Pulumi.prod.yaml",
            [
                "config:",
                "  aws:region: us-west-2",
                "  greeting: bonjour",
                "  chat:extra: more",
                "  size: 5",
                "  tags:",
                "    team: web",
                "",
            ].join("\n"),
        );
        expect(readStackSettings(dir, "prod")).to.deep.equal({
            project: "chat",
            stack: "prod",
            config: {
                "chat:greeting": "bonjour",
                "aws:region": "us-west-2",
                "chat:kept": "yes-kept",
                "chat:extra": "more",
                "chat:size": "5",
                "chat:tags": '{"team":"web"}',
            },
            main: dir,
        });
    });

    it("reads a stack file without config, or an empty one, as no overrides", () => {
        write("Pulumi.yaml", ["name: chat", "config:", "  aws:region: us-east-1", ""].join("\n"));
        write("Pulumi.staging.yaml", "encryptionsalt: abc\n");
        write("Pulumi.qa.yaml", "");
        expect(readStackSettings(dir, "staging").config).to.deep.equal({ "aws:region": "us-east-1" });
        expect(readStackSettings(dir, "qa").config).to.deep.equal({ "aws:region": "us-east-1" });
    });

    it("resolves main against the program's folder, the folder itself without one", () => {
        write("Pulumi.yaml", "name: chat\nmain: src/index.ts\n");
        expect(readStackSettings(dir, "dev").main).to.equal(path.join(dir, "src", "index.ts"));
        write("Pulumi.yaml", "name: chat\nmain: ../elsewhere/\n");
        expect(readStackSettings(dir, "dev").main).to.equal(path.resolve(dir, "..", "elsewhere"));
        write("Pulumi.yaml", "name: chat\n");
        expect(readStackSettings(dir, "dev").main).to.equal(path.resolve(dir));
    });

    it("refuses a folder without Pulumi.yaml", () => {
        expect(() => readStackSettings(dir, "dev")).to.throw(`${dir} is not a Pulumi program: it has no Pulumi.yaml.`);
    });

    it("refuses a stack other than dev without its Pulumi.<stack>.yaml", () => {
        write("Pulumi.yaml", "name: chat\n");
        write("Pulumi.dev.yaml", "config: {}\n");
        expect(() => readStackSettings(dir, "prod")).to.throw(`stack "prod" has no Pulumi.prod.yaml in ${dir}.`);
    });

    it("allows the dev stack without its Pulumi.dev.yaml, with the project defaults only", () => {
        write("Pulumi.yaml", ["name: chat", "config:", "  greeting:", "    default: hello", ""].join("\n"));
        expect(readStackSettings(dir, "dev")).to.deep.equal({
            project: "chat",
            stack: "dev",
            config: { "chat:greeting": "hello" },
            main: dir,
        });
    });
});
