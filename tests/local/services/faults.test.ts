import { expect } from "chai";
import { describeFaults, Faults, parseFaults } from "../../../local/services/faults";

describe("local cloud: the fault model (B45)", () => {
    const draw = (faults: Faults, target: string, n: number) => Array.from({ length: n }, () => faults.next("connections", target));

    it("fails about the share it is given, with the kinds it is given, and nothing when off", () => {
        const faults = new Faults({ connections: { rate: 0.25, errors: ["429", "gone"] } });
        const outcomes = draw(faults, "a", 4_000);
        const failed = outcomes.filter((o) => o !== undefined);
        expect(failed.length / outcomes.length).to.be.within(0.22, 0.28);
        expect(new Set(failed)).to.deep.equal(new Set(["429", "gone"]));
        expect(faults.counts()["connections 429"] + faults.counts()["connections gone"]).to.equal(failed.length);
        faults.set({});
        expect(draw(faults, "a", 100).every((o) => o === undefined)).to.equal(true);
        expect(new Faults().next("dynamodb", "PutItem")).to.equal(undefined);
    });

    it("fails the same requests for the same seed, and others for another", () => {
        const run = (seed: number) => draw(new Faults({ connections: { rate: 0.5 }, seed }), "a", 50);
        expect(run(3)).to.deep.equal(run(3));
        expect(run(3)).to.not.deep.equal(run(4));
    });

    it("fails one target at most maxConsecutive times in a row, so that its retries get through", () => {
        const faults = new Faults({ connections: { rate: 1, errors: ["429", "500"], maxConsecutive: 2 } });
        const a = draw(faults, "a", 6).map((o) => o !== undefined);
        expect(a).to.deep.equal([true, true, false, true, true, false]);
        expect(faults.next("connections", "b"), "another target has its own streak").to.not.equal(undefined);
    });

    it("refuses a model it cannot honour, naming the field", () => {
        expect(() => new Faults({ connections: { rate: 2 } })).to.throw("faults.connections.rate must be a share from 0 to 1; got 2");
        expect(() => new Faults({ dynamodb: { rate: 0.1, errors: ["429" as never] } })).to.throw(
            "faults.dynamodb.errors: 429 unknown; choose from throttling, 500",
        );
        expect(() => new Faults({ functions: { rate: 0.1, maxConsecutive: -1 } })).to.throw(/maxConsecutive must be a whole number/);
        expect(() => new Faults({ seed: 1.5 })).to.throw("faults.seed must be a whole number; got 1.5");
    });

    it("reads --faults and describes a model for the banner", () => {
        const model = parseFaults("connections=0.1, functions=0.02");
        expect(model).to.deep.equal({ connections: { rate: 0.1 }, functions: { rate: 0.02 } });
        expect(describeFaults(model)).to.equal("connections 10% (429, 500, gone), functions 2% (crash)");
        expect(describeFaults({})).to.equal("");
        expect(() => parseFaults("connections=0.1;dynamodb=0.1")).to.throw(/is not service=rate/);
    });
});
