import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConnectionJournal } from "../../../../local/services/gateway/connection-journal";

describe("local gateway: the journal of open connections (B46)", () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-journal-"));
        file = path.join(dir, "gateway", "api.jsonl");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const connection = (connectionId: string) => ({ connectionId, connectedAt: 1_700_000_000_000, sourceIp: "203.0.113.7" });

    it("gives back what a killed run left open, and nothing it closed", () => {
        const first = ConnectionJournal.resume(file);
        expect(first.leftOpen).to.deep.equal([]);
        first.journal.opened(connection("a="));
        first.journal.opened({ ...connection("b="), userAgent: "ua", authorizer: { principalId: "u1" } });
        first.journal.opened(connection("c="));
        first.journal.closed("b=");
        // The run dies here: nothing more is written.
        const second = ConnectionJournal.resume(file);
        expect(second.leftOpen.map((c) => c.connectionId)).to.deep.equal(["a=", "c="]);
        expect(second.leftOpen[0]).to.deep.include({ connectedAt: 1_700_000_000_000, sourceIp: "203.0.113.7" });
    });

    it("keeps a leftover written down until its $disconnect is said to have run, so a second kill loses none", () => {
        const first = ConnectionJournal.resume(file);
        first.journal.opened(connection("a="));
        first.journal.opened(connection("b="));
        const second = ConnectionJournal.resume(file);
        second.journal.closed("a=");
        // Killed again before b='s $disconnect ran.
        expect(ConnectionJournal.resume(file).leftOpen.map((c) => c.connectionId)).to.deep.equal(["b="]);
    });

    it("skips damaged and foreign lines instead of failing the start", () => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const good = JSON.stringify({ open: connection("ok=") });
        fs.writeFileSync(
            file,
            ["null", '"x"', "42", "{}", '{"open":{}}', '{"open":{"connectionId":7}}', '{"closed":1}', good, '{"open":{"connec'].join("\n"),
        );
        expect(ConnectionJournal.resume(file).leftOpen.map((c) => c.connectionId)).to.deep.equal(["ok="]);
    });

    it("stays small over a long run: closed connections are compacted away", () => {
        const { journal } = ConnectionJournal.resume(file);
        journal.opened(connection("kept="));
        for (let i = 0; i < 3_000; i++) {
            journal.opened(connection(`c${i}=`));
            journal.closed(`c${i}=`);
        }
        expect(fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length).to.be.below(1_100);
        expect(ConnectionJournal.resume(file).leftOpen.map((c) => c.connectionId)).to.deep.equal(["kept="]);
    });
});
